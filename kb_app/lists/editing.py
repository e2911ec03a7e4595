"""Changing reading lists: create, add records and section headings, reorder, remove, copy, new share links."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from ..models import ReadingList, ReadingListItem, Record, User, utcnow

MAX_ITEMS = 500


class ListFull(ValueError):
    """The list has reached MAX_ITEMS entries."""


def new_share_token() -> str:
    # 24 random bytes: an unlisted link cannot be guessed.
    return secrets.token_urlsafe(24)


def create_list(session: Session, owner: User, *, title: str, description: str = "", audience: str | None = None,
                notes_lang: str | None = None, visibility: str = "private") -> ReadingList:
    reading_list = ReadingList(owner=owner, title=title.strip(), description=(description or "").strip(),
                               audience=audience or None, notes_lang=notes_lang or None,
                               visibility=visibility, share_token=new_share_token())
    session.add(reading_list)
    return reading_list


def _touch(reading_list: ReadingList) -> None:
    # Item changes do not update the list row by themselves, but "last changed" should follow them.
    reading_list.updated_at = utcnow()


def _renumber(reading_list: ReadingList, ordered: list[ReadingListItem]) -> None:
    for position, item in enumerate(ordered, start=1):
        item.position = position
    reading_list.items = ordered
    _touch(reading_list)


def _append(reading_list: ReadingList, item: ReadingListItem) -> ReadingListItem:
    if len(reading_list.items) >= MAX_ITEMS:
        raise ListFull(f"a reading list holds at most {MAX_ITEMS} entries")
    item.position = max((i.position for i in reading_list.items), default=0) + 1
    reading_list.items.append(item)
    _touch(reading_list)
    return item


def contains_record(reading_list: ReadingList, record_id: int) -> bool:
    return any(item.record_id == record_id for item in reading_list.items)


def add_record(reading_list: ReadingList, record: Record, note: str = "") -> ReadingListItem | None:
    """Append a record at the end; None when it is on the list already (a record appears once)."""
    if contains_record(reading_list, record.id):
        return None
    return _append(reading_list, ReadingListItem(record=record, note=note.strip()))


def add_heading(reading_list: ReadingList, heading: str, before: ReadingListItem | None = None) -> ReadingListItem:
    """A section heading at the end, or just before the given entry (so the records after it fall under it)."""
    item = _append(reading_list, ReadingListItem(heading=heading.strip(), note=""))
    if before is not None:
        ordered = [i for i in sorted(reading_list.items, key=lambda i: i.position) if i is not item]
        ordered.insert(ordered.index(before), item)
        _renumber(reading_list, ordered)
    return item


def find_item(reading_list: ReadingList, item_id: int) -> ReadingListItem | None:
    return next((item for item in reading_list.items if item.id == item_id), None)


def move_item(reading_list: ReadingList, item: ReadingListItem, step: int) -> bool:
    """Move an entry one place up (step -1) or down (+1); False when it is already at that end."""
    ordered = sorted(reading_list.items, key=lambda i: i.position)
    index = ordered.index(item)
    target = index + step
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(reading_list, ordered)
    return True


def reorder(reading_list: ReadingList, item_ids: list[int]) -> None:
    """Put the entries in the given order; entries not named keep their relative order after the named ones."""
    by_id = {item.id: item for item in reading_list.items}
    unknown = [i for i in item_ids if i not in by_id]
    if unknown or len(set(item_ids)) != len(item_ids):
        raise ValueError("the new order must name each entry of this list at most once")
    named = [by_id[i] for i in item_ids]
    rest = [item for item in sorted(reading_list.items, key=lambda i: i.position) if item.id not in set(item_ids)]
    _renumber(reading_list, named + rest)


def remove_item(reading_list: ReadingList, item: ReadingListItem) -> None:
    _renumber(reading_list, [i for i in sorted(reading_list.items, key=lambda i: i.position) if i is not item])


def is_available(item: ReadingListItem) -> bool:
    """A record entry whose record still exists and is still published."""
    return item.record is not None and item.record.status == "published"


def copy_list(session: Session, source: ReadingList, owner: User, title: str) -> ReadingList:
    """A private copy for another trainer to adapt; entries that are no longer available are left behind."""
    copy = create_list(session, owner, title=title, description=source.description, audience=source.audience,
                       notes_lang=source.notes_lang)
    copy.copied_from_id = source.id
    for item in sorted(source.items, key=lambda i: i.position):
        if item.heading is not None:
            add_heading(copy, item.heading)
        elif is_available(item):
            copy.items.append(ReadingListItem(record_id=item.record_id, note=item.note, position=len(copy.items) + 1))
    return copy
