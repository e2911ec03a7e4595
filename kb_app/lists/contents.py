"""What a reading list shows, computed once for its page, its JSON twin, its exports and the list pages."""
from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..citation import event_card_fields
from ..discovery import record_card
from ..list_access import can_edit, token_matches
from ..models import ReadingList, ReadingListItem, Record, User
from .editing import is_available

EXPORT_FORMATS = ("md", "csv", "ris", "csl.json")


def entry_card(record: Record) -> dict[str, Any]:
    """The fields of a listed record that pages, exports and citations need: the shared card plus its web site
    (and an event's date and place)."""
    return {**record_card(record), **event_card_fields(record), "summary": record.summary or "", "web_site": record.url}


def list_entries(reading_list: ReadingList, *, for_owner: bool) -> list[dict[str, Any]]:
    """The entries in order: section headings, and records numbered 1..n, unavailable ones marked as such."""
    entries: list[dict[str, Any]] = []
    number = 0
    section: str | None = None
    for item in sorted(reading_list.items, key=lambda i: i.position):
        if item.heading is not None:
            section = item.heading
            entries.append({"id": item.id, "position": item.position, "type": "heading", "heading": item.heading})
            continue
        number += 1
        entry: dict[str, Any] = {"id": item.id, "position": item.position, "type": "record", "number": number,
                                 "section": section, "note": item.note or "", "available": is_available(item),
                                 "record": None}
        if entry["available"]:
            entry["record"] = entry_card(item.record)
        elif for_owner and item.record is not None:
            # Only the owner is told what the withdrawn entry was, so that they can decide what replaces it.
            entry["former_title"] = item.record.title
        entries.append(entry)
    return entries


def owner_label(user: User) -> str:
    name = (user.name or "").strip()
    if user.organisation is not None:
        return f"{name} ({user.organisation.name})" if name else user.organisation.name
    return name


def list_urls(reading_list: ReadingList, token: str | None = None) -> dict[str, str]:
    """Links to the list and its exports; a visitor who came through a share link keeps the token in them."""
    args: dict[str, Any] = {"list_id": reading_list.id}
    if reading_list.visibility == "unlisted" and token_matches(reading_list, token):
        args["token"] = token
    urls = {
        "html": url_for("lists.show", **args, _external=True),
        "json": url_for("lists.show_json", **args, _external=True),
        "handout": url_for("lists.handout", **args, _external=True),
    }
    for fmt in EXPORT_FORMATS:
        urls[fmt.replace(".", "_")] = url_for("lists.export", fmt=fmt, **args, _external=True)
    return urls


def share_url(reading_list: ReadingList) -> str:
    return url_for("lists.show", list_id=reading_list.id, token=reading_list.share_token, _external=True)


def list_summary(reading_list: ReadingList, item_count: int | None = None) -> dict[str, Any]:
    """A line of a lists page: enough to choose a list."""
    count = item_count if item_count is not None else sum(1 for i in reading_list.items if i.heading is None)
    return {
        "id": reading_list.id,
        "title": reading_list.title,
        "description": reading_list.description or "",
        "audience": reading_list.audience,
        "notes_lang": reading_list.notes_lang,
        "visibility": reading_list.visibility,
        "owner": owner_label(reading_list.owner),
        "items": count,
        "updated_at": reading_list.updated_at.isoformat(timespec="seconds") + "Z",
        "url": url_for("lists.show", list_id=reading_list.id, _external=True),
    }


def list_data(session: Session, reading_list: ReadingList, viewer: User | None,
              token: str | None = None) -> dict[str, Any]:
    """Everything the list page and its JSON twin show (the exports render this too)."""
    owner_view = can_edit(viewer, reading_list)
    if owner_view and reading_list.visibility == "unlisted":
        # The owner's handout and exports go to other people: their links must carry the share token.
        token = reading_list.share_token
    data = list_summary(reading_list)
    data.update({
        "created_at": reading_list.created_at.isoformat(timespec="seconds") + "Z",
        "entries": list_entries(reading_list, for_owner=owner_view),
        "urls": list_urls(reading_list, token),
        "copied_from": None,
    })
    data["unavailable"] = sum(1 for e in data["entries"] if e["type"] == "record" and not e["available"])
    if owner_view:
        data["share_url"] = share_url(reading_list) if reading_list.visibility == "unlisted" else None
    source_id = reading_list.copied_from_id
    if source_id is not None:
        source = session.get(ReadingList, source_id)
        # Name the original only where this visitor could open it.
        if source is not None and (source.visibility == "public" or can_edit(viewer, source)):
            data["copied_from"] = {"id": source.id, "title": source.title,
                                   "url": url_for("lists.show", list_id=source.id, _external=True)}
    return data


def lists_of(session: Session, user: User) -> list[tuple[ReadingList, int]]:
    """A user's lists, most recently changed first, with how many records each holds."""
    return _with_counts(session, select(ReadingList).where(ReadingList.owner_id == user.id)
                        .order_by(ReadingList.updated_at.desc(), ReadingList.id.desc()))


def find_public_lists(session: Session, q: str = "", page: int = 1, per_page: int = 20) -> tuple[int, list[tuple[ReadingList, int]]]:
    """Public lists whose title or description contains the words of q (all of them), newest change first."""
    query = select(ReadingList).where(ReadingList.visibility == "public")
    for word in q.split()[:10]:
        word = word.lower()
        query = query.where(or_(func.lower(ReadingList.title).contains(word, autoescape=True),
                                func.lower(ReadingList.description).contains(word, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = _with_counts(session, query.order_by(ReadingList.updated_at.desc(), ReadingList.id.desc())
                        .offset((page - 1) * per_page).limit(per_page))
    return total, rows


def _with_counts(session: Session, query: Any) -> list[tuple[ReadingList, int]]:
    lists = list(session.scalars(query.options(selectinload(ReadingList.owner).selectinload(User.organisation))))
    if not lists:
        return []
    counts = dict(session.execute(
        select(ReadingListItem.list_id, func.count()).where(
            ReadingListItem.list_id.in_([rl.id for rl in lists]), ReadingListItem.heading.is_(None))
        .group_by(ReadingListItem.list_id)).all())
    return [(rl, counts.get(rl.id, 0)) for rl in lists]
