"""A user's query text as words and quoted phrases: nothing in it is ever engine syntax."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexing.analyzers import WORD_PATTERN

_PHRASE = re.compile(r'"([^"]*)"')
# Longer queries are cut: past this many words or phrases ranking no longer improves and
# keyword search time grows with every term.
MAX_QUERY_UNITS = 24


@dataclass(frozen=True)
class QueryUnit:
    """A word or quoted phrase of the user's query."""

    text: str
    phrase: bool


def parse_query(text: str) -> list[QueryUnit]:
    """Split a query into quoted phrases and bare words; every other character is just text.

    No backend's query language is involved, so no input can raise a parse error:
    `title:x`, `a*`, `~`, `^`, AND, ( ) are ordinary words or separators.
    """
    text = text or ""
    units: list[QueryUnit] = []
    last = 0
    for match in _PHRASE.finditer(text):
        units.extend(QueryUnit(w, False) for w in WORD_PATTERN.findall(text[last : match.start()]))
        words = WORD_PATTERN.findall(match.group(1))
        if len(words) > 1:
            units.append(QueryUnit(" ".join(words), True))
        else:
            units.extend(QueryUnit(w, False) for w in words)
        last = match.end()
    # An unbalanced quote is ignored rather than treated as a phrase.
    units.extend(QueryUnit(w, False) for w in WORD_PATTERN.findall(text[last:]))
    return units[:MAX_QUERY_UNITS]


def apply_corrections(text: str, fixes: dict[str, str]) -> str:
    """`text` with each word found (lower-cased) in `fixes` replaced by its correction."""
    return WORD_PATTERN.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)
