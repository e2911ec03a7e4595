"""Pages of the submit area: a partner's submissions, the case-study form, preview, sending for review, attachments."""
from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from indexing import detect_language

from ..usage import count_use, usage_of_organisation
from ..access import SUBMITTER_ROLES, current_user, login_required, role_required
from ..attachment_files import max_upload_bytes
from ..catalogue import add_revision, to_interchange
from ..confirmation import ConfirmForm
from ..countries import COUNTRY_CODES
from ..db import get_session
from ..discovery import SearchParams, run_search
from ..duplicates import possible_duplicates
from ..i18n import country_name, language_name, resolve_ui_lang
from ..interchange import InvalidRecord, normalise_record
from ..kinds import LANGUAGES, PRACTICE, kind_of
from ..models import Attachment, Organisation, Record, Theme, User, parse_row_id
from ..request_limits import FORM_BODY_BYTES, accepts_body
from ..revisions import compare_snapshots, pick_pair
from ..uploads import remove_upload, stored_path
from ..visibility import visible_to
from ..vocabulary import snapshot_value, status_label
from ..workflow import (
    apply_action,
    can_act,
    can_edit,
    can_view,
    has_form,
    is_reviewer,
    last_review_comment,
    owns,
)
from . import bp
from .forms import FORMS, RecordForm, StartFromFileForm, record_form_data, set_choices
from ..documents.drafts import NotADocument, start_draft
from ..documents.reading import get_text_reader
from ..documents.vocabulary import text_problem_label
from ..uploads import UploadRefused
from .submission import (
    MAX_FILES_PER_SAVE,
    SAVE_REQUIRED,
    field_marks,
    refusal_message,
    incomplete_message,
    missing_for_review,
    root_of,
    save_practice,
    theme_slugs,
)

log = logging.getLogger(__name__)
SUBMITTERS = SUBMITTER_ROLES
# Copied from the original into a new translation: the facts that do not change with the language.
TRANSLATION_KEEPS = ("country", "city", "year", "start_date", "end_date", "contact", "url", "licence")


def _upload_allowance() -> int:
    # Several attachments may come with one save; each one is checked against the per-file limit in the view,
    # so an over-large file is reported on the form instead of losing everything typed to a bare 413 page.
    return MAX_FILES_PER_SAVE * max_upload_bytes() + FORM_BODY_BYTES


def _me() -> User:
    user = current_user()
    if user is None:  # login_required ran first; this keeps type checkers and surprises out
        abort(401)
    return user


def _record(record_id: int) -> Record:
    record = get_session().get(Record, record_id)
    if record is None:
        abort(404, description=_("There is no such record."))
    return record


def _viewable(record_id: int) -> Record:
    """A record the user owns or reviews (its private page shows comments and history, so published is not enough)."""
    record = _record(record_id)
    user = _me()
    if not (is_reviewer(user) or owns(user, record)):
        abort(403, description=_("This record belongs to another organisation."))
    return record


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, description=_("The form had expired. Please try again."))


def _choices(form: RecordForm, user: User) -> None:
    db = get_session()
    ui_lang = resolve_ui_lang()
    themes = sorted(((t.slug, t.label(ui_lang)) for t in db.scalars(select(Theme))), key=lambda p: p[1].casefold())
    countries = sorted(((c, country_name(c)) for c in COUNTRY_CODES), key=lambda p: p[1].casefold())
    organisations = None
    if is_reviewer(user):
        rows = db.scalars(select(Organisation).order_by(func.lower(Organisation.name)))
        organisations = [(o.slug, o.name) for o in rows]
    set_choices(form, languages=[(code, language_name(code)) for code in LANGUAGES], countries=countries,
                themes=themes, organisations=organisations)


def _after_save(record: Record, form: RecordForm) -> Response:
    if form.preview.data:
        return redirect(url_for("submit.show", record_id=record.id))
    flash(_("Saved."), "info")
    return redirect(url_for("submit.edit", record_id=record.id))


