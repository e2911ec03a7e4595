"""CSV that a spreadsheet opens as text: a cell that would start a formula gets a leading apostrophe, reversibly.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before one) as a formula,
so text a partner typed (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(`) could run on a trainer's computer.
Every CSV the service writes goes through `CsvWriter`; `kb import` undoes the apostrophe with
`unguard_cell`, so an exported file imports back to the same records.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable, Mapping

# What makes a spreadsheet read a cell as a formula (full-width forms too: some convert them on input).
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# Characters a spreadsheet may skip before looking at the first one: spaces, the byte-order mark, zero-width
# and direction marks. "\ufeff=1+1" is as much a formula as "=1+1".
SKIPPED = " \u00a0\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
GUARD = "'"


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (or it is a guarded text already)."""
    rest = text.lstrip(SKIPPED)
    if rest.startswith(GUARD):
        return needs_guard(rest[1:])
    return bool(rest) and rest[0] in FORMULA_STARTS


def guard_cell(value: Any) -> Any:
    """The cell as written to CSV: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and needs_guard(value):
        return GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """The text guard_cell was given (for imports of files we exported)."""
    if value.startswith(GUARD) and needs_guard(value[1:]):
        return value[1:]
    return value


class CsvWriter(csv.DictWriter):
    """csv.DictWriter whose every cell goes through guard_cell."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: guard_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
