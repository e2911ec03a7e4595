"""What every search backend offers the engine: the keyword and dense protocols and their shared types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence

import numpy as np

from indexing.analysed import AnalysedDoc
from indexing.documents import RANGE_KEYS

# A record's text fields, each indexed per language as f"{part}_{lang}" (see `text_field`).
TEXT_PARTS: tuple[str, ...] = ("title", "summary", "body")
# Lower-cased surface words of titles and summaries, where spelling suggestions come from.
SPELL_FIELD = "spell"
# Written into every keyword index folder: which backend built it, in which layout.
BACKEND_FILE = "backend.json"


class IndexMismatchError(RuntimeError):
    """An index on disk was built by another model, dimension or backend than the one configured."""


def text_field(part: str, lang: str) -> str:
    """The index field holding `part` (title, summary, body) of records in language `lang`."""
    return f"{part}_{lang}"


@dataclass(frozen=True)
class Clause:
    """One weighted alternative of a keyword query: a term, or a phrase of terms, in one field.

    Terms are already analysed (indexing/analyzers.py); a backend never analyses query text.
    """

    field: str
    terms: tuple[str, ...]
    boost: float

    @property
    def phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass(frozen=True)
class Range:
    """A keyword search filter on one of RANGE_KEYS (indexing/documents.py): values from `low` to `high`,
    both included (None: open on that side)."""

    low: int | None = None
    high: int | None = None


# What a keyword search is filtered on: a facet key (FILTER_KEYS) to the values any of which a record must hold,
# or a range key (RANGE_KEYS) to the Range its value must be in; a record passes every key.
Filters = dict[str, list[str] | Range]


def check_range_key(key: str, wanted: Range) -> None:
    """Refuse a range on a key the keyword indexes hold no integers for."""
    if key not in RANGE_KEYS:
        raise ValueError(f"a range filter on {key!r}: ranges are only on {', '.join(RANGE_KEYS)}")
    if wanted.low is not None and wanted.high is not None and wanted.low > wanted.high:
        raise ValueError(f"the range filter on {key!r} starts at {wanted.low}, after its end {wanted.high}")


@dataclass
class KeywordHit:
    """A record found by the keyword index."""

    id: int
    score: float


class KeywordBackend(Protocol):
    """A keyword index in one folder, fed with pre-analysed terms; changes are seen after `commit`."""

    name: str

    def add(self, docs: Sequence[AnalysedDoc]) -> None:
        """Add or replace records."""

    def delete(self, record_ids: Iterable[int]) -> None:
        """Remove records (unknown ids are ignored)."""

    def commit(self) -> None:
        """Write pending changes and make them visible to searches."""

    def count(self) -> int:
        """Number of records searchable now."""

    def doc_frequency(self, field: str, term: str) -> int:
        """Records with `term` in `field` (a text field, or a filter key such as "lang")."""

    def search(self, clauses: Sequence[Clause], filters: Filters | None, limit: int) -> list[KeywordHit]:
        """Up to `limit` records matching any clause (scores summed, BM25), best first, within the filters
        (value filters and ranges; a range on a key that is not a range key is a ValueError)."""

    def suggest(self, word: str, max_distance: int) -> str | None:
        """The indexed spelling word closest to `word` (within `max_distance` edits), or None."""

    def close(self) -> None:
        """Release files and locks; pending changes are dropped."""


class DenseBackend(Protocol):
    """Passage vectors of records, searched by inner product; a record scores by its best passage."""

    model: str
    dimension: int
    built_at: float | None

    def __len__(self) -> int: ...

    @property
    def passage_count(self) -> int: ...

    def add(self, record_id: int, vectors: np.ndarray) -> None:
        """Add (or replace) a record given the vectors of its passages."""

    def delete(self, record_ids: Iterable[int]) -> None: ...

    def vectors(self, record_id: int) -> np.ndarray:
        """The stored passage vectors of a record (empty if unknown)."""

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Up to k (record id, best passage score), best first; optionally only `allowed` records."""

    def save(self, folder: Path) -> None: ...


def check_backend_stamp(folder: Path, name: str, layout: int) -> None:
    """Refuse a keyword index folder written by another backend or layout (an empty folder is fine)."""
    folder = Path(folder)
    stamp_path = folder / BACKEND_FILE
    if stamp_path.exists():
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    elif folder.is_dir() and any(folder.iterdir()):
        stamp = {"backend": "whoosh", "layout": 0}  # indexes made before backends were named
    else:
        return
    if stamp.get("backend") != name or stamp.get("layout") != layout:
        raise IndexMismatchError(
            f"the keyword index in {folder} was built by {stamp.get('backend')} (layout {stamp.get('layout')}), "
            f"but the configured keyword backend is {name} (layout {layout}); rebuild the index (kb reindex)"
        )


def write_backend_stamp(folder: Path, name: str, layout: int) -> None:
    """Record which backend and layout a keyword index folder holds."""
    path = Path(folder) / BACKEND_FILE
    if not path.exists():
        path.write_text(json.dumps({"backend": name, "layout": layout}), encoding="utf-8")