def _render_form(form: RecordForm, record: Record | None, original: Record | None, status: int = 200,
                 detected: str | None = None, checking: bool = False) -> Any:
    start = (StartFromFileForm(formdata=None, prefix="start")
             if record is None and original is None and form.kind.name == "practice" else None)
    return render_template("submit/form.html", form=form, record=record, original=original, sections=form.kind.form_sections,
                           detected=detected, max_files=MAX_FILES_PER_SAVE, confirm=ConfirmForm(),
                           field_marks=field_marks(form.kind), checking=checking, start_form=start), status


@bp.get("/submit")
@role_required(*SUBMITTERS)
def index() -> str:
    user = _me()
    db = get_session()
    query = select(Record).options(selectinload(Record.revisions)).order_by(Record.updated_at.desc(), Record.id.desc())
    if user.role == "partner":
        query = query.where(Record.organisation_id == user.organisation_id)
    else:
        mine = [Record.created_by_id == user.id]
        if user.organisation_id is not None:
            mine.append(Record.organisation_id == user.organisation_id)
        query = query.where(or_(*mine))
    records = list(db.scalars(query.limit(500)))
    usage = usage_of_organisation(db, user.organisation_id) if user.organisation_id is not None else []
    return render_template("submit/index.html", records=records, user=user, last_review_comment=last_review_comment,
                           usage=usage)


@bp.get("/submit/translate")
@role_required(*SUBMITTERS)
def translate() -> str:
    """Find a published practice to translate."""
    q = (request.args.get("q") or "").strip()[:500]
    results: list[dict[str, Any]] = []
    if q:
        found = run_search(get_session(), SearchParams(q=q, filters={"kind": ["practice"]}, per_page=20,
                                                       ui_lang=resolve_ui_lang()))
        results = found["results"]
    return render_template("submit/translate.html", q=q, results=results)


def _original_from(value: Any) -> Record | None:
    """The published practice a new record translates (from the query string or the hidden form field)."""
    if value in (None, ""):
        return None
    original_id = parse_row_id(value)
    if original_id is None:
        abort(404, description=_("There is no such record."))
    original = get_session().get(Record, original_id)
    if original is None or not original.is_published or original.kind != "practice":
        abort(404, description=_("Only a published practice can be translated."))
    return root_of(original)


@bp.route("/submit/new", methods=["GET", "POST"])
@accepts_body(_upload_allowance)
@role_required(*SUBMITTERS)
def new() -> Any:
    user = _me()
    if user.role == "partner" and user.organisation is None:
        abort(403, description=_("Your account belongs to no organisation; ask an administrator."))
    form_class = FORMS.get(request.args.get("kind") or PRACTICE.name)
    if form_class is None:
        abort(404, description=_("There is no form for this kind of record."))
    form = form_class()
    _choices(form, user)
    original = _original_from(request.form.get("translation_of") if request.method == "POST"
                              else request.args.get("translation_of"))
    if original is not None and original.kind != form.kind.name:
        abort(404, description=_("Only a published practice can be translated."))
    if request.method == "POST":
        record = save_practice(form, user, None, original)
        if record is not None:
            return _after_save(record, form)
        return _render_form(form, None, original)
    if original is not None:
        form.translation_of.data = str(original.id)
        for name in TRANSLATION_KEEPS:
            value = getattr(original, name)
            getattr(form, name).data = str(value) if value is not None else ""
        form.themes.data = [t.slug for t in original.themes]
    return _render_form(form, None, original)


@bp.post("/submit/from-file")
@accepts_body(lambda: max_upload_bytes() + FORM_BODY_BYTES)
@role_required(*SUBMITTERS)
def from_file() -> Response:
    """Start a draft from the partner's own document: kept as an attachment, read outside this request."""
    user = _me()
    if user.role == "partner" and user.organisation is None:
        abort(403, description=_("Your account belongs to no organisation; ask an administrator."))
    start = StartFromFileForm(prefix="start")
    upload = start.document.data
    if not start.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("submit.new"))
    if upload is None or not getattr(upload, "filename", ""):
        flash(_("Choose a DOCX, ODT or PDF file to start from."), "error")
        return redirect(url_for("submit.new"))
    try:
        record = start_draft(get_session(), current_app.config["KB_DATA_DIR"], upload.filename, upload.stream,
                             max_upload_bytes(), kind="practice", lang=resolve_ui_lang(),
                             organisation=user.organisation, user=user)
    except UploadRefused as exc:
        flash(refusal_message(exc), "error")
        return redirect(url_for("submit.new"))
    except NotADocument as exc:
        flash(_("%(name)s is not a DOCX, ODT or PDF file: a draft can only start from a document.",
                name=exc.filename), "error")
        return redirect(url_for("submit.new"))
    get_text_reader(current_app).kick()
    log.info("account %s started draft %s from a file", user.id, record.id)
    return redirect(url_for("submit.reading", record_id=record.id))


