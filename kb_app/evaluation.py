"""`kb eval`: run judged queries through the search service and score every mode."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from indexing import SearchQuery
from indexing.evaluation import evaluate, load_qrels, load_queries

from .models import Record
from .search_service import get_search_service


def run_evaluation(app: Flask, queries_path: Path, qrels_path: Path, modes: list[str], depth: int = 100,
                   overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Score each mode over the judged queries, with the search settings changed by `overrides` for
    this run only; raise ValueError when the judgments name unknown records or a setting is unknown."""
    queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    with app.extensions["kb_sessions"]() as session:
        rows = session.execute(select(Record.id, Record.external_id, Record.lang).where(Record.status == "published")).all()
    ext_of = {row.id: row.external_id for row in rows}
    doc_lang = {row.external_id: row.lang for row in rows}
    unknown = sorted({doc for judged in qrels.values() for doc in judged} - set(doc_lang))
    if unknown:
        raise ValueError(f"{len(unknown)} judged record(s) are not in the catalogue, e.g. {', '.join(unknown[:5])}")
    service = get_search_service(app)
    engine = service.engine
    configured = engine.settings
    engine.settings = configured.tuned(overrides or {})
    try:
        return _score_modes(service, queries, qrels, modes, depth, ext_of, doc_lang)
    finally:
        engine.settings = configured


def _score_modes(service: Any, queries: list[dict], qrels: dict, modes: list[str], depth: int,
                 ext_of: dict[int, str], doc_lang: dict[str, str]) -> dict[str, Any]:
    reports: dict[str, Any] = {}
    for mode in modes:
        def run(query: dict[str, Any], mode: str = mode) -> list[str]:
            results = service.search(SearchQuery(text=query["text"], mode=mode, page=1, per_page=depth,
                                                 ui_lang=query.get("lang")))
            return [ext_of[hit.id] for hit in results.hits if hit.id in ext_of]

        reports[mode] = evaluate(queries, qrels, run, doc_lang)
    return reports
