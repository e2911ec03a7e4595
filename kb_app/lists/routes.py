"""Pages of the lists area: my lists, public lists, a list with its editing forms, add-to-list, exports."""
from __future__ import annotations

from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from ..access import current_user, login_required, role_required
from ..api_errors import ApiError
from ..catalogue import slugify
from ..db import get_session
from ..list_access import (
    BUILDER_ROLES,
    can_build_lists,
    can_edit,
    editable_list,
    readable_list,
)
from ..models import ReadingList, ReadingListItem, Record, parse_row_id, utcnow
from . import bp
from .contents import (
    EXPORT_FORMATS,
    find_public_lists,
    list_data,
    list_summary,
    lists_of,
)
from .editing import (
    ListFull,
    add_heading,
    add_record,
    copy_list,
    create_list,
    find_item,
    move_item,
    new_share_token,
    remove_item,
    reorder,
)
from .exports import to_csl_json, to_csv, to_markdown, to_ris
from .forms import (
    NOTE_MAX,
    AddToListForm,
    ConfirmForm,
    CopyForm,
    HeadingForm,
    ListForm,
    MoveForm,
    NoteForm,
    ReorderForm,
)
from .suggestions import suggest_records

PUBLIC_PER_PAGE = 20
EXPORT_TYPES = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl.json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "csl.json"),
}
RENDERERS = {"md": to_markdown, "csv": to_csv, "ris": to_ris, "csl.json": to_csl_json}


# -- helpers for the add-to-list partial ------------------------------------------------------------------

def _here() -> str:
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str | None:
    """A local path to return to, or None: never another site (open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(c in target for c in "\\\r\n\t"):
        return None
    return target


def _form_expired() -> ApiError:
    return ApiError(400, "bad_request", _("The form could not be accepted (it may have expired). Reload the page and try again."))


def _item_or_404(reading_list: ReadingList, item_id: int) -> ReadingListItem:
    item = find_item(reading_list, item_id)
    if item is None:
        raise ApiError(404, "not_found", _("Reading list %(list)d has no entry %(item)d.", list=reading_list.id, item=item_id))
    return item


def _back_to(reading_list: ReadingList, item_id: int | None = None) -> BaseResponse:
    anchor = f"item-{item_id}" if item_id else None
    return redirect(url_for("lists.show", list_id=reading_list.id, _anchor=anchor), code=303)


# -- lists pages --------------------------------------------------------------------------------------------

@bp.get("/lists")
def index() -> Any:
    user = current_user()
    if not can_build_lists(user):
        return redirect(url_for("lists.public"))
    rows = lists_of(get_session(), user)
    return render_template("lists/index.html", lists=[list_summary(rl, n) for rl, n in rows],
                           form=ListForm(formdata=None))


def _public_data() -> dict[str, Any]:
    q = (request.args.get("q") or "").strip()[:200]
    raw_page = request.args.get("page", "1")
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 10_000:
        raise ApiError(400, "invalid_parameter", _("The page number must be a whole number from 1 to 10000."))
    page = int(raw_page)
    total, rows = find_public_lists(get_session(), q, page, PUBLIC_PER_PAGE)
    return {"q": q, "total": total, "page": page, "per_page": PUBLIC_PER_PAGE,
            "lists": [list_summary(rl, n) for rl, n in rows]}


@bp.get("/lists/public")
def public() -> str:
    data = _public_data()
    last = max(1, -(-data["total"] // PUBLIC_PER_PAGE))
    return render_template("lists/public.html", data=data, last_page=last,
                           json_url=url_for("lists.public_json", q=data["q"] or None, page=data["page"] if data["page"] > 1 else None))


@bp.get("/lists/public.json")
def public_json() -> Response:
    return jsonify(_public_data())


@bp.route("/lists/new", methods=["GET", "POST"])
@role_required(*BUILDER_ROLES)
def create() -> Any:
    form = ListForm()
    if form.validate_on_submit():
        session = get_session()
        reading_list = create_list(session, current_user(), title=form.title.data, description=form.description.data,
                                   audience=form.audience.data, notes_lang=form.notes_lang.data,
                                   visibility=form.visibility.data)
        session.commit()
        flash(_("Reading list created. Add records from any search result or record page."))
        return redirect(url_for("lists.show", list_id=reading_list.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("lists/form.html", form=form, reading_list=None), status


# -- one list -------------------------------------------------------------------------------------------------

def _read(list_id: int) -> tuple[ReadingList, str | None]:
    token = request.args.get("token")
    return readable_list(get_session(), list_id, token), token


def _private_headers(response: Response, reading_list: ReadingList) -> Response:
    if reading_list.visibility != "public":
        # A share token must not leak to other sites through the Referer header, nor be indexed.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/lists/<int:list_id>")
def show(list_id: int) -> Response:
    reading_list, token = _read(list_id)
    return _show_page(reading_list, token)


def _show_page(reading_list: ReadingList, token: str | None, refused: dict[str, Any] | None = None) -> Response:
    """The list page; `refused` brings back an entry's note or heading that could not be saved, as typed."""
    user = current_user()
    session = get_session()
    data = list_data(session, reading_list, user, token)
    owner_view = can_edit(user, reading_list)
    suggestions = suggest_records(current_app, session, reading_list) if owner_view else []
    html = render_template(
        "lists/show.html", data=data, reading_list=reading_list, owner_view=owner_view, token=token,
        suggestions=suggestions, can_copy=can_build_lists(user), refused=refused,
    )
    return _private_headers(Response(html, mimetype="text/html", status=400 if refused else 200), reading_list)


