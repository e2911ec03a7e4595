"""Retrieval metrics (nDCG@10, Recall@10/100, MRR@10) and a per-language evaluation report."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable

METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")


def ndcg_at_k(ranking: list[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k with the grade as gain and a log2(rank + 1) discount (as trec_eval's ndcg_cut).

    The ideal ranking orders every judged record with a positive grade by grade.
    """

    def dcg(gains: list[float]) -> float:
        return sum(g / math.log2(i + 2) for i, g in enumerate(gains))

    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    seen: set[str] = set()
    gains = []
    for doc in ranking[:k]:
        gains.append(max(judged.get(doc, 0), 0) if doc not in seen else 0)
        seen.add(doc)
    return dcg(gains) / ideal


def recall_at_k(ranking: list[str], judged: dict[str, int], k: int) -> float:
    """Share of relevant (grade > 0) records found in the first k."""
    relevant = {d for d, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: list[str], judged: dict[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant record within the first k, else 0."""
    for i, doc in enumerate(ranking[:k], start=1):
        if judged.get(doc, 0) > 0:
            return 1.0 / i
    return 0.0


def score_ranking(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(ranking, judged, 10),
        "recall@10": recall_at_k(ranking, judged, 10),
        "recall@100": recall_at_k(ranking, judged, 100),
        "mrr@10": mrr_at_k(ranking, judged, 10),
    }


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    out = {m: (sum(r[m] for r in rows) / len(rows) if rows else 0.0) for m in METRICS}
    out["queries"] = len(rows)
    return out


def evaluate(
    queries: list[dict],
    qrels: dict[str, dict[str, int]],
    run: Callable[[dict], list[str]],
    doc_lang: dict[str, str],
) -> dict:
    """Run every judged query and average the metrics overall, per query language, and over
    same-language vs cross-language relevant records.

    For the split, the same ranking is scored against only the judged records in the query's
    language (resp. in other languages); a query with no relevant record on a side is left out
    of that side's average. Queries without any relevant judgement are skipped.
    """
    overall, same, cross = [], [], []
    by_lang: dict[str, list[dict[str, float]]] = {}
    per_query = {}
    for query in queries:
        judged = qrels.get(query["id"], {})
        if not any(g > 0 for g in judged.values()):
            continue
        ranking = list(run(query))
        scores = score_ranking(ranking, judged)
        per_query[query["id"]] = scores
        overall.append(scores)
        by_lang.setdefault(query["lang"], []).append(scores)
        same_judged = {d: g for d, g in judged.items() if doc_lang.get(d) == query["lang"]}
        cross_judged = {d: g for d, g in judged.items() if doc_lang.get(d) != query["lang"]}
        if any(g > 0 for g in same_judged.values()):
            same.append(score_ranking(ranking, same_judged))
        if any(g > 0 for g in cross_judged.values()):
            cross.append(score_ranking(ranking, cross_judged))
    return {
        "overall": _mean(overall),
        "by_language": {lang: _mean(rows) for lang, rows in sorted(by_lang.items())},
        "same_language": _mean(same),
        "cross_language": _mean(cross),
        "per_query": per_query,
    }


def format_report(report: dict, title: str = "") -> str:
    """A plain-text table: one row per slice, one column per metric."""
    rows = [("overall", report["overall"])]
    rows += [(f"query lang {lang}", scores) for lang, scores in report["by_language"].items()]
    rows += [("same-language", report["same_language"]), ("cross-language", report["cross_language"])]
    header = f"{'slice':<16}{'queries':>8}" + "".join(f"{m:>12}" for m in METRICS)
    lines = [title] if title else []
    lines += [header, "-" * len(header)]
    for name, scores in rows:
        lines.append(f"{name:<16}{scores['queries']:>8}" + "".join(f"{scores[m]:>12.4f}" for m in METRICS))
    return "\n".join(lines)


def load_queries(path: Path | str) -> list[dict]:
    """Queries from JSON Lines: {"id", "lang", "text"} per line."""
    queries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        missing = {"id", "lang", "text"} - set(data)
        if missing:
            raise ValueError(f"{path}:{number}: missing {', '.join(sorted(missing))}")
        queries.append({"id": str(data["id"]), "lang": data["lang"], "text": data["text"]})
    return queries


def load_qrels(path: Path | str) -> dict[str, dict[str, int]]:
    """TREC-style judgements: `query_id 0 doc_external_id grade` per line, whitespace separated."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 4:
            raise ValueError(f"{path}:{number}: expected 4 columns (query_id 0 doc_id grade), got {len(parts)}")
        qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels
