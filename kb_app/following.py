"""Following a search: the newest published records that match a query and its filters (feeds and e-mail digests)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from .discovery import FILTERS, SearchParams, load_in_order
from .i18n import country_name, language_name
from .kinds import kind_of
from .models import EventDetails, Record, Theme
from .search_service import get_search_service

# A query's matches are taken from the top of its ranking, then ordered newest first.
QUERY_DEPTH = 200
PAGE = 100


def _filter_conditions(params: SearchParams) -> list[ColumnElement[bool]]:
    """OR within a facet, AND across facets, and the year and event date ranges, as the search applies them."""
    filters = params.filters
    conditions: list[ColumnElement[bool]] = [Record.status == "published"]
    if params.year_from is not None:
        conditions.append(Record.year >= params.year_from)
    if params.year_to is not None:
        conditions.append(Record.year <= params.year_to)
    if params.date_from or params.date_to:
        days = select(EventDetails.record_id).where(EventDetails.starts_at.is_not(None))
        if params.date_from:
            # Dates are compared as text: an event's times are YYYY-MM-DDTHH:MM, so its first ten characters are its day.
            days = days.where((EventDetails.ends_at.is_(None) & (EventDetails.starts_at >= params.date_from.isoformat()))
                              | (EventDetails.ends_at >= params.date_from.isoformat()))
        if params.date_to:
            days = days.where(EventDetails.starts_at < params.date_to.isoformat() + "~")
        conditions.append(Record.id.in_(days))
    for name in FILTERS:
        values = filters.get(name)
        if not values:
            continue
        if name == "theme":
            conditions.append(Record.themes.any(Theme.slug.in_(values)))
        else:
            conditions.append(getattr(Record, name).in_(values))
    return conditions


def newest_matches(session: Session, params: SearchParams, *, limit: int = 50,
                   published_after: datetime | None = None) -> list[Record]:
    """Published records matching the search, most recently published first."""
    conditions = _filter_conditions(params)
    if published_after is not None:
        conditions.append(Record.published_at > published_after)
    if not params.q:
        return list(session.scalars(
            select(Record).where(*conditions)
            .options(selectinload(Record.organisation), selectinload(Record.themes))
            .order_by(Record.published_at.desc(), Record.id.desc()).limit(limit)
        ))
    service = get_search_service(current_app)
    ids: list[int] = []
    for page in range(1, QUERY_DEPTH // PAGE + 1):
        results = service.search(params.engine_query(page=page, per_page=PAGE, sort="relevance"))
        ids += [hit.id for hit in results.hits]
        if len(results.hits) < PAGE:
            break
    if not ids:
        return []
    wanted = set(session.scalars(select(Record.id).where(Record.id.in_(ids), *conditions)))
    records = [r for r in load_in_order(session, ids) if r.id in wanted]
    records.sort(key=lambda r: (r.published_at or datetime.min, r.id), reverse=True)
    return records[:limit]


def describe(session: Session, params: SearchParams, ui_lang: str) -> str:
    """The search in words, for a feed's or a saved search's title: the query, then each filter's values."""
    themes = {t.slug: t for t in session.scalars(select(Theme).where(Theme.slug.in_(params.filters.get("theme", []))))}

    def label(name: str, value: str) -> str:
        if name == "kind":
            kind = kind_of(value)
            return str(kind.label) if kind else value
        if name == "lang":
            return language_name(value, ui_lang)
        if name == "country":
            return country_name(value, ui_lang)
        if name == "theme":
            return themes[value].label(ui_lang) if value in themes else value
        return value

    parts: list[str] = [f"“{params.q}”"] if params.q else []
    parts += [" / ".join(label(name, v) for v in values) for name, values in params.filters.items() if values]
    parts += [f"{name} {value}" for name, value in params.ranges.items()]
    return " · ".join(parts)


def search_args(params: SearchParams) -> dict[str, Any]:
    """The query-string arguments that name this search (no paging)."""
    return params.as_args(page=None, per_page=None)
