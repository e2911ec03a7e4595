"""Whoosh keyword backend (pure Python): per-language fields of pre-analysed terms, BM25F."""

from __future__ import annotations

import random as _random
import threading
from pathlib import Path
from typing import Iterable, Sequence

from whoosh import fields as wf
from whoosh import index as wi
from whoosh import query as wq
from whoosh import util as whoosh_util
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.scoring import BM25F

from indexing.analysed import AnalysedDoc
from indexing.analyzers import LANGUAGES
from indexing.backends.base import (
    SPELL_FIELD,
    TEXT_PARTS,
    Clause,
    Filters,
    KeywordHit,
    Range,
    check_backend_stamp,
    check_range_key,
    text_field,
    write_backend_stamp,
)
from indexing.documents import FILTER_KEYS, RANGE_KEYS, range_values
from indexing.spelling import closest_word

NAME = "whoosh"
# Layout 1: fields hold the project's analysed terms separated by spaces (no Whoosh analysis).
# Layout 2: the year and an event's days (RANGE_KEYS) are numeric fields.
LAYOUT = 2

# Whoosh names its segment and temp files with the global `random` module. Anything that seeds that
# module (Hypothesis does, per example) makes names repeat and segments clobber each other, so Whoosh
# gets a generator of its own.
whoosh_util.random = _random.SystemRandom()


def _schema() -> wf.Schema:
    terms = SpaceSeparatedTokenizer()
    schema = wf.Schema(
        rid=wf.ID(stored=True, unique=True),
        kind=wf.ID,
        lang=wf.ID,
        theme=wf.KEYWORD(lowercase=False, commas=False),
        country=wf.ID,
        audience=wf.ID,
        level=wf.ID,
    )
    for key in RANGE_KEYS:
        schema.add(key, wf.NUMERIC(numtype=int, bits=32, signed=True))
    schema.add(SPELL_FIELD, wf.TEXT(analyzer=terms, phrase=False))
    for lang in LANGUAGES:
        for part in TEXT_PARTS:
            schema.add(text_field(part, lang), wf.TEXT(analyzer=terms, phrase=True))
    return schema


class WhooshBackend:
    """A Whoosh index in one folder; searches are serialised (Whoosh is pure Python anyway)."""

    name = NAME

    def __init__(self, folder: Path):
        folder = Path(folder)
        check_backend_stamp(folder, NAME, LAYOUT)
        folder.mkdir(parents=True, exist_ok=True)
        if wi.exists_in(str(folder)):
            self._ix = wi.open_dir(str(folder), schema=_schema())
        else:
            self._ix = wi.create_in(str(folder), _schema())
        write_backend_stamp(folder, NAME, LAYOUT)
        self._lock = threading.RLock()
        self._searcher = self._ix.searcher(weighting=BM25F())
        self._record_ids: dict[int, int] = {}
        self._writer = None

    # --- upkeep -------------------------------------------------------------------------

    def _get_writer(self):
        if self._writer is None:
            self._writer = self._ix.writer(limitmb=128)
        return self._writer

    def add(self, docs: Sequence[AnalysedDoc]) -> None:
        writer = self._get_writer()
        for analysed in docs:
            doc = analysed.doc
            values = {
                "rid": str(doc.id),
                "kind": doc.kind or "",
                "lang": doc.lang or "",
                "theme": " ".join(doc.themes or []),
                "country": doc.country or "",
                "audience": doc.audience or "",
                "level": doc.level or "",
                SPELL_FIELD: " ".join(analysed.spelling),
                **range_values(doc),
            }
            for part in TEXT_PARTS:
                values[text_field(part, analysed.lang)] = " ".join(analysed.terms[part])
            for lang, terms in analysed.other_bodies.items():  # attached files in other languages
                values[text_field("body", lang)] = " ".join(terms)
            writer.update_document(**{k: v for k, v in values.items() if v})

    def delete(self, record_ids: Iterable[int]) -> None:
        writer = self._get_writer()
        for rid in record_ids:
            writer.delete_by_term("rid", str(rid))

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                try:
                    writer.commit()
                except BaseException:
                    # A failed commit must not poison every later write: drop the writer (and its lock).
                    try:
                        writer.cancel()
                    except Exception:  # noqa: BLE001 - the original error is the one to report
                        pass
                    raise
            # A new searcher rather than refresh(): refreshing from an empty index fails in Whoosh.
            if self._ix.latest_generation() != self._searcher.reader().generation():
                old, self._searcher = self._searcher, self._ix.searcher(weighting=BM25F())
                self._record_ids = {}
                old.close()

    def count(self) -> int:
        with self._lock:
            return self._searcher.doc_count()

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.cancel()
                self._writer = None
            self._searcher.close()
            self._ix.close()

    # --- search -------------------------------------------------------------------------

    def doc_frequency(self, field: str, term: str) -> int:
        with self._lock:
            return self._searcher.reader().doc_frequency(field, term)

    @staticmethod
    def _filter(filters: Filters | None):
        parts = []
        for key, values in (filters or {}).items():
            if isinstance(values, Range):
                check_range_key(key, values)
                # Both sides open: any value (a record without one is outside every range).
                parts.append(wq.NumericRange(key, values.low, values.high)
                             if values.low is not None or values.high is not None else wq.Every(key))
                continue
            values = [v for v in values or [] if v]
            if key in FILTER_KEYS and values:
                parts.append(wq.Or([wq.Term(key, str(v)) for v in values]))
        return wq.And(parts) if parts else None

    def search(self, clauses: Sequence[Clause], filters: Filters | None, limit: int) -> list[KeywordHit]:
        if not clauses:
            return []
        query = wq.Or(
            [
                wq.Phrase(c.field, list(c.terms), boost=c.boost) if c.phrase else wq.Term(c.field, c.terms[0], boost=c.boost)
                for c in clauses
            ]
        )
        with self._lock:
            results = self._searcher.search(query, limit=limit, filter=self._filter(filters))
            hits = []
            for score, docnum in results.top_n:
                # Reading the stored record id unpickles a block each time; the mapping is fixed
                # for a searcher, so it is remembered until the next commit.
                rid = self._record_ids.get(docnum)
                if rid is None:
                    rid = self._record_ids[docnum] = int(self._searcher.stored_fields(docnum)["rid"])
                hits.append(KeywordHit(rid, float(score)))
        return hits

    def suggest(self, word: str, max_distance: int) -> str | None:
        with self._lock:
            reader = self._searcher.reader()
            candidates = [
                (term.decode("utf-8") if isinstance(term, bytes) else term, info.doc_frequency())
                for term, info in reader.iter_prefix(SPELL_FIELD, word[:1])
            ]
        return closest_word(word, candidates, max_distance)
