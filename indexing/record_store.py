"""The indexed records' metadata, texts and concept tags, kept in SQLite beside the indexes."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from indexing.backends.base import IndexMismatchError
from indexing.documents import FILTER_KEYS, IndexDoc, Passage

STORE_FILE = "records.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    external_id TEXT, kind TEXT, lang TEXT, title TEXT, summary TEXT, body TEXT,
    themes TEXT, country TEXT, audience TEXT, level TEXT, organisation TEXT, year INTEGER,
    concepts TEXT, starts_on TEXT, ends_on TEXT
);
CREATE TABLE IF NOT EXISTS passages (
    record_id INTEGER, n INTEGER, source TEXT, lang TEXT, page INTEGER, text TEXT,
    PRIMARY KEY (record_id, n)
)
"""


def _shared(value: str | None) -> str | None:
    """One string object per distinct facet value, however many records carry it."""
    return sys.intern(value) if value else value


@dataclass
class RecordMeta:
    """What filters, facets and the concept leg need about a record, held in memory."""

    kind: str
    lang: str
    themes: list[str]
    country: str | None
    audience: str | None
    level: str | None
    external_id: str | None
    concepts: dict[str, float] = field(default_factory=dict)
    year: int | None = None
    starts_on: str | None = None  # an event's first and last day (ISO dates)
    ends_on: str | None = None

    def overlaps(self, first: str | None, last: str | None) -> bool:
        """Whether this is an event whose days meet the range [first, last] (ISO dates; None: open)."""
        if self.starts_on is None:
            return False
        return (last is None or self.starts_on <= last) and (first is None or (self.ends_on or self.starts_on) >= first)

    def values(self, facet: str) -> list[str]:
        """The record's values for a facet key (kind, lang, theme, country, audience, level)."""
        if facet == "theme":
            return list(self.themes)
        value = getattr(self, facet, None)
        return [value] if value else []


