"""Reading JSON that others wrote (API bodies, JSON Lines imports, backups): bounded nesting, lines split on \\n only.

`json.loads` recurses once per level of nesting, so a body of 1,000 nested brackets ends in a
RecursionError (a 500, or a traceback in `kb import`); a record is an object of text, numbers
and one list, so anything deeper than MAX_DEPTH is refused with a clear reason before parsing.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

MAX_DEPTH = 32
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonInputError(ValueError):
    """Why a JSON text cannot be read, in one line (with the column where json says so)."""


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def loads(text: str) -> Any:
    """Parse one JSON text, refusing nesting deeper than MAX_DEPTH; raises JsonInputError."""
    # Counting brackets is cheap; the exact depth is only worked out when there are enough of them to matter.
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise JsonInputError(f"nested more than {MAX_DEPTH} levels deep (a record is one object of text, "
                             "numbers and lists)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:  # only reachable with a lower recursion limit than Python's default
        raise JsonInputError(f"nested more than {MAX_DEPTH} levels deep") from exc


def json_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a JSON Lines text, split on \\n only.

    str.splitlines would also split on U+2028, U+2029, U+0085 and other separators that JSON
    allows unescaped inside strings, so a record whose text holds one would fall in two halves.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


def has_lone_surrogate(text: str) -> bool:
    """A \\ud800-\\udfff escape that is not half of a pair decodes to a code point that is not a character."""
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """`text` with lone surrogates spelled as escapes, safe to print, log or encode as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
