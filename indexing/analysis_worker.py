"""A build's per-record analysis and concept tagging, optionally on a worker process beside the index writes."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

from indexing.analysed import AnalysedDoc, analyse_doc
from indexing.concepts import Thesaurus
from indexing.documents import IndexDoc

# How much a concept mention counts in a record's (title, summary, body); see EngineSettings.
PartWeights = tuple[float, float, float]
# What the worker sends back per record: its language, terms per part, spelling words, other-language bodies
# and concept weights (plain lists and dicts: pickling them costs less than analysing the text again).
AnalysedRow = tuple[str, dict[str, list[str]], list[str], dict[str, list[str]], dict[str, float]]


class AnalysisWorkerError(RuntimeError):
    """The analysis worker process failed or died; the build stops and the previous index stays."""


def concept_weights(thesaurus: Thesaurus, weights: PartWeights, analysed: AnalysedDoc) -> dict[str, float]:
    """The record's concepts, each weighted by where and how often it is mentioned."""
    weighted: dict[str, float] = {}
    for part, weight in zip(("title", "summary", "body"), weights):
        for concept_id, count in thesaurus.tag_terms(analysed.terms[part], analysed.lang).items():
            weighted[concept_id] = weighted.get(concept_id, 0.0) + weight * count
    # Attached files in other languages count like the body, each tagged in its own language.
    for lang, terms in analysed.other_bodies.items():
        for concept_id, count in thesaurus.tag_terms(terms, lang).items():
            weighted[concept_id] = weighted.get(concept_id, 0.0) + weights[2] * count
    # Diminishing returns: the tenth mention says less than the first.
    return {cid: round(1.0 + math.log1p(w), 4) for cid, w in weighted.items()}


_worker_thesaurus: Thesaurus | None = None
_worker_weights: PartWeights = (1.0, 1.0, 1.0)


def _start_worker(thesaurus: Thesaurus, weights: PartWeights) -> None:
    global _worker_thesaurus, _worker_weights
    _worker_thesaurus, _worker_weights = thesaurus, weights


def _analyse_rows(docs: Sequence[IndexDoc]) -> list[AnalysedRow]:
    rows = []
    for doc in docs:
        a = analyse_doc(doc)
        rows.append((a.lang, a.terms, a.spelling, a.other_bodies, concept_weights(_worker_thesaurus, _worker_weights, a)))
    return rows


class AnalysisWorker:
    """One worker process for a build, started once with the thesaurus; `submit` a batch, `result` it later."""

    def __init__(self, thesaurus: Thesaurus, weights: PartWeights):
        # spawn, not fork: a server forking while its request and encoder threads hold locks could hang the child.
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start_worker, initargs=(thesaurus, weights))

    def submit(self, docs: Sequence[IndexDoc]) -> Future:
        try:
            return self._pool.submit(_analyse_rows, list(docs))
        except BrokenProcessPool as exc:
            raise AnalysisWorkerError(f"the index build's analysis worker process died: {exc}") from exc

    @staticmethod
    def result(docs: Sequence[IndexDoc], future: Future) -> tuple[list[AnalysedDoc], list[dict[str, float]]]:
        """The batch's analysed records and concept weights, in the order of `docs`."""
        try:
            rows = future.result()
        except BrokenProcessPool as exc:
            raise AnalysisWorkerError(f"the index build's analysis worker process died: {exc}") from exc
        except Exception as exc:
            raise AnalysisWorkerError(f"the index build's analysis worker process failed: {exc!r}") from exc
        analysed = [AnalysedDoc(doc, lang, terms, spelling, other)
                    for doc, (lang, terms, spelling, other, _) in zip(docs, rows, strict=True)]
        return analysed, [row[4] for row in rows]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
