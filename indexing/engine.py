"""The search engine: orchestrates the keyword, dense and concept legs over the current index generation."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from indexing.analysed import AnalysedDoc, analyse_doc
from indexing.analysis_worker import AnalysisWorker, PartWeights, concept_weights
from indexing.analyzers import LANGUAGES, terms_of
from indexing.backends import (
    DEFAULT_KEYWORD_BACKEND,
    IndexMismatchError,
)
from indexing.backends.base import Filters, Range
from indexing.backends.faiss_dense import PASSAGE_SLOTS
from indexing.concepts import Thesaurus
from indexing.documents import FILTER_KEYS, RANGE_FACETS, IndexDoc, Passage, day_number
from indexing.encoders import Encoder, load_encoder, passages
from indexing.explain import Hit, concept_match, explain_hits, semantic_match
from indexing.fusion import expand_keyword, rrf_fuse
from indexing.generations import (
    Generation,
    ReadWriteLock,
    current_folder,
    new_folder,
    point_to,
    remove_stale_generations,
)
from indexing.keyword_search import KeywordSettings, PlannedQuery
from indexing.language import detect_language
from indexing.query_parsing import parse_query
from indexing.record_store import RecordMeta
from indexing.snippets import make_snippet

MODES = ("hybrid", "semantic", "keyword")
# Orders of a result set: by rank, newest added first, or by year (latest first, records without one last).
SORTS = ("relevance", "newest", "year")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class EngineSettings:
    """Tunable behaviour of the engine; every field has a default that works out of the box."""

    rrf_k: int = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
    keyword_backend: str = DEFAULT_KEYWORD_BACKEND  # see indexing/backends (KB_KEYWORD_BACKEND)
    overfetch: int = 200  # results taken from each leg (inside the filters) before fusion and the floors
    # Leg weights in hybrid mode, tuned on corpus/eval with the bundled multilingual encoder
    # (nDCG@10 plateaus for semantic weights 3-5). The keyword leg mostly finds records in the
    # query's own language, so with equal weights it pushes cross-language results down; the
    # dense and concept legs are language-neutral and carry a query across languages.
    weight_keyword: float = 1.0
    weight_semantic: float = 3.0
    weight_concept: float = 2.0
    # With an English-only encoder the dense leg cannot cross languages: weigh it down further.
    weight_semantic_monolingual: float = 0.25
    # Share of the concept (thesaurus label) match inside the keyword leg; see fusion.expand_keyword.
    expansion_weight: float = 1.0
    keyword: KeywordSettings = field(default_factory=KeywordSettings)
    # The edge of the result set (issue 15). A record is in it when its dense cosine reaches both
    # `dense_min_score` and `dense_relative_floor` x the query's best cosine in the catalogue, or
    # when it carries at least `concept_min_match` of the query's concepts (by idf), or when the
    # keyword leg finds it. In hybrid mode a keyword match of a query of several words also needs a
    # cosine of `keyword_min_score` (and a concept match `concept_min_score`): one shared ordinary
    # word ("Madrid", "risultato") does not make a record an answer to a query the encoder finds
    # unrelated. Keyword mode ("exact words") keeps every keyword match. Tuned with
    # bench/tune_floors.py on corpus/eval.
    # Chosen on 2026-12-07 with the shipped encoder: grade-2 Recall@100 0.950, 95.8% of the
    # out-of-domain probe at total 0, median total 19% of the catalogue (bench/README.md).
    dense_min_score: float = 0.52
    # Semantic mode ("Meaning") ranks by cosine alone, over the records passing its own absolute floor
    # and the shared relative one plus those carrying the query's concepts (see _bounded): the bundled
    # encoder scores many good answers to Arabic queries below 0.5, and their concepts bring them in.
    # 0.50 is the highest floor keeping grade-2 Recall@100 >= 0.95 (0.955; nDCG@10 0.660, OOD at 0
    # 0.917, median total 20% of the catalogue; bench/tune_floors.py, bench/README.md, 2026-12-08).
    # A relative floor of its own did not pay: below 0.7 it widens the set, above it recall drops.
    semantic_min_score: float = 0.50
    dense_relative_floor: float = 0.7
    keyword_min_score: float = 0.47
    concept_min_score: float = 0.0  # 0: a concept match is kept whatever its cosine
    concept_min_match: float = 0.35
    # Intent: in hybrid mode records about a target group the query names rank above generic ones
    # (see _intent_first); the boost is in units of a first rank's fused score.
    target_group_boost: float = 3.0  # see bench/README.md: dev nDCG@10 0.718 -> 0.717, women-focused practices into the top 10
    target_group_max_share: float = 0.5  # a group tagged on more of the catalogue is no intent
    # The boost grows with (tag weight share) ** focus: a record that names the group in its title
    # and summary gains nearly all of it, one that mentions it once in the body almost nothing.
    target_group_focus: float = 3.0
    passage_words: int = 120
    max_passages: int = 64
    # Passages of a record's attached files (after its own text): a long report is searched in its first part.
    max_attached_passages: int = 192
    max_query_chars: int = 1000  # longer queries are cut (ranking does not gain past this)
    batch_size: int = 256  # records per batch when (re)building
    # A build (rebuild, or upsert_batches of this many records) analyses and tags on a worker process
    # beside the index writes from this size on; smaller ones, and single upserts, stay in process
    # (0: never). Starting the worker costs about a second; see bench/README.md (issue 16).
    analysis_process_min_records: int = 2000
    # How much a concept mention counts in the record's title, summary and body.
    concept_title_weight: float = 3.0
    concept_summary_weight: float = 2.0
    concept_body_weight: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    def check(self) -> "EngineSettings":
        """These settings, or ValueError naming the first one out of its range."""
        for name, (low, high) in TUNABLE.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
                raise ValueError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
        return self

    def tuned(self, overrides: dict[str, str]) -> "EngineSettings":
        """A copy with query-time settings changed from text (`kb eval --set semantic=4`):
        the leg names keyword, semantic and concept stand for their weights."""
        values = {}
        for name, text in overrides.items():
            field_name = WEIGHT_NAMES.get(name, name)
            if field_name not in TUNABLE:
                known = ", ".join([*WEIGHT_NAMES, *(n for n in TUNABLE if n not in WEIGHT_NAMES.values())])
                raise ValueError(f"unknown search setting {name!r}; use one of {known}")
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{name}={text!r} is not a number") from None
            values[field_name] = int(number) if isinstance(getattr(self, field_name), int) else number
        return replace(self, **values).check()

    @classmethod
    def from_dict(cls, data: dict) -> "EngineSettings":
        """Settings saved by `to_dict` (names this version does not know are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "keyword"}
        keyword = data.get("keyword") or {}
        keyword_known = {f.name for f in fields(KeywordSettings)}
        keyword_values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in keyword.items() if k in keyword_known}
        return cls(**values, keyword=KeywordSettings(**keyword_values))


