"""Choosing the intended spelling of a misspelt query word from the words an index holds."""

from __future__ import annotations

from typing import Iterable


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`; limit+1 once past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def closest_word(word: str, candidates: Iterable[tuple[str, int]], max_distance: int) -> str | None:
    """Of (word, record count) candidates, the one fewest edits from `word` (at most `max_distance`),
    then the most frequent, then the first alphabetically; None if none is close enough."""
    best: tuple[int, int, str] | None = None
    for candidate, count in candidates:
        if candidate == word:
            continue
        distance = edit_distance(word, candidate, max_distance)
        if distance > max_distance:
            continue
        key = (distance, -count, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None
