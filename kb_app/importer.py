"""Bulk import of interchange files (JSON Lines or CSV): validate every line first, then write all or nothing."""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .bulk_records import RecordWrite, write_records
from .catalogue import Lookups, to_interchange
from . import json_input
from .csv_safety import unguard_cell
from .interchange import INT_FIELDS, TEXT_LIMITS, InvalidRecord, normalise_record
from .json_input import JsonInputError, json_lines
from .models import Module, Record, Theme

_IN_CHUNK = 5000  # external ids per IN (...) query: well under SQLite's bound-parameter limit


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[LineError] = field(default_factory=list)
    skipped: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(Exception):
    """Nothing was imported; `report.errors` says which lines and fields were wrong."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} invalid line(s); nothing was imported")
        self.report = report


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM); anything else is refused with the byte offset at fault."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"line {line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc


def parse_jsonl(text: str) -> Iterator[tuple[int, Any]]:
    for number, line in json_lines(text):
        if not line.strip():
            continue
        try:
            yield number, json_input.loads(line)
        except JsonInputError as exc:
            yield number, LineError(number, str(exc))


def _csv_problem(exc: csv.Error) -> str:
    """What a csv.Error means for the person who wrote the file."""
    message = str(exc)
    if "field larger than field limit" in message:
        return (f"a field is longer than {csv.field_size_limit():,} characters (the longest allowed, body, has "
                f"{max(TEXT_LIMITS.values()):,}); if a quoted field starts here, is its closing quote (\") missing?")
    if "unexpected end of data" in message:
        return "a quoted field starting on this line is never closed: its closing quote (\") is missing"
    return f"not valid CSV ({message})"


def _csv_rows(lines: list[str]) -> Iterator[tuple[int, list[str] | LineError]]:
    """(first line number, cells) of every CSV record; a malformed record is reported and reading goes on with the
    line after the one it started on, so one stray quote costs one line, not the rest of the file."""
    start = 0  # index into `lines` where the current reader began
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), strict=True)
        while True:
            first = start + reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield first, LineError(first, _csv_problem(exc))
                start = first  # the next reader starts on the line after `first` (a 0-based index)
                break
            if cells:
                yield first, cells


def parse_csv(text: str) -> Iterator[tuple[int, Any]]:
    header: list[str] | None = None
    for number, cells in _csv_rows(list(io.StringIO(text, newline=""))):
        if isinstance(cells, LineError):
            yield number, cells
            if header is None:
                return  # without a header line no other line can be read
            continue
        if header is None:
            header = [name.strip() for name in cells]
            continue
        if len(cells) > len(header):
            yield number, LineError(number, "more values than header columns")
            continue
        # Cells our exports guarded against spreadsheet formulas come back as they were typed.
        record: dict[str, Any] = {name: unguard_cell(value) for name, value in zip(header, cells) if value != ""}
        if "themes" in record:
            record["themes"] = [t for t in record["themes"].split(";") if t.strip()]
        for name in INT_FIELDS:
            if name in record and str(record[name]).isdigit():
                record[name] = int(record[name])
        yield number, record


def validate_lines(session: Session, rows: Iterator[tuple[int, Any]]) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """Normalise every row; collect line-numbered errors, duplicate ids and dangling translation links."""
    themes = set(session.scalars(select(Theme.slug)))
    modules = set(session.scalars(select(Module.slug)))
    valid: list[tuple[int, dict[str, Any]]] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        if isinstance(raw, LineError):
            errors.append(raw)
            continue
        try:
            record = normalise_record(raw, theme_slugs=themes, module_slugs=modules)
        except InvalidRecord as exc:
            errors.extend(LineError(number, str(e)) for e in exc.errors)
            continue
        ext = record.get("id")
        if ext is not None:
            if ext in seen:
                errors.append(LineError(number, f"id: duplicate external id {ext!r} (first on line {seen[ext]})"))
                continue
            seen[ext] = number
        valid.append((number, record))
    known_ids = set(seen)
    wanted = {r["translation_of"] for _, r in valid if r.get("translation_of")} - known_ids
    if wanted:
        existing = set(session.scalars(select(Record.external_id).where(Record.external_id.in_(wanted))))
        for number, record in valid:
            target = record.get("translation_of")
            if target in wanted and target not in existing:
                errors.append(LineError(number, f"translation_of: no record with id {target!r}"))
    errors.sort(key=lambda e: e.line)
    return valid, errors


def import_records(
    session: Session,
    data: bytes | str,
    *,
    fmt: str = "jsonl",
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a whole file in one transaction; raise ImportFailed (database untouched) on any invalid line."""
    report = ImportReport()
    try:
        text = decode_bytes(data) if isinstance(data, bytes) else data
    except ValueError as exc:
        report.errors.append(LineError(int(str(exc).split(":")[0].split()[1]), str(exc).split(": ", 1)[1]))
        raise ImportFailed(report) from exc
    rows = parse_csv(text) if fmt == "csv" else parse_jsonl(text)
    valid, errors = validate_lines(session, rows)
    report.errors = errors
    if errors and not skip_invalid:
        raise ImportFailed(report)
    bad_lines = {e.line for e in errors}
    to_write = [(n, r) for n, r in valid if n not in bad_lines]
    report.skipped = len({e.line for e in errors})
    # Records that others point at (translation_of) go first, so that a translation gets the later id.
    to_write.sort(key=lambda item: 1 if item[1].get("translation_of") else 0)
    try:
        existing: dict[str, Record] = {}
        wanted = [d["id"] for _, d in to_write if "id" in d]
        for start in range(0, len(wanted), _IN_CHUNK):
            existing.update((r.external_id, r) for r in session.scalars(
                select(Record).where(Record.external_id.in_(wanted[start:start + _IN_CHUNK]))
                .options(selectinload(Record.themes), selectinload(Record.organisation),
                         selectinload(Record.module).selectinload(Module.path), selectinload(Record.translation_of))))
        writes: list[RecordWrite] = []
        for line, data_row in to_write:
            record = existing.get(data_row.get("id", ""))
            if record is not None and record.kind != data_row["kind"]:
                raise ImportFailed(ImportReport(errors=[LineError(line, f"kind: id {record.external_id!r} is a {record.kind} already")]))
            if record is not None and record.status == "published" and to_interchange(record) == data_row:
                report.unchanged += 1
                continue
            writes.append(RecordWrite(data_row, record, "imported" if record is None else "updated by import"))
        report.created = sum(1 for w in writes if w.existing is None)
        report.updated = len(writes) - report.created
        write_records(session, writes, Lookups.load(session), progress)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