# The settings that act at query time (no reindex needed), with their allowed ranges: what
# KB_SEARCH_* and `kb eval --set` may change, and what `EngineSettings.check` enforces.
TUNABLE: dict[str, tuple[float, float]] = {
    "weight_keyword": (0.0, 100.0),
    "weight_semantic": (0.0, 100.0),
    "weight_concept": (0.0, 100.0),
    "rrf_k": (1, 10_000),
    "overfetch": (1, 10_000),
    "expansion_weight": (0.0, 100.0),
    "dense_min_score": (0.0, 1.0),
    "semantic_min_score": (0.0, 1.0),
    "dense_relative_floor": (0.0, 1.0),
    "keyword_min_score": (0.0, 1.0),
    "concept_min_score": (0.0, 1.0),
    "concept_min_match": (0.0, 1.0),
    "target_group_boost": (0.0, 100.0),
    "target_group_focus": (0.0, 100.0),
}
WEIGHT_NAMES = {"keyword": "weight_keyword", "semantic": "weight_semantic", "concept": "weight_concept"}


@dataclass
class SearchQuery:
    """What the user asked for; filters map kind/lang/theme/country/audience/level to values."""

    text: str
    mode: str = "hybrid"
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    ui_lang: str | None = None
    sort: str = "relevance"
    # Only records of these years (inclusive; None: open-ended).
    year_from: int | None = None
    year_to: int | None = None
    # Only events whose days overlap these dates (ISO YYYY-MM-DD, inclusive): other kinds are left out.
    date_from: str | None = None
    date_to: str | None = None


@dataclass
class QueryLegs:
    """What each leg found for one query, before the result set's edge is cut."""

    matches: list  # the thesaurus concepts the query names
    keyword: list[tuple[int, float]] | None  # BM25 hits, best first; None in semantic mode
    concept: list[tuple[int, float, float]]  # (id, score, share of the query's concept weight)
    dense: list[tuple[int, float]]  # the nearest `overfetch` records and their cosine, best first
    best_cosine: float  # the best cosine in the whole catalogue (whatever the filters)
    suggestion: str | None = None
    words: int = 0  # words or quoted phrases the keyword leg searched (stop words left out)
    vector: np.ndarray | None = None  # the query's embedding (None in keyword mode)
    planned: PlannedQuery | None = None  # the keyword leg's clauses (None in semantic mode)
    # The nearest `overfetch` records in the whole catalogue, when the dense leg searched inside filters.
    anywhere: list[tuple[int, float]] | None = None


@dataclass
class SearchResults:
    query_lang: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    concepts: list[dict]
    suggestion: str | None = None


@dataclass
class _Prepared:
    analysed: AnalysedDoc
    concepts: dict[str, float]
    vectors: np.ndarray
    # Dense passage number -> the attached-file passage it embeds (the record's own passages come first).
    attached: list[tuple[int, Passage]] = field(default_factory=list)


def _batched(docs: Iterable[IndexDoc], size: int) -> Iterator[list[IndexDoc]]:
    docs = iter(docs)
    while batch := list(itertools.islice(docs, size)):
        yield batch


