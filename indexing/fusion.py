"""Fusing ranked result lists: reciprocal rank fusion (Cormack, Clarke & Buettcher 2009) and concept expansion."""

from __future__ import annotations


def rrf_fuse(
    ranked_lists: dict[str, list[tuple[int, float]]],
    k: int = 60,
    weights: dict[str, float] | None = None,
) -> list[tuple[int, float]]:
    """Fuse lists of (id, score), each best first, into one list of (id, fused score).

    A record at 1-based rank r in list L earns weights[L] / (k + r); missing weights are 1.
    Only ranks matter, so legs with incomparable score scales fuse fairly. Ties keep the
    order in which records were first seen (earlier lists first), so the output is stable.
    """
    fused: dict[int, float] = {}
    for name, ranked in ranked_lists.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        if weight == 0:
            continue
        seen: set[int] = set()
        for rank, (doc_id, _score) in enumerate(ranked, start=1):
            if doc_id in seen:  # a record counts once per list, at its best rank
                continue
            seen.add(doc_id)
            fused[doc_id] = fused.get(doc_id, 0.0) + weight / (k + rank)
    order = {doc_id: i for i, doc_id in enumerate(fused)}
    return sorted(fused.items(), key=lambda item: (-item[1], order[item[0]]))


def expand_keyword(
    keyword: list[tuple[int, float]], concepts: list[tuple[int, float]], weight: float, limit: int
) -> list[tuple[int, float]]:
    """The keyword leg with concept expansion: BM25 over the query words plus, scaled by
    `weight`, the match of the query's concepts' labels in each record's own language (the
    concept tags), each normalised by its best score; the best `limit`.

    This is what lets a keyword search cross languages: an Italian "fondo di garanzia"
    also finds the German record that says "Bürgschaftsfonds".
    """
    if not concepts or weight <= 0:
        return keyword
    top_keyword = max((score for _, score in keyword), default=0.0) or 1.0
    top_concept = max(score for _, score in concepts) or 1.0
    combined = {rid: score / top_keyword for rid, score in keyword}
    for rid, score in concepts:
        combined[rid] = combined.get(rid, 0.0) + weight * score / top_concept
    ranked = sorted(combined.items(), key=lambda item: -item[1])
    return ranked[:limit]
