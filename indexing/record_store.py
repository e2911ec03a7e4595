"""The indexed records' metadata, texts and concept tags, kept in SQLite beside the indexes."""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from collections.abc import Mapping
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


# The facet keys kept as a small integer code per record, each distinct value stored once.
_CODED = ("kind", "lang", "country", "audience", "level")


class _Codes:
    """The distinct values of one column, numbered from 1 (0 stands for no value)."""

    def __init__(self) -> None:
        self.values: list = [None]
        self._codes: dict = {}

    def code(self, value: object) -> int:
        if value is None or value == "" or value == ():
            return 0
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def find(self, value: object) -> int | None:
        return self._codes.get(value)


class RecordMeta:
    """What filters, facets and the concept leg need about one record: a view of the store's columns.

    Valid until the store next changes (the engine reads it under its read lock).
    """

    __slots__ = ("_store", "_slot")

    def __init__(self, store: "RecordStore", slot: int):
        self._store = store
        self._slot = slot

    def _coded(self, name: str) -> str | None:
        return self._store._codes[name].values[self._store._columns[name][self._slot]]

    kind = property(lambda self: self._coded("kind"))
    lang = property(lambda self: self._coded("lang"))
    country = property(lambda self: self._coded("country"))
    audience = property(lambda self: self._coded("audience"))
    level = property(lambda self: self._coded("level"))

    @property
    def themes(self) -> list[str]:
        return list(self._store._themesets.values[self._store._themeset[self._slot]] or ())

    @property
    def external_id(self) -> str | None:
        return self._store._external_ids[self._slot]

    @property
    def year(self) -> int | None:
        return self._store._years[self._slot]

    @property
    def concepts(self) -> dict[str, float]:
        """Concept id -> the record's weight for it."""
        codes, weights = self._store._concepts_of(self._slot)
        names = self._store._concept_codes.values
        return {names[c]: w for c, w in zip(codes.tolist(), weights.tolist())}

    @property
    def starts_on(self) -> str | None:
        """An event's first day (ISO date)."""
        return self._store._starts[self._slot]

    @property
    def ends_on(self) -> str | None:
        return self._store._ends[self._slot]

    def overlaps(self, first: str | None, last: str | None) -> bool:
        """Whether this is an event whose days meet the range [first, last] (ISO dates; None: open)."""
        starts_on = self.starts_on
        if starts_on is None:
            return False
        return (last is None or starts_on <= last) and (first is None or (self.ends_on or starts_on) >= first)

    def values(self, facet: str) -> list[str]:
        """The record's values for a facet key (kind, lang, theme, country, audience, level)."""
        if facet == "theme":
            return self.themes
        value = self._coded(facet) if facet in _CODED else None
        return [value] if value else []


class _MetaView(Mapping):
    """Record id -> RecordMeta over the store's columns (what `store.meta` was as a dict of objects)."""

    def __init__(self, store: "RecordStore"):
        self._store = store

    def __getitem__(self, record_id: int) -> RecordMeta:
        return RecordMeta(self._store, self._store._slots[record_id])

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._store._slots

    def __iter__(self) -> Iterator[int]:
        return iter(self._store._slots)

    def __len__(self) -> int:
        return len(self._store._slots)


