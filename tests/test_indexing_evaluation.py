"""Retrieval metrics on hand-computed examples, the per-language report and the file loaders."""

import math

import pytest

from indexing.evaluation import (
    evaluate,
    format_report,
    load_qrels,
    load_queries,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
)


def test_ndcg_uses_grades_as_gains_and_log2_discount():
    judged = {"a": 3, "b": 2, "c": 1, "z": 0}
    # ranking b, x, a: DCG = 2/log2(2) + 0 + 3/log2(4) = 2 + 1.5; ideal a,b,c = 3 + 2/log2(3) + 1/2
    expected = (2 + 1.5) / (3 + 2 / math.log2(3) + 0.5)
    assert ndcg_at_k(["b", "x", "a"], judged) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b", "c"], judged) == pytest.approx(1.0)
    assert ndcg_at_k(["z", "x"], judged) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0


def test_ndcg_only_counts_the_first_ten():
    assert ndcg_at_k([f"x{i}" for i in range(10)] + ["a"], {"a": 1}) == 0.0


def test_recall_and_mrr():
    judged = {"a": 1, "b": 2, "c": 0}
    ranking = ["c", "x", "b"] + [f"y{i}" for i in range(20)] + ["a"]
    assert recall_at_k(ranking, judged, 10) == pytest.approx(0.5)
    assert recall_at_k(ranking, judged, 100) == pytest.approx(1.0)
    assert mrr_at_k(ranking, judged) == pytest.approx(1 / 3)
    assert mrr_at_k(["x"] * 10 + ["a"], judged) == 0.0


def test_evaluate_splits_by_query_language_and_by_record_language():
    queries = [
        {"id": "q1", "lang": "it", "text": "uno"},
        {"id": "q2", "lang": "en", "text": "two"},
        {"id": "q3", "lang": "en", "text": "no judgements"},
    ]
    qrels = {"q1": {"it-1": 1, "es-1": 1}, "q2": {"en-1": 2}}
    doc_lang = {"it-1": "it", "es-1": "es", "en-1": "en"}
    runs = {"q1": ["es-1", "it-1"], "q2": ["x", "en-1"], "q3": []}
    report = evaluate(queries, qrels, lambda q: runs[q["id"]], doc_lang)
    assert report["overall"]["queries"] == 2
    assert report["by_language"]["it"]["mrr@10"] == 1.0
    assert report["by_language"]["en"]["mrr@10"] == 0.5
    # q1 against only its Italian record: found at rank 2; against only the Spanish one: rank 1.
    assert report["same_language"]["queries"] == 2
    assert report["same_language"]["mrr@10"] == pytest.approx((0.5 + 0.5) / 2)
    assert report["cross_language"]["queries"] == 1
    assert report["cross_language"]["ndcg@10"] == 1.0
    table = format_report(report, "hybrid")
    assert "cross-language" in table and "ndcg@10" in table and table.startswith("hybrid")


def test_loaders_read_jsonl_queries_and_trec_qrels(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "lang": "it", "text": "microcredito"}\n\n', encoding="utf-8")
    qrels = tmp_path / "r.tsv"
    qrels.write_text("q1\t0\tpr-es-001\t2\nq1 0 pr-de-004 1\n", encoding="utf-8")
    assert load_queries(queries) == [{"id": "q1", "lang": "it", "text": "microcredito"}]
    assert load_qrels(qrels) == {"q1": {"pr-es-001": 2, "pr-de-004": 1}}
    qrels.write_text("q1 pr-es-001 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="4 columns"):
        load_qrels(qrels)