@bp.get("/submit/<int:record_id>/reading")
@login_required
def reading(record_id: int) -> Any:
    """Wait for the file a draft started from to be read, then open the form filled in from it."""
    record = _viewable(record_id)
    source = next((a for a in record.attachments if a.text_status in ("pending", "extracting") or a.prefill), None)
    if source is not None:
        get_text_reader(current_app).kick()
        return render_template("submit/reading.html", record=record, attachment=source)
    first = record.attachments[0] if record.attachments else None
    if first is not None and first.text_status == "ok":
        flash(_("The form was filled in from %(name)s. Check every field, correct what was misplaced, then save.",
                name=first.filename), "info")
    elif first is not None:
        reason = text_problem_label(first.text_problem) if first.text_status == "refused" else \
            _("no text found (a scan or an image?)")
        flash(_("No text could be read from %(name)s (%(reason)s). The file is kept as an attachment: "
                "fill in the form yourself.", name=first.filename, reason=reason), "error")
    return redirect(url_for("submit.edit", record_id=record.id))


@bp.route("/submit/<int:record_id>/edit", methods=["GET", "POST"])
@accepts_body(_upload_allowance)
@login_required
def edit(record_id: int) -> Any:
    record = _viewable(record_id)
    user = _me()
    if not can_edit(user, record):
        if owns(user, record) and has_form(record):
            flash(_("This practice cannot be changed while it is %(status)s.", status=status_label(record.status)),
                  "error")
            return redirect(url_for("submit.show", record_id=record.id))
        abort(403, description=_("You may not change this record."))
    form_class: type[RecordForm] = FORMS[record.kind]  # can_edit passed: the kind has a form
    if request.method == "POST":
        form = form_class()
        _choices(form, user)
        saved = save_practice(form, user, record, None)
        if saved is not None:
            return _after_save(saved, form)
        return _render_form(form, record, None)
    form = form_class(data=record_form_data(record))
    _choices(form, user)
    text = "\n".join(filter(None, (record.title, record.summary, record.body)))
    detected = detect_language(text, hint=record.lang) if text else record.lang
    # The language is offered as detected from the text; a note says so when that differs from what is stored.
    form.lang.data = detected
    if request.args.get("check"):
        data = to_interchange(record)
        for error in missing_for_review(data):
            form.add_error(error.field, incomplete_message())
    return _render_form(form, record, None, detected=detected if detected != record.lang else None,
                        checking=bool(request.args.get("check")))


def _missing(record: Record) -> list[str]:
    """The fields still to fill in before this record may be sent for review."""
    data = to_interchange(record)
    missing = missing_for_review(data)
    try:
        normalise_record(data, theme_slugs=theme_slugs())
    except InvalidRecord as exc:
        missing += exc.errors
    return list(dict.fromkeys(error.field for error in missing))


def _submission_data(record: Record, user: User) -> dict[str, Any]:
    """What the submission page shows, computed once for the page and its JSON twin."""
    kind = kind_of(record.kind) or PRACTICE
    duplicates = None
    if record.status != "published" and has_form(record):
        duplicates = possible_duplicates(get_session(), record)
        editable = can_edit(user, record)
        for card in duplicates or []:
            card["may_be_translation"] = bool(card["may_be_translation"] and editable)
            card["confirm_url"] = (url_for("submit.confirm_translation", record_id=record.id, original=card["id"])
                                   if card["may_be_translation"] else None)
    return {
        "id": record.id,
        "external_id": record.external_id,
        "kind": record.kind,
        "status": record.status,
        "lang": record.lang,
        "title": record.title,
        "translation_of": record.translation_of_id,
        "needed_to_save": list(SAVE_REQUIRED),
        "needed_before_review": list(kind.review_required),
        "missing_for_review": _missing(record) if record.status != "published" else [],
        "duplicates": None if duplicates is None else [
            {key: card.get(key) for key in ("id", "title", "lang", "url", "organisation", "country", "linked",
                                            "may_be_translation", "confirm_url")} for card in duplicates],
        "urls": {"html": url_for("submit.show", record_id=record.id),
                 "json": url_for("submit.show_json", record_id=record.id)},
    }


@bp.get("/submit/<int:record_id>.json")
@login_required
def show_json(record_id: int) -> Response:
    record = _viewable(record_id)
    return jsonify(_submission_data(record, _me()))


@bp.get("/submit/<int:record_id>")
@login_required
def show(record_id: int) -> str:
    record = _viewable(record_id)
    user = _me()
    data = _submission_data(record, user)
    return render_template(
        "submit/show.html", record=record, data=data, duplicates=data["duplicates"], confirm=ConfirmForm(),
        can_edit=can_edit(user, record), can_send=can_act(user, record, "submitted"),
        can_withdraw=can_act(user, record, "withdrawn"), review_comment=last_review_comment(record),
        versions=_versions(record, user), sections=_sections(record),
    )


def _versions(record: Record, user: User) -> list[Record]:
    """The record's other language versions that this user may see (never another organisation's drafts)."""
    root = root_of(record)
    rows = get_session().scalars(select(Record).where(
        or_(Record.id == root.id, Record.translation_of_id == root.id), Record.id != record.id, visible_to(user))
        .order_by(Record.lang))
    return list(rows)


def _sections(record: Record) -> list[tuple[str, str]]:
    """The record's summary and filled-in template sections as (label, text), in template order."""
    kind = kind_of(record.kind) or PRACTICE
    return [(kind.label_of(n), getattr(record, n)) for n in ("summary", *kind.page_sections) if getattr(record, n)]


@bp.post("/submit/<int:record_id>/send")
@login_required
def send(record_id: int) -> Response:
    _confirmed()
    record = _viewable(record_id)
    user = _me()
    if not can_act(user, record, "submitted"):
        abort(403, description=_("This record cannot be sent for review now."))
    if _missing(record):
        flash(_("Some sections still need to be filled in before the practice can be sent for review."), "error")
        return redirect(url_for("submit.edit", record_id=record.id, check=1))
    apply_action(get_session(), record, "submitted", user)
    get_session().commit()
    log.info("account %s sent record %s for review", user.id, record.id)
    flash(_("Sent for review. An editor will publish it or reply with comments."), "info")
    return redirect(url_for("submit.show", record_id=record.id))


@bp.post("/submit/<int:record_id>/withdraw")
@login_required
def withdraw(record_id: int) -> Response:
    _confirmed()
    record = _viewable(record_id)
    user = _me()
    if not can_act(user, record, "withdrawn"):
        abort(403, description=_("This record cannot be withdrawn now."))
    apply_action(get_session(), record, "withdrawn", user)
    get_session().commit()
    flash(_("Withdrawn from review: it is a draft again."), "info")
    return redirect(url_for("submit.show", record_id=record.id))


@bp.post("/submit/<int:record_id>/delete")
@login_required
def delete(record_id: int) -> Response:
    _confirmed()
    record = _viewable(record_id)
    user = _me()
    if record.status != "draft" or not can_edit(user, record):
        abort(403, description=_("Only a draft can be deleted."))
    names = [a.stored_name for a in record.attachments]
    db = get_session()
    db.delete(record)
    db.commit()
    for name in names:
        remove_upload(current_app.config["KB_DATA_DIR"], name)
    log.info("account %s deleted draft %s", user.id, record_id)
    flash(_("The draft has been deleted."), "info")
    return redirect(url_for("submit.index"))


