"""Reciprocal rank fusion arithmetic."""

import pytest

from indexing import rrf_fuse


def test_scores_are_weighted_reciprocal_ranks():
    fused = dict(rrf_fuse({"a": [(1, 9.0), (2, 5.0)], "b": [(2, 0.9), (3, 0.8)]}, k=60))
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 62)


def test_order_follows_fused_score_and_ignores_raw_scores():
    fused = rrf_fuse({"a": [(1, 1000.0), (2, 0.001)], "b": [(2, 0.5), (1, 0.4)], "c": [(2, 0.1)]})
    assert [doc for doc, _ in fused] == [2, 1]


def test_weights_scale_a_list_and_zero_drops_it():
    fused = dict(rrf_fuse({"a": [(1, 1.0)], "b": [(2, 1.0)]}, k=10, weights={"a": 2.0, "b": 0.0}))
    assert fused == {1: pytest.approx(2 / 11)}


def test_ties_keep_first_seen_order_and_duplicates_count_once():
    fused = rrf_fuse({"a": [(5, 1.0), (5, 0.5), (6, 0.1)], "b": [(6, 1.0), (5, 0.2)]}, k=1)
    assert dict(fused)[5] == pytest.approx(1 / 2 + 1 / 3)
    assert dict(fused)[6] == pytest.approx(1 / 4 + 1 / 2)
    assert [doc for doc, _ in rrf_fuse({"a": [(7, 1.0)], "b": [(8, 1.0)]})] == [7, 8]


def test_empty_input():
    assert rrf_fuse({}) == []
    assert rrf_fuse({"a": []}) == []


def test_concept_expansion_adds_records_only_a_concept_found_and_keeps_the_limit():
    from indexing.fusion import expand_keyword

    keyword = [(1, 12.0), (2, 6.0)]
    concepts = [(3, 4.0), (1, 2.0)]
    expanded = expand_keyword(keyword, concepts, weight=1.0, limit=2)
    assert [rid for rid, _ in expanded] == [1, 3]  # 1: both legs; 3: the concept alone (another language)
    assert expand_keyword(keyword, concepts, weight=0.0, limit=2) == keyword
