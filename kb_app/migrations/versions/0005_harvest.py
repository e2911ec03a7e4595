"""cite, follow and harvest: a licence per record, saved searches and the records their digests sent,
monthly view and download counts per record

Revision ID: 0005_harvest
Revises: 0003_trust
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_harvest"
down_revision = "0003_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.add_column(sa.Column("licence", sa.String(length=40), nullable=True))
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("ui_lang", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    with op.batch_alter_table("saved_searches") as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_searches_user_id"), ["user_id"], unique=False)
    op.create_table(
        "digest_deliveries",
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["saved_search_id"], ["saved_searches.id"],
                                name=op.f("fk_digest_deliveries_saved_search_id_saved_searches"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_digest_deliveries_record_id_records"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("saved_search_id", "record_id", name=op.f("pk_digest_deliveries")),
    )
    op.create_table(
        "record_usage",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_record_usage_record_id_records"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "period", name=op.f("pk_record_usage")),
    )


def downgrade() -> None:
    op.drop_table("record_usage")
    op.drop_table("digest_deliveries")
    op.drop_table("saved_searches")
    with op.batch_alter_table("records") as batch_op:
        batch_op.drop_column("licence")