def _original_to_link(record: Record, target_id: str) -> Record:
    target_row = parse_row_id(target_id)
    target = get_session().get(Record, target_row) if target_row is not None else None
    if target is None or not target.is_published or target.id == record.id:
        abort(404, description=_("There is no such published record."))
    return root_of(target)


@bp.get("/submit/<int:record_id>/translation")
@login_required
def confirm_translation(record_id: int) -> str:
    """Both records side by side, and the question: is this one the other written in another language?"""
    record = _viewable(record_id)
    if not can_edit(_me(), record):
        abort(403, description=_("You may not change this record."))
    target = _original_to_link(record, request.args.get("original", ""))
    return render_template("submit/confirm_translation.html", record=record, original=target, confirm=ConfirmForm(),
                           same_language=target.lang == record.lang or target.id == record.id)


@bp.post("/submit/<int:record_id>/translation")
@login_required
def link_translation(record_id: int) -> Response:
    """Link the record to the published original it translates, once confirmed (or unlink it: no original given)."""
    _confirmed()
    record = _viewable(record_id)
    user = _me()
    if not can_edit(user, record):
        abort(403, description=_("You may not change this record."))
    db = get_session()
    target_id = request.form.get("original", "")
    if target_id:
        target = _original_to_link(record, target_id)
        if target.id == record.id or target.lang == record.lang:
            flash(_("A translation must be in another language than its original."), "error")
            return redirect(url_for("submit.show", record_id=record.id))
        if request.form.get("confirmed") != "yes":
            # A link made by mistake misleads every reader of both records: ask first, with both side by side.
            return redirect(url_for("submit.confirm_translation", record_id=record.id, original=target.id), code=303)
        record.translation_of = target
        add_revision(db, record, "translation_linked", user, comment=target.external_id)
        flash(_("Linked as a translation of “%(title)s”.", title=target.title), "info")
    elif record.translation_of is not None:
        record.translation_of = None
        add_revision(db, record, "translation_linked", user, comment=None)
        flash(_("The link to the original has been removed."), "info")
    db.commit()
    return redirect(url_for("submit.show", record_id=record.id))


@bp.post("/submit/<int:record_id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(record_id: int, attachment_id: int) -> Response:
    _confirmed()
    record = _viewable(record_id)
    user = _me()
    if not can_edit(user, record):
        abort(403, description=_("You may not change this record."))
    attachment = get_session().get(Attachment, attachment_id)
    if attachment is None or attachment.record_id != record.id:
        abort(404, description=_("There is no such attachment."))
    db = get_session()
    stored_name, filename = attachment.stored_name, attachment.filename
    record.attachments.remove(attachment)
    add_revision(db, record, "attachment_removed", user, comment=filename)
    db.commit()
    remove_upload(current_app.config["KB_DATA_DIR"], stored_name)
    flash(_("The attachment has been removed."), "info")
    return redirect(url_for("submit.edit", record_id=record.id))


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> Response:
    """Download an attachment: anyone for a published record, otherwise its owners and the editors."""
    found = get_session().get(Attachment, attachment_id)
    if found is None:
        abort(404, description=_("There is no such attachment."))
    record = found.record
    if not record.is_published:
        user = current_user()
        if user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if not can_view(user, record):
            abort(403, description=_("This attachment belongs to a record that is not published."))
    path = stored_path(current_app.config["KB_DATA_DIR"], found.stored_name)
    if not path.is_file():
        abort(404, description=_("The file of this attachment is missing."))
    response = send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename,
                         max_age=0 if not record.is_published else 3600, etag=found.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if record.is_published:
        count_use(record.id, "downloads")
    if not record.is_published:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/submit/<int:record_id>/history")
@login_required
def history(record_id: int) -> str:
    record = _viewable(record_id)
    old, new_ = pick_pair(record, request.args.get("from"), request.args.get("to"))
    fields = (kind_of(record.kind) or PRACTICE).compared_fields
    changes = compare_snapshots(old.snapshot, new_.snapshot, fields, snapshot_value) if old and new_ else []
    return render_template("submit/history.html", record=record, old=old, new=new_, changes=changes,
                           back_url=url_for("submit.show", record_id=record.id), compare_endpoint="submit.history")

