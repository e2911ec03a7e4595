"""Storing a practice typed into the form: the one normaliser, incomplete drafts, attachments and revisions."""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from indexing import detect_language

from ..attachment_files import max_upload_bytes, max_upload_mb
from ..catalogue import add_revision, apply_record, new_record, snapshot
from ..documents.reading import get_text_reader, initial_text_status
from ..db import get_session
from ..i18n import resolve_ui_lang
from ..interchange import REQUIRED, FieldError, InvalidRecord, normalise_record
from ..kinds import PRACTICE, Kind, kind_of
from ..models import Attachment, Record, Theme, User
from ..uploads import (
    StoredFile,
    UploadRefused,
    remove_upload,
    store_upload,
)
from ..workflow import OWNER_EDITABLE, is_reviewer
from .forms import PracticeForm, field_error_message, form_field_for, form_record_fields

log = logging.getLogger(__name__)
MAX_FILES_PER_SAVE = 5
# Stands in for an empty context while a draft is being normalised: a draft may be saved before it is written.
_DRAFT_BODY = "draft"
# What a draft needs to be saved: the interchange's required fields, less the kind (the form's own), the language
# (detected when left empty) and the body (a draft may be saved before it is written).
SAVE_REQUIRED = tuple(name for name in REQUIRED if name not in ("kind", "lang", "body"))


def theme_slugs() -> list[str]:
    return list(get_session().scalars(select(Theme.slug)))


def root_of(record: Record) -> Record:
    """The record translations link to: the original itself, never a translation of it."""
    return record.translation_of if record.translation_of is not None else record


def missing_for_review(data: dict[str, Any]) -> list[FieldError]:
    """The fields its kind needs before a record may be sent for review (a draft may be saved with fewer)."""
    kind = kind_of(data.get("kind")) or PRACTICE
    return [FieldError(name, "is required") for name in kind.review_required if not data.get(name)]


def field_marks(kind: Kind) -> dict[str, str]:
    """The note beside each field the form must mark: needed to save a draft, or needed before review."""
    marks = {name: _("needed before review") for name in kind.review_required}
    marks.update({name: _("needed to save") for name in SAVE_REQUIRED})
    return marks


def incomplete_message() -> str:
    return _("Needed before the practice can be sent for review.")


def _chosen_files(form: PracticeForm) -> list[FileStorage]:
    return [f for f in (form.attachments.data or []) if isinstance(f, FileStorage) and f.filename]


def _store_files(form: PracticeForm, files: list[FileStorage]) -> list[StoredFile] | None:
    """Keep every chosen file, or none of them (with the reasons on the form) when one is refused."""
    if len(files) > MAX_FILES_PER_SAVE:
        form.add_error("attachments", _("Choose at most %(n)s files at a time.", n=MAX_FILES_PER_SAVE))
        return None
    data_dir = current_app.config["KB_DATA_DIR"]
    limit = max_upload_bytes()
    kept: list[StoredFile] = []
    refused: list[UploadRefused] = []
    for upload in files:
        try:
            kept.append(store_upload(data_dir, upload.filename or "", upload.stream, limit))
        except UploadRefused as exc:
            refused.append(exc)
    if refused:
        for stored in kept:
            remove_upload(data_dir, stored.stored_name)
        for exc in refused:
            form.add_error("attachments", refusal_message(exc))
        return None
    return kept


def refusal_message(exc: UploadRefused) -> str:
    """Why an uploaded file was not kept, as the form says it."""
    return {
        "empty": _("%(name)s is empty.", name=exc.filename),
        "too_large": _("%(name)s is larger than %(mb)s MB.", name=exc.filename, mb=max_upload_mb()),
        "unknown_type": _("%(name)s is not a PDF, DOCX, ODT, PNG or JPEG file.", name=exc.filename),
    }[exc.reason]


def save_practice(form: PracticeForm, user: User, record: Record | None, original: Record | None) -> Record | None:
    """Check what was typed through the one normaliser and store it; None (errors on the form) when it cannot be."""
    form.validate()
    token = getattr(form, "csrf_token", None)
    if token is not None and token.errors:
        form.form_messages.append(_("The form had expired, so nothing was saved. Your text is still here: save again."))
        token.errors = []
        return None
    db = get_session()
    raw = form_record_fields(form)
    if not raw.get("lang"):
        text = "\n".join(str(raw.get(f, "")) for f in ("title", "summary", "body", "challenge", "method"))
        raw["lang"] = detect_language(text, hint=record.lang if record is not None else resolve_ui_lang())
        form.lang.data = raw["lang"]
    if not is_reviewer(user):
        raw["organisation"] = user.organisation.slug if user.organisation else None
    elif "organisation" not in raw and record is None and user.organisation is not None:
        raw["organisation"] = user.organisation.slug
    link = original if original is not None else (record.translation_of if record is not None else None)
    if link is not None:
        raw["translation_of"] = link.external_id
    # Drafts may be saved before the context is written; anything sent for review or published must stay complete.
    draft_like = record is None or record.status in OWNER_EDITABLE
    empty_body = draft_like and not raw.get("body")
    if empty_body:
        raw["body"] = _DRAFT_BODY
    errors: list[FieldError] = []
    try:
        data = normalise_record({k: v for k, v in raw.items() if v is not None}, theme_slugs=theme_slugs())
    except InvalidRecord as exc:
        errors = exc.errors
        data = {}
    else:
        if empty_body:
            data["body"] = ""
        if not draft_like:
            errors = missing_for_review(data)
    for error in errors:
        missing = not draft_like and error.message == "is required"
        form.add_error(form_field_for(error.field), incomplete_message() if missing else field_error_message(error))
    if link is not None and data.get("lang") == link.lang:
        form.add_error("lang", _("The original is in this language already: a translation needs another language."))
    if form.has_errors:
        return None
    stored = _store_files(form, _chosen_files(form))
    if stored is None:
        return None

    created = record is None
    if record is None:
        record = new_record(form.kind.name)
        record.status = "draft"
        record.created_by = user
        db.add(record)
    before = snapshot(record) if not created else None
    apply_record(db, record, data)
    if created or snapshot(record) != before:
        add_revision(db, record, "created" if created else "edited", user)
    for item in stored:
        record.attachments.append(new_attachment(item))
        add_revision(db, record, "attachment_added", user, comment=item.filename)
    db.commit()
    if stored:
        get_text_reader(current_app).kick()  # the text is read outside this request, then the record reindexed
    log.info("account %s %s record %s", user.id, "created" if created else "saved", record.id)
    return record


def new_attachment(item: StoredFile, prefill: bool = False) -> Attachment:
    """The row for a kept file; a document's text is then read by the background reader (kb_app.documents)."""
    return Attachment(filename=item.filename, content_type=item.content_type, size=item.size, sha256=item.sha256,
                      stored_name=item.stored_name, text_status=initial_text_status(item.content_type),
                      prefill=prefill)
