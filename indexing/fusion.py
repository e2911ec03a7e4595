"""Reciprocal rank fusion of ranked result lists (Cormack, Clarke & Buettcher 2009)."""

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
