"""The record page: a practice or resource laid out like its template, with other versions and related material."""
from __future__ import annotations


from flask import Response, redirect, render_template, url_for
from sqlalchemy import select

from ..access import current_user
from ..confirmation import ConfirmForm
from ..citation import CITATION_FORMATS, download_response
from ..db import get_session
from ..discovery import citable_card, get_published, key_terms, record_card, record_detail
from ..event_calendar import local_times, materials_of, presented_at
from ..api_errors import ApiError
from ..models import Record
from ..schema_org import record_json_ld
from ..usage import count_use
from ..i18n import resolve_ui_lang
from ..kinds import kind_of
from ..progress import path_progress, place_in_path
from . import bp


@bp.get("/records/<int:record_id>")
def show(record_id: int) -> str:
    session = get_session()
    record = get_published(session, record_id)
    count_use(record.id, "views")
    data = record_detail(session, record)
    ui_lang = resolve_ui_lang()
    kind = kind_of(record.kind)
    sections = [(f, kind.label_of(f), getattr(record, f)) for f in kind.page_sections] if kind is not None else []
    curriculum = None
    if record.module is not None:
        module = record.module
        curriculum = {
            "path_title": module.path.title(ui_lang),
            "path_url": url_for("search.browse_path", slug=module.path.slug),
            "module_title": module.title(ui_lang),
            "module_url": url_for("search.browse_path", slug=module.path.slug, _anchor=f"module-{module.slug}"),
            "module_position": module.position,
            "position": record.position,
        }
    place = place_in_path(session, record) if record.kind == "resource" else None
    user = current_user()
    learner = None
    if place is not None and user is not None:
        progress = path_progress(session, user, place.path)
        learner = {"progress": progress, "is_done": any(record.id in m.done for m in progress.modules),
                   "form": ConfirmForm()}
    event = None
    if record.kind == "event":
        event = {"materials": [record_card(r) for r in materials_of(session, record)],
                 "ics_url": url_for("records.event_ics", record_id=record.id) if local_times(record) else None}
    presented = [record_card(e) for e in presented_at(session, record)]
    return render_template(
        "records/show.html",
        event=event,
        presented=presented,
        record=record,
        data=data,
        sections=[s for s in sections if s[2]],
        themes=[(t.slug, t.label(ui_lang)) for t in record.themes],
        key_terms=key_terms(record, ui_lang),
        curriculum=curriculum,
        place=place,
        learner=learner,
        api_url=data["api_url"],
        json_ld=record_json_ld(record, data),
    )


@bp.get("/records/id/<external_id>")
def permalink(external_id: str) -> Response:
    """The stable address of a record, by its external id: it leads to the record's page wherever that is now."""
    record = get_session().scalar(select(Record).where(Record.external_id == external_id))
    if record is None or not record.is_published:
        raise ApiError(404, "not_found", f"no published record with the id {external_id[:120]!r}")
    return redirect(url_for("records.show", record_id=record.id), code=302)


@bp.get("/records/<int:record_id>/cite.<fmt>")
def cite(record_id: int, fmt: str) -> Response:
    """The record as a BibTeX, RIS or CSL-JSON file for a reference manager."""
    citation_format = CITATION_FORMATS.get(fmt)
    if citation_format is None:
        raise ApiError(404, "not_found", f"no citation format {fmt[:40]!r} (known: {', '.join(CITATION_FORMATS)})")
    record = get_published(get_session(), record_id)
    count_use(record.id, "downloads")
    return download_response(citable_card(record), fmt)

