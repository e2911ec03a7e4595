"""cite, follow and harvest: a licence per record

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


def downgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.drop_column("licence")
