"""Search and record data computed once for both the HTML pages and the JSON API."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from indexing import SearchQuery
from indexing.engine import MODES, SORTS

from .api_errors import ApiError
from .catalogue import language_versions, to_interchange
from .citation import CITATION_FORMATS, csl_item, event_card_fields, formatted_citations
from .countries import COUNTRY_CODES
from .i18n import resolve_ui_lang
from .licences import licence_data
from .kinds import AUDIENCES, KIND_NAMES, LANGUAGES, LEVELS, YEAR
from .models import Attachment, Module, Record
from .search_service import get_search_service

FILTERS = ("kind", "lang", "theme", "country", "audience", "level")
# Ranges beside the filters: the records' years, and the days of events (the names /events uses too).
YEAR_PARAMS = ("year_from", "year_to")
DATE_PARAMS = ("from", "to")
YEAR_BOUNDS: tuple[int, int] = YEAR.bounds
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 5000
THEME_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,79}$")
COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


@dataclass
class SearchParams:
    q: str = ""
    mode: str = "hybrid"
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    ui_lang: str | None = None
    sort: str = "relevance"
    year_from: int | None = None
    year_to: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def ranges(self) -> dict[str, Any]:
        """The year and date range parameters given, by their query-string names."""
        values = {"year_from": self.year_from, "year_to": self.year_to,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        return {name: value for name, value in values.items() if value is not None}

    @property
    def narrowed(self) -> bool:
        """Whether any filter or range narrows the search."""
        return bool(self.filters or self.ranges)

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for links to this search (another page, another mode, a filter less)."""
        args: dict[str, Any] = {"q": self.q} if self.q else {}
        if self.mode != "hybrid":
            args["mode"] = self.mode
        for name, values in self.filters.items():
            if values:
                args[name] = values
        args.update(self.ranges)
        if self.per_page != 10:
            args["per_page"] = self.per_page
        if self.sort != "relevance":
            args["sort"] = self.sort
        args.update({k: v for k, v in changes.items()})
        return {k: v for k, v in args.items() if v not in (None, "", [])}

    def engine_query(self, **changes: Any) -> SearchQuery:
        """This search as the search library takes it (`changes`: another page or page size)."""
        values = dict(text=self.q, mode=self.mode, filters=self.filters, page=self.page, per_page=self.per_page,
                      ui_lang=self.ui_lang, sort=self.sort, year_from=self.year_from, year_to=self.year_to,
                      date_from=self.date_from.isoformat() if self.date_from else None,
                      date_to=self.date_to.isoformat() if self.date_to else None)
        return SearchQuery(**{**values, **changes})

    def without_filters(self) -> dict[str, Any]:
        """Query-string arguments for the same search with no filter and no range."""
        return self.as_args(page=None, **{name: None for name in (*FILTERS, *YEAR_PARAMS, *DATE_PARAMS)})


