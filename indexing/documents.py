"""The record shape the search library indexes, whatever its source (form, JSONL, API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The version of what an index holds of each record: the text it is given (kb_app.search_service.record_to_doc,
# with the fields kb_app/kinds.py declares indexed) and how that text is analysed (indexing/analyzers.py:
# stemmers, stop lists, accent folding, Arabic normalisation). Bump it with any change to either: an index
# saved with another version is rebuilt from the database at start, as one from another encoder is.
# tests/test_indexing_analysis.py keeps each version's analysis fingerprint and fails when the analysis
# changes (a PyStemmer upgrade too) without a bump.
# 1: indexes saved before the version was (Whoosh's Snowball ports; some without an event's programme, 50e6f57).
# 2: PyStemmer's Snowball stemmers. 3: a stem keeps at least three letters (analyzers.MIN_STEM_LETTERS).
# 4: the keyword index holds each record's year and an event's days (RANGE_KEYS), so ranges filter inside it.
INDEXED_TEXT_VERSION = 4
UNVERSIONED_INDEX = 1  # what an index that saved no version holds


@dataclass
class Passage:
    """Text of a record that is none of its fields (a page of an attached file), in its own language.

    Searched with the record (keyword and dense legs); a result found through it names `source` and `page`.
    """

    source: str
    lang: str
    text: str
    page: int | None = None


@dataclass
class IndexDoc:
    """One record as indexed; `body` is all its other text, already joined by the caller."""

    id: int
    kind: str
    lang: str
    title: str
    summary: str
    body: str
    themes: list[str] = field(default_factory=list)
    country: str | None = None
    audience: str | None = None
    level: str | None = None
    organisation: str | None = None
    year: int | None = None
    external_id: str | None = None
    passages: list[Passage] = field(default_factory=list)
    # An event's first and last day (ISO dates, in its own time zone), for searches by date range.
    starts_on: str | None = None
    ends_on: str | None = None


# The keys a search can be filtered and faceted on; each is a field of IndexDoc ("theme" is `themes`).
FILTER_KEYS: tuple[str, ...] = ("kind", "lang", "theme", "country", "audience", "level")
# Facets counted beside them that are filtered by a range (`year_from` / `year_to`), not by values.
RANGE_FACETS: tuple[str, ...] = ("year",)
# The keys a keyword search can be filtered on by a range of integers (see `range_values`): a record's year, and an
# event's first and last day as YYYYMMDD. A record with no value for a key is outside any range on it.
RANGE_KEYS: tuple[str, ...] = ("year", "starts", "ends")


def day_number(iso: str) -> int:
    """An ISO date (YYYY-MM-DD) as the integer YYYYMMDD, which orders as the days do."""
    day = date.fromisoformat(iso[:10])
    return day.year * 10_000 + day.month * 100 + day.day


def range_values(doc: IndexDoc) -> dict[str, int]:
    """A record's values for RANGE_KEYS; only events have days, and an event's last day is its first when it
    names none (as RecordMeta.overlaps reads them)."""
    values = {"year": int(doc.year)} if doc.year is not None else {}
    if doc.kind == "event" and doc.starts_on:
        values["starts"] = day_number(doc.starts_on)
        values["ends"] = day_number(doc.ends_on or doc.starts_on)
    return values
