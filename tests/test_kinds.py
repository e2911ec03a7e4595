"""The kinds' declaration covers the record table, and the facts it declares are declared nowhere else."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect

import indexing.analyzers
from indexing.engine import MODES
from kb_app import discovery, kinds
from kb_app.catalogue import new_external_id, new_record
from kb_app.interchange import FIELD_ORDER, normalise_record
from kb_app.models import EventDetails, Record

ROOT = Path(__file__).resolve().parents[1]


def _declared_columns(table: str = "records") -> set[str]:
    columns = set()
    for kind in kinds.KINDS:
        for field in kind.fields:
            if field.column is not None and field.table == table:
                columns.add(field.column or field.name)
    return columns


def test_every_record_column_belongs_to_a_kind_or_to_the_bookkeeping() -> None:
    table_columns = {c.key for c in inspect(Record).columns}
    stray = table_columns - _declared_columns() - kinds.BOOKKEEPING_COLUMNS
    assert not stray, f"record columns no kind declares (add them to a Kind in kb_app/kinds.py): {sorted(stray)}"
    missing = _declared_columns() - table_columns
    assert not missing, f"declared fields with no column: {sorted(missing)}"
    detail_columns = {c.key for c in inspect(EventDetails).columns} - {"record_id"}
    assert detail_columns == _declared_columns("event_details")


def test_every_kind_has_a_model_class_and_its_own_id_prefix() -> None:
    prefixes = [kind.id_prefix for kind in kinds.KINDS]
    assert len(set(prefixes)) == len(prefixes)
    for kind in kinds.KINDS:
        assert new_record(kind.name).kind == kind.name
        assert new_external_id(kind.name, "it").startswith(f"{kind.id_prefix}-it-")


def test_the_interchange_format_is_the_union_of_the_kinds_fields() -> None:
    names = {f.name for kind in kinds.KINDS for f in kind.fields if f.interchange}
    assert set(FIELD_ORDER) == names | {"id", "kind", "translation_of"}
    record = normalise_record({"kind": "practice", "lang": "it", "title": "T", "body": "B",
                               "challenge": "x" * 20_000})
    assert record["challenge"] == "x" * 20_000


def test_languages_and_modes_are_declared_once() -> None:
    assert kinds.LANGUAGES is indexing.analyzers.LANGUAGES
    assert discovery.MODES is MODES
    defining = []
    for path in [*ROOT.joinpath("kb_app").rglob("*.py"), *ROOT.joinpath("indexing").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for name in ("LANGUAGES", "MODES", "KIND_NAMES", "AUDIENCES", "LEVELS"):
            if re.search(rf"^{name}\s*(:[^=]*)?=", text, re.MULTILINE):
                defining.append(f"{path.relative_to(ROOT)}:{name}")
    assert sorted(defining) == ["indexing/analyzers.py:LANGUAGES", "indexing/engine.py:MODES",
                                "kb_app/kinds.py:AUDIENCES", "kb_app/kinds.py:KIND_NAMES", "kb_app/kinds.py:LEVELS"]
