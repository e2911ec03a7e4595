"""sign-in sessions kept on the server (signing out ends them)

Revision ID: 0003_trust
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_trust"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sign_in_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sign_in_sessions_key_hash")),
    )
    with op.batch_alter_table("sign_in_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_last_seen_at"), ["last_seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_sessions")