@bp.get("/lists/<int:list_id>.json")
def show_json(list_id: int) -> Response:
    reading_list, token = _read(list_id)
    return _private_headers(jsonify(list_data(get_session(), reading_list, current_user(), token)), reading_list)


@bp.get("/lists/<int:list_id>/handout")
def handout(list_id: int) -> Response:
    reading_list, token = _read(list_id)
    data = list_data(get_session(), reading_list, current_user(), token)
    return _private_headers(Response(render_template("lists/handout.html", data=data), mimetype="text/html"),
                            reading_list)


@bp.get("/lists/<int:list_id>/export.<fmt>")
def export(list_id: int, fmt: str) -> Response:
    if fmt not in EXPORT_FORMATS:
        raise ApiError(404, "not_found", _("There is no export format “%(format)s” (one of %(formats)s).", format=fmt, formats=", ".join(EXPORT_FORMATS)))
    reading_list, token = _read(list_id)
    data = list_data(get_session(), reading_list, current_user(), token)
    mimetype, extension = EXPORT_TYPES[fmt]
    response = Response(RENDERERS[fmt](data), content_type=mimetype)
    name = slugify(reading_list.title) if slugify(reading_list.title) != "org" else "reading-list"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{reading_list.id}.{extension}"'
    return _private_headers(response, reading_list)


