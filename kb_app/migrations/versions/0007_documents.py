"""attachments keep the text read from them (language, pages, status) for search and drafts from a file

Revision ID: 0007_documents
Revises: 0005_harvest
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_documents"
down_revision = "0005_harvest"
branch_labels = None
depends_on = None

DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
)


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.add_column(sa.Column("text_status", sa.String(length=20), nullable=False, server_default="pending"))
        batch_op.add_column(sa.Column("text_problem", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("text_content", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("text_chars", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lang", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("text_claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("prefill", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_attachments_text_status"), ["text_status"], unique=False)
    # Files attached before this revision are read by the extraction worker like new ones; images have no text.
    attachments = sa.table("attachments", sa.column("content_type", sa.String), sa.column("text_status", sa.String))
    op.execute(attachments.update().where(attachments.c.content_type.not_in(DOCUMENT_TYPES))
               .values(text_status="none"))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_text_status"))
        for name in ("prefill", "text_claimed_at", "page_count", "lang", "text_chars", "text_content",
                     "text_problem", "text_status"):
            batch_op.drop_column(name)
