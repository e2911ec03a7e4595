"""tantivy keyword backend (compiled): per-language fields of pre-analysed terms, BM25."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Sequence

import tantivy

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

NAME = "tantivy"
# Layout 2: the year and an event's days (RANGE_KEYS) are integer fields.
LAYOUT = 2
# Memory for the writer's in-RAM segment before it flushes: large enough that a bulk build
# makes few segments, small enough beside the encoder and the record store.
WRITER_HEAP_BYTES = 64_000_000
# Text fields hold the project's analysed terms joined by spaces; tantivy only splits them (in Rust,
# much faster than building a token object per term in Python). Positions count kept terms only,
# so a phrase matches across the stop words between its words.
TERMS_TOKENIZER = "kb_terms"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("rid", indexed=True, fast=True)
    for key in FILTER_KEYS:
        builder.add_text_field(key, tokenizer_name="raw", index_option="basic")
    for key in RANGE_KEYS:
        builder.add_integer_field(key, indexed=True, fast=True)
    builder.add_text_field(SPELL_FIELD, tokenizer_name=TERMS_TOKENIZER, index_option="basic")
    for lang in LANGUAGES:
        for part in TEXT_PARTS:
            builder.add_text_field(text_field(part, lang), tokenizer_name=TERMS_TOKENIZER, index_option="position")
    return builder.build()


class TantivyBackend:
    """A tantivy index in one folder; the writer is opened for a batch of changes and let go at commit
    (tantivy allows one writer per folder, and other processes write to the same one)."""

    name = NAME

    def __init__(self, folder: Path):
        folder = Path(folder)
        check_backend_stamp(folder, NAME, LAYOUT)
        folder.mkdir(parents=True, exist_ok=True)
        self._schema = _schema()
        if tantivy.Index.exists(str(folder)):
            self._index = tantivy.Index.open(str(folder))
        else:
            self._index = tantivy.Index(self._schema, path=str(folder), reuse=False)
        # Tokenizers are not saved with the index: every opening registers ours.
        self._index.register_tokenizer(TERMS_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        write_backend_stamp(folder, NAME, LAYOUT)
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._searcher = self._index.searcher()

    # --- upkeep -------------------------------------------------------------------------

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def _rid_query(self, record_id: int) -> tantivy.Query:
        return tantivy.Query.term_query(self._schema, "rid", int(record_id))

    def add(self, docs: Sequence[AnalysedDoc]) -> None:
        with self._lock:
            writer = self._get_writer()
            for analysed in docs:
                doc = analysed.doc
                writer.delete_documents_by_query(self._rid_query(doc.id))
                entry = tantivy.Document()
                entry.add_unsigned("rid", int(doc.id))
                for key, value in (
                    ("kind", doc.kind),
                    ("lang", doc.lang),
                    ("country", doc.country),
                    ("audience", doc.audience),
                    ("level", doc.level),
                ):
                    if value:
                        entry.add_text(key, value)
                for theme in doc.themes or []:
                    entry.add_text("theme", theme)
                for key, number in range_values(doc).items():
                    entry.add_integer(key, number)
                if analysed.spelling:
                    entry.add_text(SPELL_FIELD, " ".join(analysed.spelling))
                for part in TEXT_PARTS:
                    if analysed.terms[part]:
                        entry.add_text(text_field(part, analysed.lang), " ".join(analysed.terms[part]))
                for lang, terms in analysed.other_bodies.items():  # attached files in other languages
                    if terms:
                        entry.add_text(text_field("body", lang), " ".join(terms))
                writer.add_document(entry)

    def delete(self, record_ids: Iterable[int]) -> None:
        with self._lock:
            writer = self._get_writer()
            for rid in record_ids:
                writer.delete_documents_by_query(self._rid_query(rid))

    def commit(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                try:
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    # Merges finish and the folder's writer lock is released before anyone else writes.
                    writer.wait_merging_threads()
            self._index.reload()
            self._searcher = self._index.searcher()

    def count(self) -> int:
        return self._searcher.num_docs

    def close(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.rollback()
                writer.wait_merging_threads()

    # --- search -------------------------------------------------------------------------

    def doc_frequency(self, field: str, term: str) -> int:
        return self._searcher.doc_freq(field, term)

    def _filter(self, filters: Filters | None) -> tantivy.Query | None:
        parts = []
        for key, values in (filters or {}).items():
            if isinstance(values, Range):
                check_range_key(key, values)
                # Both sides open: any value (a record without one is outside every range).
                low = values.low if values.low is not None or values.high is not None else -(2**63)
                parts.append((tantivy.Occur.Must, tantivy.Query.range_query(
                    self._schema, key, tantivy.FieldType.Integer, lower_bound=low, upper_bound=values.high)))
                continue
            values = [str(v) for v in values or [] if v]
            if key in FILTER_KEYS and values:
                parts.append((tantivy.Occur.Must, tantivy.Query.term_set_query(self._schema, key, values)))
        return tantivy.Query.boolean_query(parts) if parts else None

    def _clause(self, clause: Clause) -> tantivy.Query:
        if clause.phrase:
            query = tantivy.Query.phrase_query(self._schema, clause.field, list(clause.terms))
        else:
            query = tantivy.Query.term_query(self._schema, clause.field, clause.terms[0])
        return tantivy.Query.boost_query(query, clause.boost)

    def search(self, clauses: Sequence[Clause], filters: Filters | None, limit: int) -> list[KeywordHit]:
        if not clauses or limit <= 0:
            return []
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, self._clause(c)) for c in clauses])
        wanted = self._filter(filters)
        if wanted is not None:
            # The filter selects; it adds nothing to the score.
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(wanted, 0.0))]
            )
        searcher = self._searcher
        found = searcher.search(query, limit, count=False).hits
        ids = searcher.fast_field_values("rid", [address for _, address in found])
        hits = [KeywordHit(int(rid), float(score)) for (score, _), rid in zip(found, ids, strict=True)]
        hits.sort(key=lambda h: (-h.score, h.id))  # equal scores in a stable order, whatever the segments
        return hits

    def suggest(self, word: str, max_distance: int) -> str | None:
        candidates = self._searcher.terms_with_prefix(SPELL_FIELD, word[:1])
        return closest_word(word, candidates, max_distance)
