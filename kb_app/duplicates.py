"""Possible duplicates: the published records, in any language, closest in meaning to a practice being submitted."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from .discovery import SearchParams, run_search
from .models import Record

log = logging.getLogger(__name__)
QUERY_CHARS = 1000


def could_be_translation(record: Record, other: Record) -> bool:
    """Whether linking these two as translations is worth offering: the same practice keeps its organisation and
    place in every language, so a look-alike from another organisation in another country is only a hint."""
    if record.lang == other.lang:
        return False
    same_organisation = record.organisation_id is not None and record.organisation_id == other.organisation_id
    same_country = bool(record.country) and record.country == other.country
    return same_organisation or same_country or not record.country or not other.country


def possible_duplicates(session: Session, record: Record, limit: int = 5) -> list[dict[str, Any]] | None:
    """Cards of the closest published records (semantic search on title and summary); None when search failed."""
    text = f"{record.title or ''}\n{record.summary or ''}".strip()[:QUERY_CHARS]
    if not text:
        return []
    try:
        found = run_search(session, SearchParams(q=text, mode="semantic", per_page=limit + 1, ui_lang=record.lang))
    except Exception:  # noqa: BLE001 - the check only advises; a search outage must not block a submission
        log.warning("could not look for duplicates of record %s", record.id, exc_info=True)
        return None
    root = record.translation_of_id or record.id
    cards = []
    for card in found["results"]:
        if card["id"] == record.id:
            continue
        target = session.get(Record, card["id"])
        card["linked"] = target is not None and (target.id == root or target.translation_of_id in (root, record.id))
        card["same_lang"] = card["lang"] == record.lang
        card["may_be_translation"] = (not card["linked"] and not card["same_lang"] and target is not None
                                      and could_be_translation(record, target))
        cards.append(card)
    return cards[:limit]