@bp.route("/lists/<int:list_id>/edit", methods=["GET", "POST"])
@login_required
def edit(list_id: int) -> Any:
    session = get_session()
    reading_list = editable_list(session, list_id)
    form = ListForm(obj=reading_list)
    if request.method == "GET":
        form.audience.data = reading_list.audience or ""
        form.notes_lang.data = reading_list.notes_lang or ""
    if form.validate_on_submit():
        reading_list.title = form.title.data
        reading_list.description = form.description.data or ""
        reading_list.audience = form.audience.data or None
        reading_list.notes_lang = form.notes_lang.data or None
        reading_list.visibility = form.visibility.data
        session.commit()
        flash(_("Changes saved."))
        return redirect(url_for("lists.show", list_id=reading_list.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("lists/form.html", form=form, reading_list=reading_list), status


@bp.post("/lists/<int:list_id>/delete")
@login_required
def delete(list_id: int) -> BaseResponse:
    session = get_session()
    reading_list = editable_list(session, list_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise _form_expired()
    if request.form.get("confirm_delete") != "yes":
        flash(_("Tick the box to confirm that the list should be deleted."))
        return redirect(url_for("lists.edit", list_id=list_id), code=303)
    title = reading_list.title
    session.delete(reading_list)
    session.commit()
    flash(_("The list “%(title)s” was deleted.", title=title))
    return redirect(url_for("lists.index"), code=303)


@bp.post("/lists/<int:list_id>/share-link")
@login_required
def new_share_link(list_id: int) -> BaseResponse:
    session = get_session()
    reading_list = editable_list(session, list_id)
    if not ConfirmForm().validate_on_submit():
        raise _form_expired()
    reading_list.share_token = new_share_token()
    session.commit()
    flash(_("New share link made: the old link no longer opens this list."))
    return redirect(url_for("lists.show", list_id=list_id, _anchor="sharing"), code=303)


@bp.post("/lists/<int:list_id>/copy")
@role_required(*BUILDER_ROLES)
def copy(list_id: int) -> BaseResponse:
    session = get_session()
    source = readable_list(session, list_id, request.form.get("token") or request.args.get("token"))
    form = CopyForm()
    if not form.validate_on_submit():
        raise _form_expired()
    title = form.title.data or _("%(title)s (copy)", title=source.title)
    reading_list = copy_list(session, source, current_user(), title[:200])
    session.commit()
    flash(_("This is your own copy of “%(title)s”: it is private until you share it. Adapt it as you like.",
            title=source.title))
    return redirect(url_for("lists.show", list_id=reading_list.id), code=303)


# -- entries -------------------------------------------------------------------------------------------------

@bp.route("/lists/add", methods=["GET", "POST"])
@role_required(*BUILDER_ROLES)
def add() -> Any:
    session = get_session()
    user = current_user()
    form = AddToListForm() if request.method == "POST" else AddToListForm(formdata=None)
    if request.method == "GET":
        record_id = parse_row_id(request.args.get("record_id", ""))
        if record_id is None:
            raise ApiError(400, "invalid_parameter", _("record_id: must be a record id."))
        form.record_id.data = record_id
        form.next.data = safe_next(request.args.get("next")) or ""
    record_id = parse_row_id(form.record_id.data) if isinstance(form.record_id.data, int) else None
    record = session.get(Record, record_id) if record_id is not None else None
    if request.method == "POST" and form.validate_on_submit():
        if record is None or not record.is_published:
            raise ApiError(404, "not_found", _("There is no published record with id %(id)s.", id=form.record_id.data))
        if form.wants_new_list():
            reading_list = create_list(session, user, title=form.new_title.data)
        else:
            reading_list = editable_list(session, int(form.list_id.data))
        try:
            item = add_record(reading_list, record, form.note.data or "")
        except ListFull:
            raise ApiError(400, "list_full", _("This list is full: remove some entries first.")) from None
        session.commit()
        target = safe_next(form.next.data)
        if target:
            # Back on the page the visitor came from, the partial itself says which lists hold the record;
            # a flash message would only surface later, on some other page.
            return redirect(target, code=303)
        if item is None:
            flash(_("“%(record)s” is already on “%(list)s”.", record=record.title, list=reading_list.title))
        else:
            flash(_("“%(record)s” added to “%(list)s”.", record=record.title, list=reading_list.title))
        return _back_to(reading_list, item.id if item else None)
    if record is None or not record.is_published:
        raise ApiError(404, "not_found", _("There is no published record with id %(id)s.", id=form.record_id.data))
    status = 400 if request.method == "POST" else 200
    mine = [rl for rl, _count in lists_of(session, user)]
    return render_template("lists/add.html", form=form, record=record, lists=mine), status


@bp.post("/lists/<int:list_id>/headings")
@login_required
def add_section(list_id: int) -> BaseResponse:
    session = get_session()
    reading_list = editable_list(session, list_id)
    form = HeadingForm()
    if not form.validate_on_submit():
        if form.heading.errors:
            flash(_("A section heading needs some text (at most 200 characters)."))
            return _back_to(reading_list)
        raise _form_expired()
    before = _item_or_404(reading_list, form.before.data) if form.before.data else None
    try:
        item = add_heading(reading_list, form.heading.data, before)
    except ListFull:
        raise ApiError(400, "list_full", _("This list is full: remove some entries first.")) from None
    session.commit()
    return _back_to(reading_list, item.id)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/move")
@login_required
def move(list_id: int, item_id: int) -> BaseResponse:
    session = get_session()
    reading_list = editable_list(session, list_id)
    item = _item_or_404(reading_list, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        raise _form_expired()
    move_item(reading_list, item, -1 if form.direction.data == "up" else 1)
    session.commit()
    return _back_to(reading_list, item.id)


@bp.post("/lists/<int:list_id>/order")
@login_required
def set_order(list_id: int) -> Any:
    session = get_session()
    reading_list = editable_list(session, list_id)
    form = ReorderForm()
    if not form.validate_on_submit():
        raise _form_expired()
    try:
        reorder(reading_list, form.item_ids())
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", f"order: {exc}") from None
    session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"order": [item.id for item in reading_list.items]})
    return _back_to(reading_list)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/note")
@login_required
def edit_note(list_id: int, item_id: int) -> BaseResponse:
    """Change a record's note, or the text of a section heading."""
    session = get_session()
    reading_list = editable_list(session, list_id)
    item = _item_or_404(reading_list, item_id)
    if item.heading is not None:
        heading_form = HeadingForm()
        if not heading_form.validate_on_submit():
            if heading_form.heading.errors:
                # Back on the page with the heading as typed: nothing of it is lost.
                return _show_page(reading_list, None, {
                    "item_id": item.id, "text": request.form.get("heading", ""),
                    "message": _("A section heading needs some text (at most 200 characters).")})
            raise _form_expired()
        item.heading = heading_form.heading.data
    else:
        form = NoteForm()
        if not form.validate_on_submit():
            if form.note.errors:
                typed = request.form.get("note", "")
                return _show_page(reading_list, None, {
                    "item_id": item.id, "text": typed,
                    "message": _("This note has %(n)d characters; at most %(limit)d are allowed. Nothing was saved yet.",
                                 n=len(typed.strip()), limit=NOTE_MAX)})
            raise _form_expired()
        item.note = form.note.data or ""
    reading_list.updated_at = utcnow()
    session.commit()
    return _back_to(reading_list, item.id)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/remove")
@login_required
def remove(list_id: int, item_id: int) -> BaseResponse:
    session = get_session()
    reading_list = editable_list(session, list_id)
    item = _item_or_404(reading_list, item_id)
    if not ConfirmForm().validate_on_submit():
        raise _form_expired()
    remove_item(reading_list, item)
    session.commit()
    flash(_("Entry removed."))
    return _back_to(reading_list)