class RecordStore:
    """SQLite table of indexed records with an in-memory, column-packed mirror of their metadata.

    Per record: a slot in columns (facet values as small codes, year, themes as one code per
    distinct set, external id, event days) and its concept weights as one bytes object; per
    concept: the records tagged with it and their weights as packed arrays. At 100k records that is a few
    tens of MB where one dataclass, list and dict per record (and a dict per concept) took 500.
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / STORE_FILE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._check_columns()
        self._slots: dict[int, int] = {}
        self._free: list[int] = []
        # Per slot. Lists of small ints (one shared object per value) are read faster one record at a
        # time, as the engine's facet tests read them, than numpy arrays.
        self._columns: dict[str, list[int]] = {name: [] for name in _CODED}
        self._codes = {name: _Codes() for name in _CODED}
        self._themeset: list[int] = []
        self._themesets = _Codes()
        self._years: list[int | None] = []
        self._external_ids: list[str | None] = []
        self._starts: list[str | None] = []
        self._ends: list[str | None] = []
        self._concepts: list[bytes] = []
        self._concept_codes = _Codes()
        self._holders: dict[int, tuple[array, array]] = {}  # concept code -> (record ids, weights)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # Facet key ("kind", ..., "year") -> value -> the records holding it: a filter's records by set
        # operations instead of a test of every record.
        self.by_value: dict[str, dict[object, set[int]]] = {key: {} for key in (*FILTER_KEYS, "year")}
        self.meta: Mapping[int, RecordMeta] = _MetaView(self)
        rows = self._db.execute(
            "SELECT id, kind, lang, themes, country, audience, level, external_id, concepts, year, starts_on, ends_on"
            " FROM records"
        )
        while True:
            batch = rows.fetchmany(5000)
            if not batch:
                break
            self._remember([(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], json.loads(r[8]), r[9],
                             r[10], r[11]) for r in batch])

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

    # --- the packed mirror ----------------------------------------------------------------

    def _new_slot(self) -> int:
        if self._free:
            return self._free.pop()
        for column in self._columns.values():
            column.append(0)
        self._themeset.append(0)
        for column in (self._years, self._external_ids, self._starts, self._ends):
            column.append(None)
        self._concepts.append(b"")
        return len(self._themeset) - 1

    @staticmethod
    def _facet_values(meta: RecordMeta) -> Iterator[tuple[str, object]]:
        for key in FILTER_KEYS:
            for value in meta.values(key):
                yield key, value
        if meta.year is not None:
            yield "year", meta.year

    def _concepts_of(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        packed = self._concepts[slot]
        n = len(packed) // 12
        # Weights first (8-byte aligned), then the concept codes.
        return np.frombuffer(packed, dtype=np.int32, count=n, offset=8 * n), np.frombuffer(packed, dtype=np.float64, count=n)

    def _remember(self, rows: list[tuple]) -> None:
        """Put (id, kind, lang, themes, country, audience, level, external_id, concepts, year, starts_on, ends_on)
        rows in the mirror."""
        self._forget([r[0] for r in rows if r[0] in self._slots])
        for rid, kind, lang, themes, country, audience, level, external_id, concepts, year, starts_on, ends_on in rows:
            slot = self._new_slot()
            self._slots[rid] = slot
            for name, value in zip(_CODED, (kind, lang, country, audience, level)):
                self._columns[name][slot] = self._codes[name].code(value)
            self._themeset[slot] = self._themesets.code(tuple(themes))
            self._years[slot] = year
            self._external_ids[slot] = external_id
            self._starts[slot] = starts_on
            self._ends[slot] = ends_on
            codes = np.fromiter((self._concept_codes.code(cid) for cid in concepts), dtype=np.int32, count=len(concepts))
            weights = np.fromiter(concepts.values(), dtype=np.float64, count=len(concepts))
            self._concepts[slot] = weights.tobytes() + codes.tobytes()
            for key, value in self._facet_values(RecordMeta(self, slot)):
                self.by_value[key].setdefault(value, set()).add(rid)
            for code, weight in zip(codes.tolist(), weights.tolist()):
                holders = self._holders.get(code)
                if holders is None:
                    holders = self._holders[code] = (array("q"), array("d"))
                holders[0].append(rid)
                holders[1].append(weight)
                self._postings.pop(self._concept_codes.values[code], None)

    def _forget(self, record_ids: list[int]) -> None:
        leaving: dict[int, list[int]] = {}  # concept code -> record ids that lose it
        for rid in record_ids:
            slot = self._slots.pop(rid, None)
            if slot is None:
                continue
            for key, value in self._facet_values(RecordMeta(self, slot)):
                holders = self.by_value[key].get(value)
                if holders is not None:
                    holders.discard(rid)
                    if not holders:
                        del self.by_value[key][value]
            codes, _ = self._concepts_of(slot)
            for code in codes.tolist():
                leaving.setdefault(code, []).append(rid)
            for column in self._columns.values():
                column[slot] = 0
            self._themeset[slot] = 0
            self._years[slot] = None
            self._external_ids[slot] = None
            self._starts[slot] = self._ends[slot] = None
            self._concepts[slot] = b""
            self._free.append(slot)
        for code, rids in leaving.items():
            ids, weights = self._holders[code]
            held = np.frombuffer(ids, dtype=np.int64)
            keep = ~np.isin(held, np.asarray(rids, dtype=np.int64))
            kept = (array("q", held[keep].tobytes()), array("d", np.frombuffer(weights, dtype=np.float64)[keep].tobytes()))
            del held
            if len(kept[0]):
                self._holders[code] = kept
            else:
                del self._holders[code]
            self._postings.pop(self._concept_codes.values[code], None)

    def postings(self, concept_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(record ids, weights) of the records tagged with a concept, as arrays for fast scoring."""
        cached = self._postings.get(concept_id)
        if cached is None:
            code = self._concept_codes.find(concept_id)
            holders = self._holders.get(code) if code is not None else None
            if holders is None:
                cached = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
            else:
                cached = (np.array(holders[0], dtype=np.int64), np.array(holders[1], dtype=np.float64))
            self._postings[concept_id] = cached
        return cached

    def concept_holders(self, concept_id: str) -> dict[int, float]:
        """Record id -> weight of the records tagged with a concept."""
        ids, weights = self.postings(concept_id)
        return dict(zip(ids.tolist(), weights.tolist()))

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
            self._remember([(d.id, d.kind, d.lang, list(d.themes), d.country, d.audience, d.level, d.external_id,
                             concepts, d.year, d.starts_on, d.ends_on) for d, concepts in docs])

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
            self._forget(list(record_ids))

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
        return len(self._slots)

    def close(self) -> None:
        with self._lock:
            self._db.close()