class SearchEngine:
    """Hybrid cross-language search over one index folder (see `open`).

    A query runs up to three legs, each over-fetching `overfetch` records within the filters:
    keyword (Whoosh BM25F over the query words, plus the thesaurus concepts the query names,
    matched in each record's own language), semantic (FAISS nearest passages of the query
    embedding) and concept (records tagged with the query's concepts, idf-weighted). Hybrid
    mode fuses the three by weighted reciprocal rank fusion; semantic and keyword modes use
    one leg. The folder holds generations (gen-*/) and a CURRENT pointer file; `rebuild`
    writes a new generation and swaps the pointer with os.replace.
    """

    # Encode a batch on a worker thread while the calling thread analyses it (False: one after the other).
    encode_alongside: bool = True

    def __init__(self, index_dir: Path, encoder: Encoder, thesaurus: Thesaurus, settings: EngineSettings):
        self.index_dir = Path(index_dir)
        self.encoder = encoder
        self.thesaurus = thesaurus
        self.settings = settings
        self._lock = ReadWriteLock()
        self._rebuild_lock = threading.Lock()
        self._journal: list[tuple[str, object]] | None = None
        self._gen: Generation | None = None
        self.needs_rebuild = False
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # --- opening and closing ------------------------------------------------------------

    @classmethod
    def open(
        cls,
        index_dir: Path | str,
        encoder: str | None = None,
        thesaurus_path: Path | str | None = None,
        settings: EngineSettings | None = None,
        on_mismatch: str = "raise",
    ) -> "SearchEngine":
        """Open (or create) the index in `index_dir` for the given encoder and thesaurus.

        An index built with another encoder raises IndexMismatchError; with
        on_mismatch="reset" an empty index is started instead (`needs_rebuild` is then True
        and the caller should `rebuild`).
        """
        thesaurus = Thesaurus.from_jsonl(thesaurus_path) if thesaurus_path else Thesaurus.empty()
        engine = cls(Path(index_dir), load_encoder(encoder), thesaurus, settings or EngineSettings())
        engine.index_dir.mkdir(parents=True, exist_ok=True)
        folder = current_folder(engine.index_dir)
        try:
            if folder is None:
                raise FileNotFoundError
            engine._gen = Generation(folder, engine.encoder, engine.settings, fresh=False)
        except FileNotFoundError:
            engine._gen = engine._start_empty()
        except IndexMismatchError:
            if on_mismatch != "reset":
                raise
            engine._gen = engine._start_empty()
            engine.needs_rebuild = True
        if settings is None and isinstance(engine._gen.info.get("settings"), dict):
            # As txtai does with its config: an index opened without settings uses those it was saved with.
            engine.settings = EngineSettings.from_dict(engine._gen.info["settings"])
        if engine._gen.info.get("thesaurus") not in (None, thesaurus.fingerprint):
            engine._retag()
        return engine

    def _start_empty(self) -> Generation:
        gen = Generation(new_folder(self.index_dir), self.encoder, self.settings, fresh=True)
        gen.info["built_at"] = time.time()
        gen.save(self.thesaurus, self.settings)
        point_to(self.index_dir, gen.folder)
        return gen

    def _retag(self) -> None:
        """Re-tag every record after the thesaurus changed (texts come from the record store)."""
        with self._lock.write():
            docs = list(self._gen.store.documents())
            self._gen.store.put([(doc, self._concept_weights(analyse_doc(doc))) for doc in docs])
            self._gen.save(self.thesaurus, self.settings)

    def reload_if_changed(self) -> bool:
        """Catch up with other processes sharing this folder: switch to the generation another one
        (e.g. `kb reindex`) has made current, or reopen this one when another process saved to it."""
        folder = current_folder(self.index_dir)
        if folder is None:
            return False
        if folder == self._gen.folder and not self._gen.saved_elsewhere():
            return False
        new = Generation(folder, self.encoder, self.settings, fresh=False)
        with self._lock.write():
            old, self._gen = self._gen, new
        old.close()
        return True

    def close(self) -> None:
        with self._lock.write():
            if self._gen is not None:
                self._gen.close()
                self._gen = None
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    # --- upkeep -------------------------------------------------------------------------

    def _part_weights(self) -> PartWeights:
        s = self.settings
        return (s.concept_title_weight, s.concept_summary_weight, s.concept_body_weight)

    def _concept_weights(self, analysed: AnalysedDoc) -> dict[str, float]:
        return concept_weights(self.thesaurus, self._part_weights(), analysed)

    def _attached_passages(self, doc: IndexDoc, first: int) -> list[tuple[int, Passage]]:
        """The record's attached-file texts cut into passages like its body, numbered from `first`."""
        budget = min(self.settings.max_attached_passages, PASSAGE_SLOTS - first)
        numbered: list[tuple[int, Passage]] = []
        for item in doc.passages:
            if len(numbered) >= budget:
                break
            chunks = passages("", "", item.text, self.settings.passage_words, budget - len(numbered))
            for chunk in chunks:
                if chunk.strip():
                    numbered.append((first + len(numbered), Passage(item.source, item.lang, chunk, item.page)))
        return numbered

    def _prepare(self, docs: Sequence[IndexDoc]) -> list[_Prepared]:
        return self._start_prepare(docs, None)()

    def _start_prepare(self, docs: Sequence[IndexDoc], worker: AnalysisWorker | None) -> Callable[[], list[_Prepared]]:
        """Start preparing a batch (encoding on a thread, analysis on `worker` when given); call the result to
        wait for it. Without a worker the analysis runs on the calling thread when the result is called."""
        docs = [self._normalised(d) for d in docs]
        texts, counts, attached = [], [], []
        for doc in docs:
            parts = passages(doc.title, doc.summary, doc.body, self.settings.passage_words, self.settings.max_passages)
            extra = self._attached_passages(doc, len(parts))
            texts.extend(parts)
            texts.extend(p.text for _, p in extra)
            counts.append(len(parts) + len(extra))
            attached.append(extra)
        analysing = worker.submit(docs) if worker is not None else None
        # The tokenizer runs without the GIL: encoding on a second thread while this one analyses and
        # tags uses both cores (bench/README.md, issue 16).
        encoding = None
        vectors_now = None
        if self.encode_alongside and len(docs) > 1:
            encoding = ThreadPoolExecutor(1, thread_name_prefix="kb-encode")
            vectors_later = encoding.submit(self.encoder.encode, texts)
        elif analysing is None:
            vectors_now = self.encoder.encode(texts)

        def finish() -> list[_Prepared]:
            try:
                if analysing is not None:
                    analysed, concepts = worker.result(docs, analysing)
                else:
                    # Each text is analysed once: the keyword backend and the concept tagger share it.
                    analysed = [analyse_doc(doc) for doc in docs]
                    concepts = [self._concept_weights(a) for a in analysed]
                if encoding is not None:
                    vectors = vectors_later.result()
                else:
                    vectors = vectors_now if vectors_now is not None else self.encoder.encode(texts)
            finally:
                if encoding is not None:
                    encoding.shutdown(wait=True)
            prepared, offset = [], 0
            for a, weights, n, extra in zip(analysed, concepts, counts, attached, strict=True):
                prepared.append(_Prepared(a, weights, vectors[offset : offset + n], extra))
                offset += n
            return prepared

        return finish

    def _prepared_batches(self, batches: Iterable[Sequence[IndexDoc]], total: int | None
                          ) -> Iterator[tuple[Sequence[IndexDoc], list[_Prepared]]]:
        """Each batch with its prepared records. For a build of at least `analysis_process_min_records`
        (`total`; None: not known, decided once that many records have come) the analysis and tagging run
        on a worker process, one batch ahead of the caller's writes (bench/README.md, issue 16)."""
        threshold = self.settings.analysis_process_min_records
        batches = iter(batches)
        ahead: list[Sequence[IndexDoc]] = []
        if total is None and threshold > 0:
            seen = 0
            for batch in batches:
                ahead.append(batch)
                seen += len(batch)
                if seen >= threshold:
                    break
            total = seen if seen < threshold else threshold
        use_worker = threshold > 0 and (total or 0) >= threshold
        if not use_worker:
            for batch in itertools.chain(ahead, batches):
                yield batch, self._prepare(batch)
            return
        worker = AnalysisWorker(self.thesaurus, self._part_weights())
        try:
            # One batch is encoded at a time (the encoder's chunk memo is not shared between threads): batch k is
            # finished, k + 1 started (encoding on a thread, analysis on the worker), then k is written.
            pending: tuple[Sequence[IndexDoc], Callable[[], list[_Prepared]]] | None = None
            for batch in itertools.chain(ahead, batches):
                if pending is None:
                    pending = (batch, self._start_prepare(batch, worker))
                    continue
                ready = pending[1]()
                written, pending = pending[0], (batch, self._start_prepare(batch, worker))
                yield written, ready
            if pending is not None:
                yield pending[0], pending[1]()
        finally:
            worker.close()

    @staticmethod
    def _normalised(doc: IndexDoc) -> IndexDoc:
        if doc.lang in LANGUAGES:
            return doc
        lang = detect_language(" ".join((doc.title, doc.summary, doc.body[:1000])))
        return replace(doc, lang=lang)

    @staticmethod
    def _apply(gen: Generation, prepared: list[_Prepared]) -> None:
        gen.dirty = True
        gen.store.put([(p.analysed.doc, p.concepts) for p in prepared])
        gen.store.put_passages({p.analysed.doc.id: p.attached for p in prepared})
        gen.keyword.add([p.analysed for p in prepared])
        for p in prepared:
            gen.dense.add(p.analysed.doc.id, p.vectors)

    def upsert(self, docs: Sequence[IndexDoc], save: bool = True) -> None:
        """Add or replace records; searches see them as soon as this returns.

        With save=False (bulk updates in batches) the keyword index sees them at the next
        `save()`: committing Whoosh and rewriting the FAISS file once per batch costs more
        than indexing the batch as the index grows.
        """
        docs = list(docs)
        if not docs:
            return
        prepared = self._prepare(docs)  # encoding happens outside the lock: searches go on
        with self._lock.write():
            self._apply(self._gen, prepared)
            if save:
                self._gen.save(self.thesaurus, self.settings)
            if self._journal is not None:
                self._journal.append(("upsert", docs))

    def upsert_batches(self, batches: Iterable[Sequence[IndexDoc]], total: int | None = None,
                       done: Callable[[Sequence[IndexDoc]], None] | None = None) -> None:
        """`upsert(batch, save=False)` for each batch, preparing the next one while this one is written
        (on a worker process when `total` records make it pay); `done(batch)` after each; the caller saves."""
        for batch, prepared in self._prepared_batches((list(b) for b in batches if b), total):
            with self._lock.write():
                self._apply(self._gen, prepared)
                if self._journal is not None:
                    self._journal.append(("upsert", batch))
            if done:
                done(batch)

    def delete(self, ids: Iterable[int], save: bool = True) -> None:
        """Remove records from every index; searches stop returning them at once (see `upsert` for save)."""
        ids = [int(i) for i in ids]
        if not ids:
            return
        with self._lock.write():
            self._gen.dirty = True
            self._gen.store.delete(ids)
            self._gen.keyword.delete(ids)
            self._gen.dense.delete(ids)
            if save:
                self._gen.save(self.thesaurus, self.settings)
            if self._journal is not None:
                self._journal.append(("delete", ids))

    def save(self, markers: dict | None = None) -> None:
        """Make sure every change is on disk; `markers` (e.g. the caller's change-log position) are saved with it."""
        with self._lock.write():
            if markers:
                self._gen.info.update(markers)
                self._gen.dirty = True
            if self._gen.dirty:
                self._gen.save(self.thesaurus, self.settings)

    def marker(self, key: str) -> object:
        """A value saved with `save(markers=...)` or `rebuild(markers=...)` in the generation being served."""
        with self._lock.read():
            return self._gen.info.get(key)

    def rebuild(self, docs: Iterable[IndexDoc], progress: Callable[[int], None] | None = None,
                markers: dict | None = None) -> int:
        """Index `docs` into a new folder, then swap it in; returns the number of records.

        Until the swap the current index keeps serving (and takes upserts, which are replayed
        on the new one). If `docs` raises, the new folder is removed and nothing changes.
        """
        with self._rebuild_lock:
            with self._lock.write():
                self._journal = []
            new = Generation(new_folder(self.index_dir), self.encoder, self.settings, fresh=True)
            new.info["built_at"] = time.time()
            new.dense.built_at = new.info["built_at"]
            try:
                count = 0
                for batch, prepared in self._prepared_batches(_batched(docs, self.settings.batch_size), None):
                    self._apply(new, prepared)
                    count += len(batch)
                    if progress:
                        progress(count)
                new.save(self.thesaurus, self.settings)
            except BaseException:
                with self._lock.write():
                    self._journal = None
                new.close()
                shutil.rmtree(new.folder, ignore_errors=True)
                raise
            with self._lock.write():
                for action, payload in self._journal or []:
                    if action == "upsert":
                        self._apply(new, self._prepare(payload))
                    else:
                        new.store.delete(payload)
                        new.keyword.delete(payload)
                        new.dense.delete(payload)
                self._journal = None
                new.info.update(markers or {})
                new.save(self.thesaurus, self.settings)
                point_to(self.index_dir, new.folder)
                old, self._gen = self._gen, new
                self.needs_rebuild = False
            old.close()
            remove_stale_generations(self.index_dir, keep={new.folder.name, old.folder.name})
            return len(new.store)

    # --- reading ------------------------------------------------------------------------

    def ids(self) -> set[int]:
        """Ids of every indexed record (for consistency checks against the database)."""
        with self._lock.read():
            return set(self._gen.store.meta)

    def stats(self) -> dict:
        with self._lock.read():
            gen = self._gen
            return {
                "records": len(gen.store),
                "keyword_records": gen.keyword.count(),
                "dense_records": len(gen.dense),
                "passages": gen.dense.passage_count,
                "encoder": self.encoder.name,
                "encoder_identity": self.encoder.identity,
                "dimension": self.encoder.dimension,
                "multilingual": self.encoder.multilingual,
                "concepts": len(self.thesaurus),
                "built_at": gen.info.get("built_at"),
                "updated_at": gen.info.get("updated_at"),
                "index_folder": str(gen.folder),
                "needs_rebuild": self.needs_rebuild,
            }

    @staticmethod
    def _dated_test(query: SearchQuery) -> Callable[[RecordMeta], bool] | None:
        """The query's event date test (None: no date range)."""
        if query.date_from or query.date_to:
            return lambda meta: meta.overlaps(query.date_from, query.date_to)
        return None

    @staticmethod
    def _ranges(query: SearchQuery) -> dict[str, Range]:
        """The query's year and event date ranges as keyword index filters (the same records as `_passing`'s
        "year" and `_dated`): an event is in a date range when it starts by its end and ends from its start."""
        ranges = {}
        if query.year_from is not None or query.year_to is not None:
            ranges["year"] = Range(query.year_from, query.year_to)
        days = {}
        for name, value in (("date_from", query.date_from), ("date_to", query.date_to)):
            try:
                days[name] = day_number(value) if value else None
            except ValueError:
                raise ValueError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None
        if query.date_from or query.date_to:
            ranges["starts"] = Range(None, days["date_to"])
            ranges["ends"] = Range(days["date_from"], None)
        return ranges

    def _passing(self, filters: dict[str, list[str]], query: SearchQuery) -> dict[str, set[int]]:
        """For each facet the query filters on (and "year" for a year range), the records passing that filter."""
        by_value = self._gen.store.by_value
        passing = {key: set().union(*(by_value[key].get(v, ()) for v in set(values)))
                   for key, values in filters.items() if values}
        if query.year_from is not None or query.year_to is not None:
            low = query.year_from if query.year_from is not None else -10_000
            high = query.year_to if query.year_to is not None else 10_000
            passing["year"] = set().union(*(ids for year, ids in by_value["year"].items() if low <= year <= high))
        return passing

    def _dated(self, dated: Callable[[RecordMeta], bool] | None) -> set[int] | None:
        """The events in the query's date range (None: no date range); only events have dates."""
        if dated is None:
            return None
        meta = self._gen.store.meta
        return {rid for rid in self._gen.store.by_value["kind"].get("event", ()) if dated(meta[rid])}

    @staticmethod
    def _matching(passing: dict[str, set[int]], within: set[int] | None, without: str | None = None) -> set[int] | None:
        """The records passing every filter of `passing` but `without`'s, within the date range `within`
        (None: no restriction)."""
        sets = [ids for key, ids in passing.items() if key != without] + ([within] if within is not None else [])
        return set.intersection(*sets) if sets else None

    def _concept_leg(
        self, concept_ids: list[str], allowed: set[int] | None, exclude: int | None = None, min_match: float = 0.0
    ) -> list[tuple[int, float, float]]:
        """Records tagged with the query's concepts, best first, as (id, score, share): the score
        sums over shared concepts idf(concept) x the record's weight for it (mentions in
        title/summary/body); the share is the part of the query concepts' summed idf the record
        carries (a broad concept alone is a small share of a query that names a rarer one too)."""
        store = self._gen.store
        total = max(len(store), 1)
        ids, scores, idfs = [], [], []
        for concept_id in concept_ids:
            holders, weights = store.postings(concept_id)
            if len(holders):
                idf = math.log(1 + total / len(holders))
                ids.append(holders)
                scores.append(weights * idf)
                idfs.append(np.full(len(holders), idf))
        if not ids:
            return []
        unique, where = np.unique(np.concatenate(ids), return_inverse=True)
        summed = np.bincount(where, weights=np.concatenate(scores))
        share = np.bincount(where, weights=np.concatenate(idfs)) / sum(float(i[0]) for i in idfs)
        keep = share >= min_match - 1e-9
        if allowed is not None:
            keep &= np.isin(unique, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        if exclude is not None:
            keep &= unique != exclude
        unique, summed, share = unique[keep], summed[keep], share[keep]
        # Best first; ties by id so the order is stable.
        order = np.lexsort((unique, -summed))[: self.settings.overfetch]
        return [(int(unique[i]), float(summed[i]), float(share[i])) for i in order]

    def _facets(self, results: list[int], filtered: Iterable[str],
                widened: Callable[[str], Iterable[int]]) -> dict[str, dict[str, int]]:
        """The facet counts shown beside a result set: a value's count is the number of records carrying it in
        the result set the query would have with that value ticked too. A facet the query does not filter on is
        counted over `results` themselves; a filtered facet F (one of `filtered`, "year" for the year range) over
        `widened(F)`, the result set of the same query with every filter but F's (under the same floors, gates
        and over-fetch), joined with `results` so a ticked value never counts fewer records than it shows. An
        unticked value thus says what ticking it would add (disjunctive faceting)."""
        meta = self._gen.store.meta
        keys = (*FILTER_KEYS, *RANGE_FACETS)
        shown = set(results)
        beyond = {key: set(widened(key)) - shown for key in filtered}  # what each filtered facet counts besides
        facets: dict[str, dict[str, int]] = {key: {} for key in keys}
        for rid in shown.union(*beyond.values()):
            record = meta.get(rid)  # read once: a record is a view over the store's columns
            if record is None:
                continue
            for key in keys if rid in shown else [key for key, ids in beyond.items() if rid in ids]:
                counts = facets[key]
                values = ([str(record.year)] if record.year is not None else []) if key == "year" else record.values(key)
                for value in values:
                    counts[value] = counts.get(value, 0) + 1
        # Latest year first, like a timeline; the other facets by count.
        return {key: dict(sorted(counts.items(), key=(lambda kv: -int(kv[0])) if key == "year" else
                                 (lambda kv: (-kv[1], kv[0])))) for key, counts in facets.items()}

    def _check(self, query: SearchQuery) -> dict[str, list[str]]:
        if query.mode not in MODES:
            raise ValueError(f"unknown search mode {query.mode!r}; use one of {', '.join(MODES)}")
        if query.sort not in SORTS:
            raise ValueError(f"unknown sort {query.sort!r}; use one of {', '.join(SORTS)}")
        unknown = set(query.filters or {}) - set(FILTER_KEYS)
        if unknown:
            raise ValueError(f"unknown filter {', '.join(sorted(unknown))}; use {', '.join(FILTER_KEYS)}")
        if query.year_from is not None and query.year_to is not None and query.year_from > query.year_to:
            raise ValueError(f"year_from {query.year_from} is after year_to {query.year_to}")
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise ValueError(f"date_from {query.date_from} is after date_to {query.date_to}")
        return {
            key: [str(v) for v in (values if isinstance(values, (list, tuple, set)) else [values]) if v]
            for key, values in (query.filters or {}).items()
        }

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked, filtered, faceted results with snippets and match explanations."""
        filters = self._check(query)
        ranged: Filters = {**filters, **self._ranges(query)}  # what the keyword index is searched within
        per_page = min(max(int(query.per_page), 1), 100)
        page = max(int(query.page), 1)
        text = _CONTROL.sub(" ", query.text or "")[: self.settings.max_query_chars].strip()
        lang = detect_language(text, query.ui_lang)
        has_content = bool(parse_query(text)) and bool(terms_of(lang, text))
        dated = self._dated_test(query)
        with self._lock.read():
            passing, within = self._passing(filters, query), self._dated(dated)
            allowed = self._matching(passing, within)
            if not has_content:
                return self._browse(lang, passing, within, page, per_page)
            # Every leg searches inside the filters, so a filter on a rare value finds its records however many
            # outside it match the query better; the facets search again without each filter (see _facets).
            legs = self._legs(text, lang, query.mode, ranged, allowed)
            lists, ranked = self._bounded(legs, query.mode)
            matches, concept_list, suggestion = legs.matches, lists.get("concept", []), legs.suggestion
            query_vector = legs.vector
            ranked = [(rid, s) for rid, s in ranked if rid in self._gen.store.meta]

            def widened(key: str) -> list[int]:
                # The query is encoded and planned once; the relative floor keeps the catalogue's best cosine.
                others = {name: values for name, values in ranged.items() if name != key}
                wide = self._legs(text, lang, query.mode, others, self._matching(passing, within, without=key), legs)
                return [rid for rid, _ in self._bounded(wide, query.mode)[1]]

            facets = self._facets([rid for rid, _ in ranked], passing, widened)
            ranked = self._sorted(ranked, query.sort)
            page_ids = ranked[(page - 1) * per_page : page * per_page]
            hits = explain_hits(
                self._gen.store, self._gen.dense, self.thesaurus, self.settings.expansion_weight,
                page_ids, lang, text, matches, lists, concept_list, query_vector,
            )
            return SearchResults(
                query_lang=lang,
                total=len(ranked),
                hits=hits,
                facets=facets,
                concepts=[
                    {
                        "id": m.id,
                        "label": self.thesaurus.label(m.id, lang),
                        "matched": m.text,
                        "labels": {code: self.thesaurus.label(m.id, code) for code in LANGUAGES},
                    }
                    for m in matches
                ],
                suggestion=suggestion,
            )

    def query_legs(self, query: SearchQuery) -> QueryLegs:
        """What each leg finds for a query before the result set's edge is cut (for tuning it)."""
        filters = self._check(query)
        ranged: Filters = {**filters, **self._ranges(query)}
        text = _CONTROL.sub(" ", query.text or "")[: self.settings.max_query_chars].strip()
        with self._lock.read():
            allowed = self._matching(self._passing(filters, query), self._dated(self._dated_test(query)))
            return self._legs(text, detect_language(text, query.ui_lang), query.mode, ranged, allowed)

    def bounded(self, legs: QueryLegs, mode: str) -> list[tuple[int, float]]:
        """The result set of `legs` under the current settings, in rank order."""
        return self._bounded(legs, mode)[1]

    def _legs(self, text: str, lang: str, mode: str, filters: Filters, allowed: set[int] | None,
              again: QueryLegs | None = None) -> QueryLegs:
        """Each leg searched within `filters` (the facet values and the year and date ranges, see `_ranges`)
        and `allowed` (the records passing them; None: all): the keyword index takes `filters`, the others
        `allowed`, so each leg's over-fetch is taken inside them. Searching `again` a query whose legs are known
        reuses its concepts, embedding, best cosine and keyword clauses: only the searches are run again."""
        matches = again.matches if again else self.thesaurus.detect(text, lang)
        # The dense leg (torch and FAISS release the GIL) runs beside the keyword leg
        # (pure-Python Whoosh), so a hybrid query costs about the slower of the two.
        dense = self._dense_pool().submit(self._dense_leg, text, allowed, again) if mode != "keyword" else None
        keyword, suggestion, planned = None, None, None
        if mode in ("hybrid", "keyword"):
            planned = again.planned if again and again.planned else PlannedQuery(
                self._gen.keyword, text, lang, self.settings.keyword)
            found = planned.search(self.settings.overfetch, filters)
            keyword = [(h.id, h.score) for h in found.hits]
            suggestion = found.suggestion
        # Computed in every mode: semantic and keyword hits are explained with it too.
        concept = self._concept_leg([m.id for m in matches], allowed, min_match=self.settings.concept_min_match)
        raw, best, vector, anywhere = dense.result() if dense is not None else ([], 0.0, None, None)
        words = sum(1 for unit in parse_query(suggestion or text) if unit.phrase or terms_of(lang, unit.text))
        return QueryLegs(matches, keyword, concept, raw, best, suggestion, words, vector, planned, anywhere)

    def _bounded(self, legs: QueryLegs, mode: str) -> tuple[dict[str, list[tuple[int, float]]], list[tuple[int, float]]]:
        """The legs cut at the result set's edge (see EngineSettings), and the set in rank order."""
        s = self.settings
        # "Exact words" (keyword mode) keeps every record holding a query word: the cosine gates
        # apply where the meaning counts too (hybrid).
        gated = mode == "hybrid"
        concept_gate = self._gate(legs.dense, s.concept_min_score if gated else 0.0)
        concept = [
            (rid, score) for rid, score, share in legs.concept if share >= s.concept_min_match - 1e-9 and concept_gate(rid)
        ][: s.overfetch]
        lists: dict[str, list[tuple[int, float]]] = {}
        if legs.keyword is not None:
            # A hit for a one-word (or one-phrase) query holds all of it: no gate.
            keyword_gate = self._gate(legs.dense, s.keyword_min_score if gated and legs.words > 1 else 0.0)
            lists["keyword"] = expand_keyword([(rid, sc) for rid, sc in legs.keyword if keyword_gate(rid)], concept,
                                              self.settings.expansion_weight, self.settings.overfetch)
        if mode in ("hybrid", "semantic"):
            absolute = s.dense_min_score if mode == "hybrid" else s.semantic_min_score
            floor = max(absolute, s.dense_relative_floor * legs.best_cosine)
            lists["semantic"] = [(rid, score) for rid, score in legs.dense if score >= floor]
            if mode == "semantic":
                # A record carrying the query's concepts is in the set whatever its cosine (the set's
                # definition, issue 15), still ranked by meaning: by its cosine, those without one last.
                kept = {rid for rid, _ in lists["semantic"]}
                cosine = dict(legs.dense)
                extra = [(rid, cosine.get(rid, 0.0)) for rid, _ in concept if rid not in kept]
                lists["semantic"] = sorted(lists["semantic"] + extra, key=lambda item: -item[1])
        lists["concept"] = concept  # in hybrid mode a leg of its own; in the others it explains the hits
        return lists, self._ranked(lists, mode, legs.matches)

    def _ranked(self, lists: dict[str, list[tuple[int, float]]], mode: str, matches: list) -> list[tuple[int, float]]:
        """The records of the cut legs in rank order: fused (hybrid) or the mode's one leg."""
        if mode == "hybrid":
            return self._intent_first(rrf_fuse(lists, self.settings.rrf_k, self._weights()), matches)
        return list(lists["keyword" if mode == "keyword" else "semantic"])

    def _intent_first(self, ranked: list[tuple[int, float]], matches: list) -> list[tuple[int, float]]:
        """Hybrid ranking with the query's target groups first: a record tagged with a target-group
        concept the query names ("donne", "Migrantinnen", "للنساء") gains up to
        `target_group_boost` x a first rank's fused score, in proportion to how much it is about
        that group (its tag weight: title and summary mentions count most). A group that most of
        the catalogue is tagged with ("migrants") says nothing about intent and is left out."""
        s = self.settings
        store = self._gen.store
        boosts: dict[int, float] = {}
        for concept_id in dict.fromkeys(m.id for m in matches):
            concept = self.thesaurus.concepts.get(concept_id)
            if concept is None or concept.group != "target_group" or s.target_group_boost <= 0:
                continue
            holders = store.concept_holders(concept_id)
            if not holders or len(holders) > s.target_group_max_share * len(store):
                continue
            top = max(holders.values())
            for rid, weight in holders.items():
                share = ((weight - 1.0) / (top - 1.0) if top > 1.0 else 1.0) ** s.target_group_focus
                boosts[rid] = boosts.get(rid, 0.0) + s.target_group_boost * share / (s.rrf_k + 1)
        if not boosts:
            return ranked
        boosted = [(rid, score + boosts.get(rid, 0.0)) for rid, score in ranked]
        return sorted(boosted, key=lambda item: -item[1])  # stable: ties keep the fused order

    def _sorted(self, ranked: list[tuple[int, float]], sort: str) -> list[tuple[int, float]]:
        """The result set in the order asked for; ties keep their rank (the sorts are stable)."""
        if sort == "newest":
            return sorted(ranked, key=lambda item: -item[0])
        if sort == "year":
            meta = self._gen.store.meta
            return sorted(ranked, key=lambda item: -(meta[item[0]].year or -10_000))
        return ranked

    def _dense_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kb-dense")
            return self._pool

    def _dense_leg(self, text: str, allowed: set[int] | None, again: QueryLegs | None) -> tuple[
            list[tuple[int, float]], float, np.ndarray, list[tuple[int, float]] | None]:
        """The nearest `overfetch` records (before any floor), the best cosine in the whole
        catalogue (the relative floor is taken from it, so a filter narrows the result set and
        never lets more records in), the query vector (to tell which passage of a hit matched) and,
        when `allowed` restricts the search, the nearest records in the whole catalogue. A search
        `again` reuses the vector, the best cosine and those nearest records."""
        k = self.settings.overfetch
        vector = again.vector if again else self.encoder.encode([text])[0]
        anywhere = again.anywhere if again else None
        found = anywhere if allowed is None and anywhere is not None else self._gen.dense.search(vector, k, allowed)
        if again:
            return found, again.best_cosine, vector, anywhere
        best = found[0][1] if found else 0.0
        if allowed is not None and self.settings.dense_relative_floor > 0:
            anywhere = self._gen.dense.search(vector, k)
            best = max([best] + [score for _, score in anywhere[:1]])
        return found, best, vector, anywhere

    def _gate(self, raw: list[tuple[int, float]], floor: float) -> Callable[[int], bool]:
        """Whether a keyword or concept match keeps its place in the result set: its cosine is not
        below `floor`. A record past the over-fetch scored no more than the last one fetched, so
        it is kept only when that one passed (no second search)."""
        if floor <= 0:
            return lambda rid: True
        cosine = dict(raw)
        beyond = len(raw) >= self.settings.overfetch and raw[-1][1] >= floor
        return lambda rid: cosine[rid] >= floor if rid in cosine else beyond

    def _weights(self) -> dict[str, float]:
        s = self.settings
        semantic = s.weight_semantic if self.encoder.multilingual else s.weight_semantic_monolingual
        return {"keyword": s.weight_keyword, "semantic": semantic, "concept": s.weight_concept}

    def _browse(self, lang: str, passing: dict[str, set[int]], within: set[int] | None,
                page: int, per_page: int) -> SearchResults:
        """An empty query lists the records matching the filters, newest id first."""
        store = self._gen.store.meta
        allowed = self._matching(passing, within)
        if allowed is None:
            return SearchResults(lang, 0, [], self._facets([], (), lambda key: ()), [], None)

        def widened(key: str) -> Iterable[int]:
            wide = self._matching(passing, within, without=key)
            return store if wide is None else wide

        ordered = sorted((rid for rid in allowed if rid in store), reverse=True)
        facets = self._facets(ordered, passing, widened)
        page_ids = ordered[(page - 1) * per_page : page * per_page]
        texts = self._gen.store.texts(page_ids)
        hits = []
        for rid in page_ids:
            meta = self._gen.store.meta[rid]
            title, summary, body = texts.get(rid, ("", "", ""))
            snippet = make_snippet(meta.lang, title, summary, body, set())
            hits.append(
                Hit(
                    rid, 0.0, snippet, {"keyword": None, "semantic": None, "concept": None}, meta.lang, meta.external_id
                )
            )
        return SearchResults(lang, len(ordered), hits, facets, [], None)

    def key_terms(self, doc_id: int, lang: str, limit: int = 8) -> list[str]:
        """The labels in `lang` of the record's heaviest concepts (those with a label in `lang`), heaviest first."""
        with self._lock.read():
            meta = self._gen.store.meta.get(doc_id)
            if meta is None:
                return []
            labels: list[str] = []
            for concept_id, _ in sorted(meta.concepts.items(), key=lambda item: (-item[1], item[0])):
                own = self.thesaurus.labels(concept_id, lang)
                if own and own[0] not in labels:
                    labels.append(own[0])
                if len(labels) >= limit:
                    break
            return labels

    def related(self, doc_id: int, k: int = 10) -> list[Hit]:
        """Records like this one in any language: nearest passages plus shared concepts."""
        with self._lock.read():
            meta = self._gen.store.meta.get(doc_id)
            if meta is None:
                return []
            lists: dict[str, list[tuple[int, float]]] = {}
            vectors = self._gen.dense.vectors(doc_id)
            if len(vectors):
                centre = vectors.mean(axis=0)
                norm = np.linalg.norm(centre)
                if norm > 0:
                    found = self._gen.dense.search(centre / norm, self.settings.overfetch + 1)
                    lists["semantic"] = [(rid, s) for rid, s in found if rid != doc_id]
            concept_ids = sorted(meta.concepts)
            concept = self._concept_leg(concept_ids, None, exclude=doc_id)
            lists["concept"] = [(rid, score) for rid, score, _ in concept]
            ranked = rrf_fuse(
                lists,
                self.settings.rrf_k,
                {"semantic": self._weights()["semantic"], "concept": self.settings.weight_concept},
            )
            ranked = [(rid, s) for rid, s in ranked if rid in self._gen.store.meta][:k]
            ranks = {name: {rid: (r, s) for r, (rid, s) in enumerate(items, start=1)} for name, items in lists.items()}
            texts = self._gen.store.texts([rid for rid, _ in ranked])
            hits = []
            for rid, score in ranked:
                other = self._gen.store.meta[rid]
                matched_by: dict = {"keyword": None, "semantic": None, "concept": None}
                if rid in ranks.get("semantic", {}):
                    matched_by["semantic"] = semantic_match(*ranks["semantic"][rid])
                shared = [cid for cid in concept_ids if cid in other.concepts]
                if shared and rid in ranks["concept"]:
                    matched_by["concept"] = concept_match(
                        self.thesaurus, shared, ranks["concept"][rid][0], meta.lang, other.lang
                    )
                title, summary, body = texts.get(rid, ("", "", ""))
                hits.append(
                    Hit(
                        rid,
                        float(score),
                        make_snippet(other.lang, title, summary, body, set()),
                        matched_by,
                        other.lang,
                        other.external_id,
                    )
                )
            return hits
