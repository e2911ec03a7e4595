"""learning paths: self-checks on modules, enrolments, resources done, self-check attempts, cohorts, invitations

Revision ID: 0006_learning
Revises: 0007_documents
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_learning"
down_revision = "0007_documents"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str = "user_id", ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete)


def upgrade() -> None:
    with op.batch_alter_table("modules") as batch_op:
        batch_op.add_column(sa.Column("self_check", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("pass_mark", sa.Integer(), nullable=False, server_default="60"))
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("last_active_at", sa.DateTime(), nullable=False),
        _user_fk("enrolments"),
        sa.ForeignKeyConstraint(["path_id"], ["curriculum_paths.id"],
                                name=op.f("fk_enrolments_path_id_curriculum_paths"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("user_id", "path_id", name="uq_enrolments_user_path"),
    )
    op.create_index(op.f("ix_enrolments_user_id"), "enrolments", ["user_id"])
    op.create_table(
        "resources_done",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        _user_fk("resources_done"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_resources_done_record_id_records"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources_done")),
        sa.UniqueConstraint("user_id", "record_id", name="uq_resources_done_user_record"),
    )
    op.create_index(op.f("ix_resources_done_user_id"), "resources_done", ["user_id"])
    op.create_table(
        "self_check_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _user_fk("self_check_attempts"),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_self_check_attempts_module_id_modules"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_check_attempts")),
    )
    op.create_index(op.f("ix_self_check_attempts_user_id"), "self_check_attempts", ["user_id"])
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _user_fk("cohorts", "trainer_id"),
        sa.ForeignKeyConstraint(["path_id"], ["curriculum_paths.id"],
                                name=op.f("fk_cohorts_path_id_curriculum_paths"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_cohorts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    op.create_index(op.f("ix_cohorts_trainer_id"), "cohorts", ["trainer_id"])
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_members_cohort_id_cohorts"),
                                ondelete="CASCADE"),
        _user_fk("cohort_members"),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_cohort_members")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_invitations_cohort_id_cohorts"),
                                ondelete="CASCADE"),
        _user_fk("invitations", "created_by_id", "SET NULL"),
        _user_fk("invitations", "used_by_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_cohort_id"), "invitations", ["cohort_id"])


def downgrade() -> None:
    for table in ("invitations", "cohort_members", "cohorts", "self_check_attempts", "resources_done", "enrolments"):
        op.drop_table(table)
    with op.batch_alter_table("modules") as batch_op:
        batch_op.drop_column("pass_mark")
        batch_op.drop_column("self_check")