def _bad(param: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{param}: {message}")


def _int(args: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise _bad(name, f"must be a whole number, not {str(raw)[:40]!r}") from None
    if not low <= value <= high:
        raise _bad(name, f"must be between {low} and {high}")
    return value


def date_param(args: Mapping[str, Any], name: str) -> date | None:
    """A date parameter (YYYY-MM-DD) or None when absent; anything else is a 400 naming it."""
    raw = str(args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", _("%(name)s must be a date as YYYY-MM-DD.", name=name)) from None


def date_range(args: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """The `from` / `to` dates of a search by days (the events page and the search alike)."""
    first, last = date_param(args, "from"), date_param(args, "to")
    if first and last and first > last:
        raise ApiError(400, "invalid_parameter", _("to: the last day (%(to)s) is before the first (%(from)s).",
                                                   to=last.isoformat(), **{"from": first.isoformat()}))
    return first, last


def country_param(values: list[str]) -> list[str]:
    """Country codes, upper-cased; one that is not ISO 3166-1 alpha-2 (or EU) is a 400 naming `country`."""
    codes = [v.strip().upper() for v in values]
    unknown = [c for c in codes if c not in COUNTRY_CODES]
    if unknown:
        raise ApiError(400, "invalid_parameter",
                       _("country: %(code)s is not a country code (ISO 3166-1 alpha-2, or EU).", code=unknown[0][:40]))
    return codes


def _years(args: Mapping[str, Any]) -> tuple[int | None, int | None]:
    low, high = YEAR_BOUNDS
    found = []
    for name in YEAR_PARAMS:
        raw = str(args.get(name) or "").strip()
        if not raw:
            found.append(None)
            continue
        if not re.fullmatch(r"\d{1,6}", raw):
            raise _bad(name, _("must be a year as a whole number, not %(value)s", value=repr(raw[:40])))
        if not low <= int(raw) <= high:
            raise _bad(name, _("must be a year from %(low)d to %(high)d", low=low, high=high))
        found.append(int(raw))
    if found[0] is not None and found[1] is not None and found[0] > found[1]:
        raise _bad("year_to", _("is before year_from (%(year)d)", year=found[0]))
    return found[0], found[1]


# The language to lean towards when a query is too short to tell: the results page searches with its interface
# language and sends it in its JSON twin's link, so the page and the API detect the same query language.
HINT_PARAM = "hint_lang"


def parse_search_params(args: Any, *, allowed_extra: tuple[str, ...] = (), strict: bool = True,
                        ui_lang: str | None = None) -> SearchParams:
    """Read and check search parameters; unknown names and bad values raise a 400 naming the parameter."""
    known = {"q", "mode", "sort", "page", "per_page", HINT_PARAM, *FILTERS, *YEAR_PARAMS, *DATE_PARAMS, *allowed_extra}
    if strict:
        for name in args.keys():
            if name not in known:
                raise _bad(name, "unknown parameter")
    q = (args.get("q") or "").strip()
    if "\x00" in q:
        raise _bad("q", _("contains a NUL character"))
    if len(q) > MAX_QUERY_CHARS:
        raise _bad("q", _("is %(length)d characters long; the limit is %(limit)d", length=len(q), limit=MAX_QUERY_CHARS))
    mode = args.get("mode") or "hybrid"
    if mode not in MODES:
        raise _bad("mode", f"must be one of {', '.join(MODES)}")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise _bad("sort", f"must be one of {', '.join(SORTS)}")
    filters: dict[str, list[str]] = {}
    for name in FILTERS:
        values = [v for raw in args.getlist(name) for v in str(raw).split(",") if v.strip()] if hasattr(args, "getlist") \
            else [v for v in str(args.get(name) or "").split(",") if v.strip()]
        values = [v.strip() for v in values]
        if name == "kind" and any(v not in KIND_NAMES for v in values):
            raise _bad("kind", f"must be one of {', '.join(KIND_NAMES)}")
        if name == "lang" and any(v not in LANGUAGES for v in values):
            raise _bad("lang", f"must be among {', '.join(LANGUAGES)}")
        if name == "audience" and any(v not in AUDIENCES for v in values):
            raise _bad("audience", f"must be one of {', '.join(AUDIENCES)}")
        if name == "level" and any(v not in LEVELS for v in values):
            raise _bad("level", f"must be one of {', '.join(LEVELS)}")
        if name == "theme" and any(not THEME_SLUG.match(v) for v in values):
            raise _bad("theme", "must be theme slugs (lower-case letters, digits and '-')")
        if name == "country":
            if any(not COUNTRY_CODE.match(v) for v in values):
                raise _bad("country", "must be two-letter country codes (ISO 3166-1 alpha-2) or EU")
            values = country_param(values)
        if values:
            filters[name] = values
    page = _int(args, "page", 1, 1, 10_000)
    per_page = _int(args, "per_page", 10, 1, MAX_PER_PAGE)
    hint = args.get(HINT_PARAM) or None
    if hint is not None and hint not in LANGUAGES:
        raise _bad(HINT_PARAM, f"must be among {', '.join(LANGUAGES)}")
    year_from, year_to = _years(args)
    date_from, date_to = date_range(args)
    return SearchParams(q=q, mode=mode, filters=filters, page=page, per_page=per_page, ui_lang=hint or ui_lang,
                        sort=sort, year_from=year_from, year_to=year_to, date_from=date_from, date_to=date_to)


def record_url(record: Record, external: bool = True) -> str:
    return url_for("records.show", record_id=record.id, _external=external)


def permalink(record: Record) -> str:
    """The record's stable address: by external id, which survives a rebuilt database (row ids may not)."""
    if not record.external_id:
        return record_url(record)
    return url_for("records.permalink", external_id=record.external_id, _external=True)


def citable_card(record: Record) -> dict[str, Any]:
    """The record card that citations are made from: the permalink as its URL, its licence, and an event's day
    and place (as a reading list's export gives them)."""
    card = {**record_card(record), **event_card_fields(record)}
    card["url"] = permalink(record)
    card["licence"] = record.licence
    return card


def citation_data(record: Record, ui_lang: str) -> dict[str, Any]:
    """Permalink, licence, download links and formatted references of one record (page and API alike)."""
    # Imported here because the search blueprint's package imports this module: the kind's name in the
    # interface language is the reference's genre.
    from .vocabulary import kind_label

    card = citable_card(record)
    return {
        "permalink": card["url"],
        "licence": licence_data(record.licence),
        "downloads": [{"format": fmt.ext, "label": fmt.label, "mimetype": fmt.mimetype,
                       "url": url_for("records.cite", record_id=record.id, fmt=fmt.ext, _external=True)}
                      for fmt in CITATION_FORMATS.values()],
        "references": formatted_citations(csl_item(card, genre=kind_label(record.kind)), ui_lang),
    }


def load_in_order(session: Session, ids: list[int]) -> list[Record]:
    """Published records for the given ids, in the order of the ids (missing or unpublished ones dropped)."""
    if not ids:
        return []
    rows = session.scalars(
        select(Record).where(Record.id.in_(ids), Record.status == "published")
        .options(selectinload(Record.themes), selectinload(Record.organisation))
    )
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def record_card(record: Record) -> dict[str, Any]:
    """The short form of a record used in result lists, related lists and reading lists."""
    return {
        "id": record.id,
        "external_id": record.external_id,
        "kind": record.kind,
        "lang": record.lang,
        "title": record.title,
        "summary": record.summary,
        "organisation": record.organisation.name if record.organisation else None,
        "country": record.country,
        "city": record.city,
        "year": record.year,
        "themes": [t.slug for t in record.themes],
        "url": record_url(record),
        "api_url": url_for("api.record", record_id=record.id, _external=True),
    }


def run_search(session: Session, params: SearchParams) -> dict[str, Any]:
    """Search, then load the records in rank order: the data both the results page and the API render."""
    service = get_search_service(current_app)
    results = service.search(params.engine_query())
    records = {r.id: r for r in load_in_order(session, [h.id for h in results.hits])}
    items = []
    for hit in results.hits:
        record = records.get(hit.id)
        if record is None:
            continue
        card = record_card(record)
        card.update({"snippet": hit.snippet, "score": round(float(hit.score), 6), "matched_by": hit.matched_by})
        items.append(card)
    return {
        "query": {"q": params.q, "mode": params.mode, "sort": params.sort, "detected_lang": results.query_lang, "hint_lang": params.ui_lang,
                  "filters": params.filters, "concepts": results.concepts, "suggestion": results.suggestion,
                  "year_from": params.year_from, "year_to": params.year_to,
                  "from": params.date_from.isoformat() if params.date_from else None,
                  "to": params.date_to.isoformat() if params.date_to else None},
        "total": results.total,
        "page": params.page,
        "per_page": params.per_page,
        "results": items,
        "facets": results.facets,
    }


def record_detail(session: Session, record: Record, related: int = 6) -> dict[str, Any]:
    """Everything a record page and the record endpoint show: all fields, other language versions, related records."""
    data = record_card(record)
    data["fields"] = to_interchange(record)
    if record.module is not None:
        module: Module = record.module
        data["curriculum"] = {"path": module.path.slug, "module": module.slug, "position": record.position}
    data["versions"] = [record_card(r) for r in language_versions(session, record)]
    try:
        hits = get_search_service(current_app).related(record.id, k=related + 4)
    except KeyError:
        hits = []
    version_ids = {v["id"] for v in data["versions"]}
    related_records = load_in_order(session, [h.id for h in hits if h.id != record.id and h.id not in version_ids])
    data["related"] = [record_card(r) for r in related_records[:related]]
    data["citation"] = citation_data(record, resolve_ui_lang())
    data["attachments"] = [attachment_card(a) for a in record.attachments]
    return data


def key_terms(record: Record, ui_lang: str, limit: int = 8) -> list[dict[str, str]]:
    """For a reader whose interface language is not the record's: its main concepts as labels in that
    language, each with a search for the label (empty when the languages are the same)."""
    if record.lang == ui_lang:
        return []
    labels = get_search_service(current_app).key_terms(record.id, ui_lang, limit=limit)
    return [{"label": label, "url": url_for("search.results", q=label)} for label in labels]


def attachment_card(attachment: Attachment) -> dict[str, Any]:
    """A file of a record as its page and the API list it: what it is, its language and pages, and whether its
    text could be read."""
    return {
        "id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
        "size": attachment.size, "lang": attachment.lang, "pages": attachment.page_count,
        "text": attachment.text_status, "text_problem": attachment.text_problem,
        "url": url_for("submit.attachment", attachment_id=attachment.id, _external=True),
    }


def get_published(session: Session, record_id: int) -> Record:
    record = session.get(Record, record_id)
    if record is None or not record.is_published:
        raise ApiError(404, "not_found", _("There is no published record with id %(id)s.", id=record_id))
    return record
