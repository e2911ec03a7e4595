"""What the listing endpoints return: records, organisations, concepts, curricula and reading lists, published only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.routing import BuildError

from indexing.concepts import Thesaurus

from ..api_errors import ApiError
from ..corpus import thesaurus_path
from ..discovery import record_card
from ..kinds import LANGUAGES
from ..models import Organisation, ReadingList, ReadingListItem, Record, Theme, User
from ..statistics import curriculum_paths, path_outline

PUBLISHED = Record.status == "published"


def page_envelope(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"total": total, "page": page, "per_page": per_page, "results": items}


def html_url(endpoint: str, **values: Any) -> str | None:
    """The HTML twin of an API item, when the area that renders it exists in this app."""
    try:
        return url_for(endpoint, _external=True, **values)
    except BuildError:
        return None


# -- records ----------------------------------------------------------------------------------------

def record_page(session: Session, filters: dict[str, list[str]], page: int, per_page: int) -> dict[str, Any]:
    """Published records matching the filters, in id order so that paging through them is stable."""
    conditions: list[Any] = [PUBLISHED]
    if filters.get("kind"):
        conditions.append(Record.kind.in_(filters["kind"]))
    if filters.get("lang"):
        conditions.append(Record.lang.in_(filters["lang"]))
    if filters.get("country"):
        conditions.append(Record.country.in_([c.upper() for c in filters["country"]]))
    if filters.get("theme"):
        conditions.append(Record.themes.any(Theme.slug.in_(filters["theme"])))
    total = session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0
    rows = session.scalars(
        select(Record).where(*conditions)
        .options(selectinload(Record.themes), selectinload(Record.organisation))
        .order_by(Record.id).offset((page - 1) * per_page).limit(per_page)
    )
    return page_envelope([record_card(r) for r in rows], total, page, per_page)


# -- organisations ----------------------------------------------------------------------------------

def organisation_page(session: Session, page: int, per_page: int, partners_only: bool = False) -> dict[str, Any]:
    counted = (select(Record.organisation_id, func.count().label("n")).where(PUBLISHED)
               .group_by(Record.organisation_id).subquery())
    query = select(Organisation, func.coalesce(counted.c.n, 0)).outerjoin(counted, counted.c.organisation_id == Organisation.id)
    count_query = select(func.count()).select_from(Organisation)
    if partners_only:
        query = query.where(Organisation.is_partner.is_(True))
        count_query = count_query.where(Organisation.is_partner.is_(True))
    total = session.scalar(count_query) or 0
    rows = session.execute(query.order_by(Organisation.id).offset((page - 1) * per_page).limit(per_page))
    items = [{"slug": org.slug, "name": org.name, "short_name": org.short_name, "country": org.country,
              "city": org.city, "is_partner": bool(org.is_partner), "role": org.role,
              "description": org.description, "records": int(n)} for org, n in rows]
    return page_envelope(items, total, page, per_page)


# -- thesaurus --------------------------------------------------------------------------------------

def app_thesaurus(app: Flask) -> Thesaurus:
    """The corpus thesaurus read through the search library, cached per app until the file changes."""
    path: Path | None = thesaurus_path(Path(app.config["KB_CORPUS_DIR"]))
    stamp = (str(path), path.stat().st_mtime_ns) if path is not None else None
    cached = app.extensions.get("kb_api_thesaurus")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    thesaurus = Thesaurus.from_jsonl(path) if path is not None else Thesaurus.empty()
    app.extensions["kb_api_thesaurus"] = (stamp, thesaurus)
    return thesaurus


def concept_page(thesaurus: Thesaurus, themes: list[str], page: int, per_page: int) -> dict[str, Any]:
    concepts = sorted(thesaurus.concepts.values(), key=lambda c: c.id)
    if themes:
        concepts = [c for c in concepts if set(c.themes) & set(themes)]
    chosen = concepts[(page - 1) * per_page: page * per_page]
    items = []
    for concept in chosen:
        labels = {}
        for lang in LANGUAGES:
            entry = concept.labels.get(lang) or {}
            labels[lang] = {"pref": entry.get("pref") or None, "alt": [a for a in entry.get("alt") or [] if a]}
        english = labels["en"]["pref"] or next((labels[lang]["pref"] for lang in LANGUAGES if labels[lang]["pref"]), concept.id)
        items.append({"id": concept.id, "labels": labels, "broader": list(concept.broader),
                      "narrower": list(concept.narrower), "related": list(concept.related),
                      "themes": list(concept.themes), "group": concept.group,
                      "search_url": url_for("api.search", q=english, _external=True)})
    return page_envelope(items, len(concepts), page, per_page)


# -- curricula --------------------------------------------------------------------------------------

def curricula(session: Session) -> dict[str, Any]:
    """Both learning paths, modules in order, each with its published resources in path order."""
    paths = []
    for path, _modules, _count in curriculum_paths(session):
        modules = []
        for outline in path_outline(session, path):
            modules.append({
                "slug": outline.module.slug, "position": outline.module.position, "titles": outline.module.titles,
                "resources": [{"id": r.id, "external_id": r.external_id, "lang": r.lang, "title": r.title,
                               "position": r.position,
                               "api_url": url_for("api.record", record_id=r.id, _external=True)}
                              for r in outline.resources],
            })
        paths.append({"slug": path.slug, "audience": path.audience, "titles": path.titles,
                      "url": html_url("search.browse_path", slug=path.slug), "modules": modules})
    return {"paths": paths}


# -- reading lists ----------------------------------------------------------------------------------

def _visible(user: User | None, mine: bool) -> Any:
    if mine:
        if user is None:
            raise ApiError(401, "unauthorized", "mine: sign in or send an API token to see your own lists")
        return ReadingList.owner_id == user.id
    public = ReadingList.visibility == "public"
    return or_(public, ReadingList.owner_id == user.id) if user is not None else public


def _entry_counts(session: Session, list_ids: list[int]) -> dict[int, int]:
    """Entries per list that a reader sees: headings and published records."""
    if not list_ids:
        return {}
    rows = session.execute(
        select(ReadingListItem.list_id, func.count())
        .outerjoin(Record, Record.id == ReadingListItem.record_id)
        .where(ReadingListItem.list_id.in_(list_ids),
               or_(PUBLISHED, ReadingListItem.record_id.is_(None) & ReadingListItem.heading.is_not(None)))
        .group_by(ReadingListItem.list_id)
    )
    return {list_id: n for list_id, n in rows}


def list_summary(reading_list: ReadingList, user: User | None, entries: int) -> dict[str, Any]:
    return {
        "id": reading_list.id, "title": reading_list.title, "description": reading_list.description or "",
        "audience": reading_list.audience, "notes_lang": reading_list.notes_lang,
        "visibility": reading_list.visibility,
        "owner": (reading_list.owner.name or None) if reading_list.owner is not None else None,
        "mine": user is not None and reading_list.owner_id == user.id,
        "items": entries,
        "created_at": reading_list.created_at.isoformat() + "Z" if reading_list.created_at else None,
        "updated_at": reading_list.updated_at.isoformat() + "Z" if reading_list.updated_at else None,
        "url": html_url("lists.show", list_id=reading_list.id),
        "api_url": url_for("api.reading_list", list_id=reading_list.id, _external=True),
    }


def reading_list_page(session: Session, user: User | None, mine: bool, page: int, per_page: int) -> dict[str, Any]:
    condition = _visible(user, mine)
    total = session.scalar(select(func.count()).select_from(ReadingList).where(condition)) or 0
    rows = list(session.scalars(
        select(ReadingList).where(condition).options(selectinload(ReadingList.owner))
        .order_by(ReadingList.id).offset((page - 1) * per_page).limit(per_page)
    ))
    counts = _entry_counts(session, [r.id for r in rows])
    return page_envelope([list_summary(r, user, counts.get(r.id, 0)) for r in rows], total, page, per_page)


def reading_list_detail(session: Session, reading_list: ReadingList, user: User | None) -> dict[str, Any]:
    """The list with its entries in order; entries whose record is not published are left out."""
    items = list(session.scalars(
        select(ReadingListItem).where(ReadingListItem.list_id == reading_list.id)
        .options(selectinload(ReadingListItem.record).selectinload(Record.themes),
                 selectinload(ReadingListItem.record).selectinload(Record.organisation))
        .order_by(ReadingListItem.position, ReadingListItem.id)
    ))
    entries = []
    for item in items:
        record = item.record
        if record is not None and not record.is_published:
            continue
        if record is None and item.heading is None:
            continue  # its record was deleted and it carries no heading
        entries.append({"position": item.position, "heading": item.heading, "note": item.note or "",
                        "record": record_card(record) if record is not None else None})
    return {"list": list_summary(reading_list, user, len(entries)), "entries": entries}
