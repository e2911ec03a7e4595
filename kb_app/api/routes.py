"""Routes of the JSON API under /api/v1: each view computes its data through the shared modules and documents itself."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import select

from .. import json_input
from ..access import current_user, has_role
from ..api_errors import ApiError
from ..catalogue import add_revision, apply_record, new_record, publish
from ..db import get_session, latest_change_seq
from ..citation import CITATION_FORMATS, download_response
from ..discovery import citable_card, get_published, parse_search_params, record_detail, run_search
from ..exporter import EXPORT_FORMATS, export_lines
from ..importer import validate_lines
from ..json_input import JsonInputError
from ..kinds import KIND_NAMES, LANGUAGES
from ..list_access import readable_list
from ..models import Record
from ..openapi import QueryParam, build_document, operation
from ..search_service import get_search_service
from ..statistics import counts_by_kind, counts_by_language, themes_with_counts
from ..usage import count_use
from . import bp
from .listings import (
    app_thesaurus,
    concept_page,
    curricula,
    html_url,
    organisation_page,
    reading_list_detail,
    reading_list_page,
    record_page,
)
from .examples import example_responses
from .paging import with_links
from .params import (
    COUNTRY,
    KIND,
    LANG,
    SEARCH_PARAMS,
    THEME,
    page_param,
    per_page_param,
    read_query,
)
from .schemas import SCHEMAS, ref

API_TITLE = "M.I.C.R.O. knowledge base API"
API_DESCRIPTION = (
    "Search and export the published catalogue of good practices and curriculum resources of the M.I.C.R.O. "
    "network, in Italian, English, French, Spanish, German and Arabic. Anonymous reads are rate-limited per IP; "
    "an API token (create one on your account page) raises the limit and allows editors to add records. "
    "Every error has the shape {\"error\": {\"status\", \"code\", \"message\"}}."
)
TAGS = [
    {"name": "search", "description": "Cross-language search with filters, facets and match explanations."},
    {"name": "records", "description": "Published practices and resources: listing, detail, creation and bulk export."},
    {"name": "vocabularies", "description": "Themes, organisations, thesaurus concepts and curricula."},
    {"name": "reading lists", "description": "Trainers' annotated reading lists."},
    {"name": "learning", "description": "Progress in the learning paths: your own, and your cohorts' for trainers."},
    {"name": "service", "description": "Health, the OpenAPI document and its human-readable page."},
]
PAGING = (page_param(), per_page_param())
JSON_BODY_TYPES = ("application/json",)


def _json(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    return response


def _paged(data: dict[str, Any]) -> Response:
    return with_links(_json(data), data["total"], data["page"], data["per_page"])


# -- search and records -----------------------------------------------------------------------------

@bp.get("/search")
@operation("Search the catalogue across languages", tag="search", response=ref("SearchResponse"), paginated=True,
           params=SEARCH_PARAMS,
           description="Ranked published records with a snippet and `matched_by` (which of keyword, semantic and "
                       "concept search found each one, and the thesaurus labels that bridged languages), plus facet "
                       "counts over the result set: each facet counted with every filter but its own, so the counts "
                       "of a facet you filter on say what ticking another of its values would add. Filters combine "
                       "with OR within a facet and AND across facets; `year_from` / `year_to` and `from` / `to` "
                       "(event dates) narrow the set like a filter.")
def search() -> Response:
    params = parse_search_params(request.args, strict=True)
    data = run_search(get_session(), params)
    return _paged(data)


@bp.get("/records")
@operation("List published records", tag="records", response=ref("RecordPage"), paginated=True,
           params=(KIND, LANG, THEME, COUNTRY, *PAGING),
           description="Every published record matching the filters, in id order (stable while you page).")
def list_records() -> Response:
    args = read_query(request.args, (KIND, LANG, THEME, COUNTRY, *PAGING))
    filters = {name: args[name] for name in ("kind", "lang", "theme", "country") if args[name]}
    return _paged(record_page(get_session(), filters, args["page"], args["per_page"]))


@bp.get("/records/<int:record_id>")
@operation("One published record", tag="records", response=ref("RecordDetail"), errors=(404,),
           description="All template fields (in the interchange format), the other language versions and related "
                       "records in any language.")
def record(record_id: int) -> Response:
    read_query(request.args, ())
    session = get_session()
    return _json(record_detail(session, get_published(session, record_id)))


CITE_FORMAT = QueryParam("format", {"type": "string", "enum": list(CITATION_FORMATS), "default": "csl.json"},
                         "bib: BibTeX; ris: RIS; csl.json: CSL-JSON (what citeproc processors and Zotero read).")


@bp.get("/records/<int:record_id>/cite")
@operation("Cite one published record", tag="records", params=(CITE_FORMAT,), response=None, errors=(404,),
           content={fmt.mimetype: {"schema": {"type": "array", "items": {"type": "object"}} if fmt.ext == "csl.json"
                                   else {"type": "string"}} for fmt in CITATION_FORMATS.values()},
           description="The record as a reference-manager file, with its permanent link as URL; the same file as "
                       "the record page's /records/{id}/cite.{format}.")
def cite_record(record_id: int) -> Response:
    args = read_query(request.args, (CITE_FORMAT,))
    record = get_published(get_session(), record_id)
    count_use(record.id, "downloads")
    return download_response(citable_card(record), args["format"])


@bp.post("/records")
@operation("Create a published record", tag="records", response=ref("RecordDetail"), status=201,
           errors=(401, 403, 409, 415), auth="required",
           request_body={"required": True, "content": {"application/json": {"schema": ref("InterchangeRecord")}}},
           extra_headers={"Location": {"description": "The new record in this API.", "schema": {"type": "string"}}},
           description="Needs an API token of an editor or admin. The body is one record in the interchange "
                       "format; it is validated like an imported line, then stored, published and indexed.")
def create_record() -> Response:
    read_query(request.args, ())
    user = current_user()
    if user is None or not g.get("auth_via_token"):
        raise ApiError(401, "unauthorized", "send an API token (Authorization: Bearer ...) to create records")
    if not has_role(user, "editor"):
        raise ApiError(403, "forbidden", "only editors and admins may create records through the API")
    if request.mimetype not in JSON_BODY_TYPES:
        raise ApiError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)")
    try:
        raw = json_input.loads(request.get_data().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_record", f"body: not valid UTF-8 (byte {exc.start})") from None
    except JsonInputError as exc:
        raise ApiError(400, "invalid_record", f"body: {exc}") from None
    session = get_session()
    valid, errors = validate_lines(session, iter([(1, raw)]))
    if errors:
        raise ApiError(400, "invalid_record", "; ".join(e.message for e in errors))
    data = valid[0][1]
    if data.get("id") and session.scalar(select(Record.id).where(Record.external_id == data["id"])) is not None:
        raise ApiError(409, "conflict", f"id: a record with id {data['id']!r} exists already")
    created = new_record(data["kind"])
    session.add(created)
    apply_record(session, created, data)
    publish(created)
    add_revision(session, created, "created through the API", user)
    session.commit()
    response = _json(record_detail(session, created), 201)
    response.headers["Location"] = url_for("api.record", record_id=created.id, _external=True)
    return response


EXPORT_PARAMS = (
    QueryParam("format", {"type": "string", "enum": list(EXPORT_FORMATS), "default": "jsonl"},
               "jsonl: one JSON object per line; csv: one row per record, themes separated by ';'."),
    QueryParam("kind", {"type": "string", "enum": list(KIND_NAMES)}, "Only records of this kind."),
    QueryParam("lang", {"type": "string", "enum": list(LANGUAGES)}, "Only records in this language."),
)


@bp.get("/export")
@operation("Export the published catalogue", tag="records", params=EXPORT_PARAMS, response=None,
           content={"application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}}},
           description="Streamed in the interchange format (the one `kb import` reads), in id order; memory stays "
                       "flat whatever the catalogue's size.")
def export() -> Response:
    args = read_query(request.args, EXPORT_PARAMS)
    fmt = args["format"]
    sessions = current_app.extensions["kb_sessions"]

    def lines() -> Any:
        # Its own session: the export expunges each batch, which must not touch the request's objects.
        session = sessions()
        try:
            yield from export_lines(session, fmt, kind=args["kind"], lang=args["lang"])
        finally:
            session.close()

    mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    response = Response(stream_with_context(lines()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="micro-kb-export.{fmt}"'
    return response


# -- vocabularies -----------------------------------------------------------------------------------

@bp.get("/themes")
@operation("Themes with their labels and record counts", tag="vocabularies", response=ref("ThemeList"))
def themes() -> Response:
    read_query(request.args, ())
    items = [{"slug": theme.slug, "labels": theme.labels, "records": count,
              "url": html_url("search.browse_theme", slug=theme.slug),
              "search_url": url_for("api.search", theme=theme.slug, _external=True)}
             for theme, count in themes_with_counts(get_session())]
    return _json({"themes": items})


PARTNERS = QueryParam("partner", {"type": "boolean"}, "true: only the M.I.C.R.O. partner organisations.")


@bp.get("/organisations")
@operation("Organisations behind the records", tag="vocabularies", response=ref("OrganisationPage"), paginated=True,
           params=(PARTNERS, *PAGING))
def organisations() -> Response:
    args = read_query(request.args, (PARTNERS, *PAGING))
    return _paged(organisation_page(get_session(), args["page"], args["per_page"], partners_only=bool(args["partner"])))


@bp.get("/concepts")
@operation("Thesaurus concepts with labels in every language", tag="vocabularies", response=ref("ConceptPage"),
           paginated=True, params=(THEME, *PAGING),
           description="The concepts that carry a query across languages; each has preferred and alternative labels "
                       "in it, en, fr, es, de and ar.")
def concepts() -> Response:
    args = read_query(request.args, (THEME, *PAGING))
    return _paged(concept_page(app_thesaurus(current_app), args["theme"], args["page"], args["per_page"]))


@bp.get("/curricula")
@operation("The learning paths, modules in order, with their resources", tag="vocabularies",
           response=ref("CurriculumList"))
def curriculum_paths() -> Response:
    read_query(request.args, ())
    return _json(curricula(get_session()))


# -- reading lists ----------------------------------------------------------------------------------

MINE = QueryParam("mine", {"type": "boolean"}, "true: only your own lists (needs a token or a signed-in session).")
SHARE = QueryParam("token", {"type": "string", "maxLength": 64},
                   "The share token of an unlisted list: the `token` of its share link.")


@bp.get("/lists")
@operation("Reading lists", tag="reading lists", response=ref("ReadingListPage"), paginated=True,
           params=(MINE, *PAGING), errors=(401,),
           description="Public lists, plus your own (any visibility) when you send a token or are signed in.")
def reading_lists() -> Response:
    args = read_query(request.args, (MINE, *PAGING))
    return _paged(reading_list_page(get_session(), current_user(), bool(args["mine"]), args["page"], args["per_page"]))


@bp.get("/lists/<int:list_id>")
@operation("One reading list with its entries", tag="reading lists", response=ref("ReadingList"), params=(SHARE,),
           errors=(404,),
           description="Readable when public, when it is yours, or when unlisted and `token` is its share token. "
                       "Entries whose record is not published are left out.")
def reading_list(list_id: int) -> Response:
    args = read_query(request.args, (SHARE,))
    session = get_session()
    user = current_user()
    # The lists area's own rule decides who may read a list, for its pages and for this endpoint alike.
    return _json(reading_list_detail(session, readable_list(session, list_id, args["token"]), user))


# -- service ----------------------------------------------------------------------------------------

def _encoder(stats: dict[str, Any]) -> dict[str, Any]:
    """Name, path, dimension and language coverage of the encoder, filling in what the engine does not report."""
    configured = current_app.config.get("KB_EMBEDDING_MODEL") or None
    if configured is None:
        from indexing.encoders import default_encoder_name

        configured = default_encoder_name()
    path = Path(configured)
    return {
        "name": stats.get("encoder") or (path.name if path.exists() else configured),
        "path": stats.get("encoder_path") or (str(path.resolve()) if path.exists() else None),
        "dimension": stats.get("dimension"),
        "multilingual": stats.get("multilingual"),
    }


@bp.get("/health")
@operation("Record counts, index state and encoder", tag="service", response=ref("Health"), errors=(503,),
           description="`status` is degraded while the index lags behind the database or needs a rebuild; "
                       "503 when the index cannot be opened at all.")
def health() -> Response:
    read_query(request.args, ())
    session = get_session()
    try:
        state = get_search_service(current_app).state()
    except Exception as exc:  # noqa: BLE001 - any failure to open the index is what a health check reports
        current_app.logger.exception("health: the search index cannot be opened")
        raise ApiError(503, "index_unavailable", f"the search index cannot be opened: {type(exc).__name__}") from exc
    lagging = state.get("applied_change_seq", 0) < latest_change_seq(session)
    by_kind = counts_by_kind(session)
    index = {k: v for k, v in state.items() if k not in ("encoder", "encoder_path", "dimension", "multilingual", "index_folder")}
    index["in_sync"] = not lagging
    return _json({"status": "degraded" if lagging or state.get("needs_rebuild") else "ok",
                  "records": {"total": sum(by_kind.values()), "by_kind": by_kind, "by_language": counts_by_language(session)},
                  "index": index, "encoder": _encoder(state)})


def api_document() -> dict[str, Any]:
    return build_document(current_app, title=API_TITLE, description=API_DESCRIPTION, schemas=SCHEMAS,
                          server_url=request.url_root.rstrip("/"), tags=TAGS)


@bp.get("/", strict_slashes=False)
@operation("Index of this API's endpoints", tag="service", response=ref("ApiIndex"),
           description="Every endpoint with its method, path and summary, and links to the documentation.")
def index() -> Response:
    read_query(request.args, ())
    document = api_document()
    endpoints = [{"method": method.upper(), "path": path, "summary": op["summary"], "tag": op["tags"][0]}
                 for path, methods in document["paths"].items() for method, op in methods.items()]
    return _json({"name": document["info"]["title"], "version": document["info"]["version"],
                  "documentation": url_for("api.docs", _external=True),
                  "openapi": url_for("api.openapi_document", _external=True), "endpoints": endpoints})


@bp.get("/openapi.json")
@operation("This API's OpenAPI 3.1 document", tag="service",
           response={"type": "object", "required": ["openapi", "info", "paths"]})
def openapi_document() -> Response:
    read_query(request.args, ())
    return _json(api_document())


UI = QueryParam("ui", {"type": "string", "enum": list(LANGUAGES)}, "Interface language of the page.")


@bp.get("/docs")
@operation("The API documentation page (HTML)", tag="service", params=(UI,), response=None,
           content={"text/html": {"schema": {"type": "string"}}})
def docs() -> str:
    read_query(request.args, (UI,))
    document = api_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            operations.append({"method": method.upper(), "path": path, **op})
    return render_template("api/docs.html", document=document, operations=operations,
                           examples=example_responses(current_app),
                           tags=document.get("tags", []), rate_limit=current_app.config.get("KB_RATE_LIMIT_PER_MINUTE"))
