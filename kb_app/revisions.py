"""Comparing two revisions of a record field by field, word by word (difflib), as data a template escapes."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable

from .models import Record, Revision

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
# Beyond this many tokens a word diff gets slow; such fields are compared with difflib's junk heuristic on.
_EXACT_LIMIT = 5000


@dataclass(frozen=True)
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str
    segments: list[Segment]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def word_diff(old: str, new: str) -> list[Segment]:
    """The new text as runs of kept, inserted and deleted words."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > _EXACT_LIMIT)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def compare_snapshots(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...],
                      show: Callable[[str, Any], Any] | None = None) -> list[FieldChange]:
    """The fields (in the given order) whose values differ between two snapshots; `show` turns codes into words."""
    show = show or (lambda _field, value: value)
    changes = []
    for name in fields:
        before, after = _as_text(show(name, old.get(name))), _as_text(show(name, new.get(name)))
        if before != after:
            changes.append(FieldChange(name, before, after, word_diff(before, after)))
    return changes


def default_pair(record: Record) -> tuple[Revision | None, Revision | None]:
    """What a reviewer wants to see by default: the latest revision against the last one an editor decided on."""
    revisions = record.revisions
    if not revisions:
        return None, None
    latest = revisions[-1]
    for revision in reversed(revisions[:-1]):
        if revision.action in ("published", "changes_requested", "unpublished", "rejected"):
            return revision, latest
    return (revisions[0] if len(revisions) > 1 else None), latest


def pick_pair(record: Record, from_id: str | None, to_id: str | None) -> tuple[Revision | None, Revision | None]:
    """The revisions asked for in the query string (ids of this record's revisions), else the default pair."""
    by_id = {str(r.id): r for r in record.revisions}
    if from_id in by_id and to_id in by_id:
        old, new = by_id[from_id], by_id[to_id]
        return (old, new) if old.id <= new.id else (new, old)
    return default_pair(record)
