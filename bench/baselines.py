"""What hybrid search costs and buys: plain BM25 and plain dense baselines against hybrid, quality and latency.

The shipped corpus is loaded and indexed with `kb init` into a fresh data dir (or --data-dir),
then the development evaluation set (corpus/eval/queries.jsonl, qrels.tsv) runs through the
search library on that index in four configurations:

- BM25 only: keyword mode with concept (thesaurus) expansion switched off;
- dense only: semantic mode (the multilingual encoder and FAISS);
- keyword + concepts: the product's keyword mode;
- hybrid: keyword, dense and concept lists fused by reciprocal rank fusion (the default).

Printed side by side: nDCG@10 overall, same-language and cross-language, Recall@100, MRR@10,
and per-query latency (p50/p95) in the library, without HTTP. Usage:

    python bench/baselines.py [--data-dir DIR] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_runs import ROOT, kb_env, run_kb  # noqa: E402
from report import markdown_table, percentile, print_machine  # noqa: E402
from synthetic import load_seed_records  # noqa: E402

from indexing import EngineSettings, SearchEngine, SearchQuery  # noqa: E402
from indexing.evaluation import evaluate, load_qrels, load_queries  # noqa: E402

EVAL_DIR = ROOT / "corpus" / "eval"
# (label, engine settings, mode): the baselines first, then what the product runs.
CONFIGURATIONS: list[tuple[str, dict[str, Any], str]] = [
    ("BM25 only", {"expansion_weight": 0.0}, "keyword"),
    ("dense only", {}, "semantic"),
    ("keyword + concepts", {}, "keyword"),
    ("hybrid", {}, "hybrid"),
]


def run_configuration(engine: SearchEngine, mode: str, queries: list[dict[str, Any]], qrels: dict[str, dict[str, int]],
                      doc_lang: dict[str, str], rounds: int) -> tuple[dict[str, Any], list[float]]:
    """Score one configuration; returns the evaluation report and every query's latency in seconds."""
    timings: list[float] = []

    def search(query: dict[str, Any]) -> list[str]:
        request = SearchQuery(text=query["text"], mode=mode, per_page=100, ui_lang=query["lang"])
        started = time.perf_counter()
        results = engine.search(request)
        timings.append(time.perf_counter() - started)
        return [hit.external_id for hit in results.hits if hit.external_id]

    report = evaluate(queries, qrels, search, doc_lang)
    for _ in range(rounds - 1):  # more samples for the latency figures; rankings do not change
        for query in queries:
            search(query)
    return report, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a data dir holding the shipped corpus, indexed (default: a fresh one made with `kb init`)")
    parser.add_argument("--queries", type=Path, default=EVAL_DIR / "queries.jsonl")
    parser.add_argument("--qrels", type=Path, default=EVAL_DIR / "qrels.tsv")
    parser.add_argument("--rounds", type=int, default=3, help="times each query runs, for the latency figures")
    args = parser.parse_args(argv)

    print_machine()
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    doc_lang = {record["id"]: record["lang"] for record in load_seed_records()}
    if unknown := sorted({doc for judged in qrels.values() for doc in judged} - set(doc_lang)):
        print(f"warning: {len(unknown)} judged records are not in corpus/, e.g. {', '.join(unknown[:3])}")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kb-bench-baselines-"))
    engines: list[SearchEngine] = []
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not any(data_dir.iterdir()):
            started = time.perf_counter()
            run_kb(kb_env(data_dir), "init")
            print(f"loaded and indexed the corpus in {time.perf_counter() - started:.0f} s")
        thesaurus = ROOT / "corpus" / "thesaurus.jsonl"
        rows = []
        for label, settings, mode in CONFIGURATIONS:
            engine = SearchEngine.open(data_dir / "index", encoder=os.environ.get("KB_EMBEDDING_MODEL") or None,
                                       thesaurus_path=thesaurus if thesaurus.exists() else None,
                                       settings=EngineSettings(**settings))
            engines.append(engine)
            # The first search loads the language detector: not a cost of any one configuration.
            engine.search(SearchQuery(text="warm up", mode=mode))
            report, timings = run_configuration(engine, mode, queries, qrels, doc_lang, args.rounds)
            overall = report["overall"]
            rows.append([label, mode, f"{overall['ndcg@10']:.3f}", f"{report['same_language']['ndcg@10']:.3f}",
                         f"{report['cross_language']['ndcg@10']:.3f}", f"{overall['recall@100']:.3f}",
                         f"{overall['mrr@10']:.3f}", f"{statistics.median(timings) * 1000:.1f}",
                         f"{percentile(timings, 0.95) * 1000:.1f}"])
            print(f"{label}: nDCG@10 {overall['ndcg@10']:.3f} over {overall['queries']} queries", flush=True)
        stats = engines[0].stats()
    finally:
        for engine in engines:
            engine.close()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"\n{stats['records']} records, {stats['passages']} passages; encoder {stats['encoder']} "
          f"(multilingual: {stats['multilingual']}); thesaurus concepts: {stats['concepts']}; "
          f"{len(queries)} queries x {args.rounds} rounds\n")
    print(markdown_table(["configuration", "mode", "nDCG@10", "same-lang nDCG@10", "cross-lang nDCG@10",
                          "Recall@100", "MRR@10", "p50 ms", "p95 ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
