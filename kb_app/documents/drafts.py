"""Drafts started from a file: the file is kept as an attachment and the draft filled in once its text is read.

Shared by the submission form ("start from a file") and `kb import-documents`. A draft is only ever a draft:
a partner reviews every field and sends it for review; nothing here publishes.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from ..catalogue import add_revision, new_external_id, new_record
from ..models import Organisation, Record, User
from ..uploads import UploadRefused, remove_upload, store_upload
from .extract import DOCUMENT_TYPES

TITLE_FROM_NAME_CHARS = 300


class NotADocument(ValueError):
    """The file is kept-able (an image, say) but has no text to start a draft from."""

    def __init__(self, filename: str):
        super().__init__(f"{filename}: not a PDF, DOCX or ODT file")
        self.filename = filename


def placeholder_title(filename: str) -> str:
    """What the draft is called until its text is read: the file name without its extension."""
    stem = Path(filename).stem.replace("_", " ").strip()
    return (stem or filename)[:TITLE_FROM_NAME_CHARS]


def start_draft(session: Session, data_dir: Path | str, filename: str, stream: BinaryIO, max_bytes: int, *,
                kind: str, lang: str, organisation: Organisation | None, user: User | None) -> Record:
    """Keep the file and create a draft waiting for its text (committed); raises UploadRefused or NotADocument."""
    from ..submit.submission import new_attachment

    stored = store_upload(data_dir, filename, stream, max_bytes)
    if stored.content_type not in DOCUMENT_TYPES:
        remove_upload(data_dir, stored.stored_name)
        raise NotADocument(stored.filename)
    try:
        record = new_record(kind)
        record.status = "draft"
        record.lang = lang
        record.title = placeholder_title(stored.filename)
        record.external_id = new_external_id(kind, lang)
        record.organisation = organisation
        record.created_by = user
        record.attachments.append(new_attachment(stored, prefill=True))
        session.add(record)
        add_revision(session, record, "created", user, comment=stored.filename)
        session.commit()
    except BaseException:
        session.rollback()
        remove_upload(data_dir, stored.stored_name)
        raise
    return record


__all__ = ["NotADocument", "UploadRefused", "placeholder_title", "start_draft"]
