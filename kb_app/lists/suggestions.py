"""Suggested additions: records related (in any language) to what a reading list holds, and not on it yet."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from ..discovery import load_in_order
from ..models import ReadingList
from ..search_service import get_search_service
from .contents import entry_card
from .editing import is_available

# Reciprocal-rank constant, as in the search fusion: a record related to several entries outranks one close to a single entry.
RRF_K = 60
MAX_SEEDS = 25


def suggest_records(app: Flask, session: Session, reading_list: ReadingList, limit: int = 6,
                    per_entry: int = 10) -> list[dict[str, Any]]:
    """Up to `limit` published records related to the list's entries, each with the entry that suggested it."""
    items = sorted(reading_list.items, key=lambda i: i.position)
    listed = {item.record_id for item in items if item.record_id is not None}
    seeds = [item.record for item in items if is_available(item)][:MAX_SEEDS]
    if not seeds:
        return []
    service = get_search_service(app)
    scores: dict[int, float] = defaultdict(float)
    because: dict[int, tuple[int, str]] = {}
    for seed in seeds:
        try:
            hits = service.related(seed.id, k=per_entry)
        except KeyError:
            continue
        for rank, hit in enumerate((h for h in hits if h.id not in listed), start=1):
            scores[hit.id] += 1.0 / (RRF_K + rank)
            if hit.id not in because or rank < because[hit.id][0]:
                because[hit.id] = (rank, seed.title)
    ranked = sorted(scores, key=lambda rid: (-scores[rid], rid))
    cards = []
    for record in load_in_order(session, ranked[: limit * 2])[:limit]:
        card = entry_card(record)
        card["related_to"] = because[record.id][1]
        cards.append(card)
    return cards