class RecordStore:
    """SQLite table of indexed records with an in-memory mirror of their metadata."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / STORE_FILE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._check_columns()
        self.meta: dict[int, RecordMeta] = {}
        self.by_concept: dict[str, dict[int, float]] = {}
        # Facet key ("kind", ..., "year") -> value -> the records holding it: a filter's records by set
        # operations instead of a test of every record.
        self.by_value: dict[str, dict[object, set[int]]] = {key: {} for key in (*FILTER_KEYS, "year")}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for row in self._db.execute(
            "SELECT id, kind, lang, themes, country, audience, level, external_id, concepts, year, starts_on, ends_on"
            " FROM records"
        ):
            # Concept ids, themes and facet values repeat across records: one shared string each
            # instead of a copy per record (a third of the store's memory at 28 concepts a record).
            themes = [sys.intern(t) for t in json.loads(row[3])]
            concepts = {sys.intern(cid): weight for cid, weight in json.loads(row[8]).items()}
            kind, lang, country, audience, level = (_shared(v) for v in row[1:3] + row[4:7])
            self._remember(row[0], RecordMeta(kind, lang, themes, country, audience, level, row[7], concepts,
                                              row[9], row[10], row[11]))

    def _check_columns(self) -> None:
        """A store written before events' dates were kept cannot answer a date range: an empty one gains the
        columns, a filled one is refused (IndexMismatchError) so it is rebuilt instead of silently missing them."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
        missing = [name for name in ("starts_on", "ends_on") if name not in columns]
        if not missing:
            return
        if self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None:
            raise IndexMismatchError(f"the record store in {self.path.parent} has no event dates; rebuild it (kb reindex)")
        for name in missing:
            self._db.execute(f"ALTER TABLE records ADD COLUMN {name} TEXT")

    @staticmethod
    def _facet_values(meta: RecordMeta) -> Iterator[tuple[str, object]]:
        for key in FILTER_KEYS:
            for value in meta.values(key):
                yield key, value
        if meta.year is not None:
            yield "year", meta.year

    def _remember(self, record_id: int, meta: RecordMeta) -> None:
        self._forget(record_id)
        self.meta[record_id] = meta
        for key, value in self._facet_values(meta):
            self.by_value[key].setdefault(value, set()).add(record_id)
        for concept_id, weight in meta.concepts.items():
            self.by_concept.setdefault(concept_id, {})[record_id] = weight
            self._postings.pop(concept_id, None)

    def _forget(self, record_id: int) -> None:
        old = self.meta.pop(record_id, None)
        if old:
            for key, value in self._facet_values(old):
                holders = self.by_value[key].get(value)
                if holders is not None:
                    holders.discard(record_id)
                    if not holders:
                        del self.by_value[key][value]
            for concept_id in old.concepts:
                self._postings.pop(concept_id, None)
                holders = self.by_concept.get(concept_id)
                if holders is not None:
                    holders.pop(record_id, None)
                    if not holders:
                        del self.by_concept[concept_id]

    def postings(self, concept_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(record ids, weights) of the records tagged with a concept, as arrays for fast scoring."""
        cached = self._postings.get(concept_id)
        if cached is None:
            holders = self.by_concept.get(concept_id, {})
            cached = (
                np.fromiter(holders.keys(), dtype=np.int64, count=len(holders)),
                np.fromiter(holders.values(), dtype=np.float64, count=len(holders)),
            )
            self._postings[concept_id] = cached
        return cached

    def put(self, docs: list[tuple[IndexDoc, dict[str, float]]]) -> None:
        """Insert or replace records with their concept weights, in one transaction."""
        rows = [
            (
                d.id,
                d.external_id,
                d.kind,
                d.lang,
                d.title,
                d.summary,
                d.body,
                json.dumps(list(d.themes)),
                d.country,
                d.audience,
                d.level,
                d.organisation,
                d.year,
                json.dumps(concepts),
                d.starts_on,
                d.ends_on,
            )
            for d, concepts in docs
        ]
        with self._lock:
            self._transaction("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            for d, concepts in docs:
                self._remember(
                    d.id,
                    RecordMeta(
                        _shared(d.kind), _shared(d.lang), [sys.intern(t) for t in d.themes], _shared(d.country),
                        _shared(d.audience), _shared(d.level), d.external_id,
                        {sys.intern(cid): weight for cid, weight in concepts.items()}, d.year,
                        d.starts_on, d.ends_on,
                    ),
                )

    def _transaction(self, statement: str, rows: list[tuple]) -> None:
        self._db.execute("BEGIN")
        try:
            self._db.executemany(statement, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def delete(self, record_ids: list[int]) -> None:
        with self._lock:
            self._transaction("DELETE FROM records WHERE id = ?", [(rid,) for rid in record_ids])
            self._transaction("DELETE FROM passages WHERE record_id = ?", [(rid,) for rid in record_ids])
            for rid in record_ids:
                self._forget(rid)

    def put_passages(self, by_record: dict[int, list[tuple[int, Passage]]]) -> None:
        """Replace the attached-file passages of these records (numbered as in the dense index)."""
        if not by_record:
            return
        rows = [(rid, n, p.source, p.lang, p.page, p.text) for rid, items in by_record.items() for n, p in items]
        with self._lock:
            self._transaction("DELETE FROM passages WHERE record_id = ?", [(rid,) for rid in by_record])
            if rows:
                self._transaction("INSERT INTO passages VALUES (?,?,?,?,?,?)", rows)

    def passages(self, record_ids: list[int] | None) -> dict[int, dict[int, Passage]]:
        """The attached-file passages of the given records (None: of every record): id -> number -> passage."""
        if record_ids is not None and not record_ids:
            return {}
        statement, args = "SELECT record_id, n, source, lang, page, text FROM passages", []
        if record_ids is not None:
            statement += f" WHERE record_id IN ({','.join('?' * len(record_ids))})"
            args = list(record_ids)
        with self._lock:
            rows = self._db.execute(statement, args).fetchall()
        found: dict[int, dict[int, Passage]] = {}
        for rid, n, source, lang, page, text in rows:
            found.setdefault(rid, {})[n] = Passage(source, lang, text or "", page)
        return found

    def texts(self, record_ids: list[int]) -> dict[int, tuple[str, str, str]]:
        """(title, summary, body) of the given records."""
        if not record_ids:
            return {}
        marks = ",".join("?" * len(record_ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, title, summary, body FROM records WHERE id IN ({marks})", list(record_ids)
            ).fetchall()
        return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in rows}

    def documents(self) -> Iterator[IndexDoc]:
        """Every stored record as an IndexDoc (used to re-tag after a thesaurus change)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, lang, title, summary, body, themes, country, audience, level, organisation, year,"
                " external_id, starts_on, ends_on FROM records"
            ).fetchall()
        attached = self.passages(None)
        for r in rows:
            yield IndexDoc(
                r[0],
                r[1],
                r[2],
                r[3] or "",
                r[4] or "",
                r[5] or "",
                json.loads(r[6]),
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
                r[12],
                [attached[r[0]][n] for n in sorted(attached.get(r[0], {}))],
                r[13],
                r[14],
            )

    def __len__(self) -> int:
        return len(self.meta)

    def close(self) -> None:
        with self._lock:
            self._db.close()
