"""Writing many normalised records at once with SQLAlchemy Core: records, theme links, event details, revisions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .catalogue import SIMPLE_FIELDS, SNAPSHOT_FIELDS, Lookups, new_external_id
from .kinds import EVENT_DETAIL_FIELDS
from .models import EventDetails, Record, Revision, record_themes, utcnow

RECORDS = Record.__table__
DETAILS = EventDetails.__table__
REVISIONS = Revision.__table__
# Ids per IN (...) list: well under SQLite's 32,766 bound parameters.
_IN_CHUNK = 5000


@dataclass
class RecordWrite:
    """One normalised record to store: `existing` is the stored record it replaces (None: a new record)."""

    data: dict[str, Any]
    existing: Record | None
    action: str


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _has_details(data: dict[str, Any]) -> bool:
    # As Record._set_detail: only a record with some event detail gets a details row.
    return any(data.get(name) not in (None, "", []) for name in EVENT_DETAIL_FIELDS)


def _ids_of(connection: Connection, external_ids: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(external_ids))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(connection.execute(
            select(RECORDS.c.external_id, RECORDS.c.id).where(RECORDS.c.external_id.in_(chunk))).all())
    return found


def _record_row(session: Session, item: RecordWrite, lookups: Lookups, now: datetime) -> dict[str, Any]:
    """The records-table columns of one write (everything but its id and translation link)."""
    data = item.data
    row: dict[str, Any] = {name: data.get(name) for name in SIMPLE_FIELDS}
    org_name = data.get("organisation")
    org = lookups.organisation(session, org_name) if org_name else None
    module_slug = data.get("module")
    module = lookups.modules.get(module_slug) if module_slug else None
    row.update(kind=data["kind"], lang=data["lang"], status="published", summary=data.get("summary") or "",
               organisation_id=org.id if org is not None else None, module_id=module.id if module is not None else None,
               updated_at=now)
    if item.existing is None:
        row.update(external_id=data.get("id") or new_external_id(data["kind"], data["lang"]), created_at=now,
                   published_at=now)
    else:
        row["published_at"] = item.existing.published_at or now
    return row


def _snapshot(data: dict[str, Any], row: dict[str, Any], themes: list[str], org_name: str | None) -> dict[str, Any]:
    """What catalogue.snapshot would read back from the record these rows make."""
    details = _has_details(data)
    snap = {name: row[name] for name in SNAPSHOT_FIELDS if name in row}
    for name in EVENT_DETAIL_FIELDS:
        snap[name] = data.get(name) if details else None
    snap["themes"] = themes
    snap["organisation"] = org_name
    return snap


def write_records(session: Session, items: Sequence[RecordWrite], lookups: Lookups,
                  progress: Callable[[int], None] | None = None) -> list[int]:
    """Insert or update every record in the session's transaction with a few statements per table; returns the ids.

    The caller validated the records; the caller commits or rolls back, so a failure leaves nothing behind.
    The ids are handed to the index-change log as the ORM's flushes would.
    """
    if not items:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for count, item in enumerate(items, start=1):
        rows.append(_record_row(session, item, lookups, now))
        if progress is not None and count % 500 == 0:
            progress(count)
    session.flush()  # organisations created for new names get their ids before the records point at them
    connection = session.connection()

    targets = {item.data["translation_of"] for item in items if item.data.get("translation_of")}
    known = _ids_of(connection, targets) if targets else {}
    for item, row in zip(items, rows):
        target = item.data.get("translation_of")
        row["translation_of_id"] = known.get(target) if target else None

    new = [(item, row) for item, row in zip(items, rows) if item.existing is None]
    ids: dict[int, int] = {}  # position in items -> record id
    if new:
        new_ids = connection.execute(
            insert(RECORDS).returning(RECORDS.c.id, sort_by_parameter_order=True), [row for _, row in new]
        ).scalars().all()
        by_item = {id(item): rid for (item, _), rid in zip(new, new_ids, strict=True)}
    else:
        by_item = {}
    old = [(item, row) for item, row in zip(items, rows) if item.existing is not None]
    if old:
        for item, row in old:
            row["record_id"] = item.existing.id
        connection.execute(update(RECORDS).where(RECORDS.c.id == bindparam("record_id")), [
            {k: v for k, v in row.items()} for _, row in old])
        old_ids = [item.existing.id for item, _ in old]
        for chunk in _chunks(old_ids):
            connection.execute(delete(record_themes).where(record_themes.c.record_id.in_(chunk)))
            connection.execute(delete(DETAILS).where(DETAILS.c.record_id.in_(chunk)))
    for position, item in enumerate(items):
        ids[position] = item.existing.id if item.existing is not None else by_item[id(item)]

    # Links to records of the same file: their ids exist only now.
    late = [{"record_id": ids[p], "target": known_ext}
            for p, item in enumerate(items)
            if (known_ext := item.data.get("translation_of")) and rows[p]["translation_of_id"] is None]
    if late:
        in_file = {rows[p].get("external_id") or items[p].existing.external_id: ids[p] for p in range(len(items))}
        connection.execute(update(RECORDS).where(RECORDS.c.id == bindparam("record_id"))
                           .values(translation_of_id=bindparam("target_id")),
                           [{"record_id": link["record_id"], "target_id": in_file.get(link["target"])} for link in late])

    theme_links: list[dict[str, int]] = []
    details: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for position, (item, row) in enumerate(zip(items, rows)):
        rid = ids[position]
        slugs = [s for s in dict.fromkeys(item.data.get("themes") or []) if s in lookups.themes]
        theme_links.extend({"record_id": rid, "theme_id": lookups.themes[s].id} for s in slugs)
        if _has_details(item.data):
            details.append({"record_id": rid, **{name: item.data.get(name) for name in EVENT_DETAIL_FIELDS}})
        org_name = item.data.get("organisation")
        org = lookups.organisation(session, org_name) if org_name else None
        revisions.append({"record_id": rid, "user_id": None, "action": item.action, "status": "published",
                          "comment": None, "created_at": now,
                          "snapshot": _snapshot(item.data, row, slugs, org.name if org is not None else None)})
    if theme_links:
        connection.execute(insert(record_themes), theme_links)
    if details:
        connection.execute(insert(DETAILS), details)
    connection.execute(insert(REVISIONS), revisions)

    written = list(ids.values())
    # What db._collect_index_changes and db._mark_dirty do for ORM flushes: log them at commit.
    session.info.setdefault("index_touched", set()).update(written)
    session.info["index_dirty"] = True
    for item in items:
        if item.existing is not None:
            session.expire(item.existing)  # its rows changed under the ORM
    if progress is not None:
        progress(len(items))
    return written
