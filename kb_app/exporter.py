"""Streaming export of the published catalogue as JSON Lines or CSV, in the interchange format."""
from __future__ import annotations

import io
import json
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .catalogue import to_interchange
from .csv_safety import CsvWriter
from .interchange import FIELD_ORDER
from .models import Module, Record

EXPORT_FORMATS = ("jsonl", "csv")


def iter_published(session: Session, batch: int = 500, kind: str | None = None, lang: str | None = None) -> Iterator[dict[str, Any]]:
    """Published records in id order, loaded a batch at a time so memory stays flat."""
    last_id = 0
    while True:
        query = (
            select(Record)
            .where(Record.status == "published", Record.id > last_id)
            .options(selectinload(Record.themes), selectinload(Record.organisation),
                     selectinload(Record.module).selectinload(Module.path), selectinload(Record.translation_of))
            .order_by(Record.id)
            .limit(batch)
        )
        if kind:
            query = query.where(Record.kind == kind)
        if lang:
            query = query.where(Record.lang == lang)
        rows = list(session.scalars(query))
        if not rows:
            return
        for record in rows:
            yield to_interchange(record)
        last_id = rows[-1].id
        session.expunge_all()


def jsonl_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def csv_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = CsvWriter(buffer, fieldnames=list(FIELD_ORDER), extrasaction="ignore")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        row = dict(record)
        for name, value in row.items():
            # Lists of codes or names as one cell; a programme (a list of objects) as its JSON text.
            if isinstance(value, list):
                row[name] = json.dumps(value, ensure_ascii=False) if any(isinstance(v, dict) for v in value) \
                    else ";".join(str(v) for v in value)
        writer.writerow(row)
        yield buffer.getvalue()


def export_lines(session: Session, fmt: str, **filters: Any) -> Iterator[str]:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {' or '.join(EXPORT_FORMATS)})")
    records = iter_published(session, **filters)
    return jsonl_lines(records) if fmt == "jsonl" else csv_lines(records)
