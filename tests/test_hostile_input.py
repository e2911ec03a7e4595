"""Deeply nested JSON, unpaired surrogates and unterminated CSV fields: a 400 or one line per bad line (with its
number), never a 500 or a traceback; --skip-invalid skips exactly the bad lines; line separators inside text survive."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from conftest import Kb
from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.db import get_session

DEEP = "[" * 1000 + "]" * 1000
GOOD = {"kind": "practice", "lang": "en", "title": "Microloans for migrant bakers", "body": "A cooperative bakery."}


def good(n: int) -> str:
    return json.dumps({**GOOD, "id": f"ok-{n}", "title": f"{GOOD['title']} {n}"})


@pytest.fixture()
def editor_token(app: Flask) -> str:
    with app.app_context():
        editor = create_user(get_session(), email="ed@example.org", password="x" * 12, role="editor")
        return create_token(get_session(), editor, "hostile")[1]


def post_record(app: Flask, token: str, body: str | bytes):  # noqa: ANN201
    return app.test_client().post("/api/v1/records", data=body, content_type="application/json",
                                  headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("body, says", [
    (DEEP, "nested more than 32 levels"),
    ('{"kind": "practice", "lang": "en", "title": ' + DEEP + ', "body": "x"}', "nested more than 32 levels"),
    ('{"kind": "practice", "lang": "en", "title": "Sportello \\ud800 aperto", "body": "x"}',
     "title: contains an unpaired surrogate"),
    ('{"kind": "practice", "lang": "en", "title": "t", "body": "x", "\\udfff": 1}', "\\udfff: unknown field"),
    (b'{"kind": "practice", "title": "\xff"}', "not valid UTF-8"),
    ('{"kind": "practice", ', "not valid JSON"),
])
def test_the_api_answers_400_naming_the_problem(app: Flask, editor_token: str, body: str, says: str) -> None:
    response = post_record(app, editor_token, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "invalid_record" and says in error["message"], error


def test_a_surrogate_pair_is_one_character_and_is_stored(app: Flask, editor_token: str) -> None:
    response = post_record(app, editor_token, '{"kind": "practice", "lang": "en", "title": "Bakery \\ud83c\\udf5e", '
                                              '"body": "x"}')
    assert response.status_code == 201
    assert response.get_json()["title"] == "Bakery \U0001F35E"


def test_kb_import_reports_each_bad_json_line_by_number_and_skip_invalid_skips_them(kb: Kb, tmp_path: Path) -> None:
    lines = [good(1), DEEP, '{"kind": "practice", "lang": "en", "title": "x\\udc00", "body": "y"}',
             json.dumps({**GOOD, "id": "ok-4", "themes": [[[["nested"]]]]}), good(5)]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = kb("import", str(path))
    assert refused.exit_code == 1
    assert "line 2: nested more than 32 levels deep" in refused.output
    assert "line 3: title: contains an unpaired surrogate" in refused.output
    assert "line 4: themes: must be a list of theme slugs" in refused.output
    assert "nothing was imported" in refused.output and "Traceback" not in refused.output
    skipped = kb("import", str(path), "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert "2 created" in skipped.output and "3 invalid line(s) skipped" in skipped.output


def csv_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(["id,kind,lang,title,body", *rows]) + "\n", encoding="utf-8")
    return path


def test_an_unterminated_huge_csv_field_is_one_bad_line_not_a_traceback(kb: Kb, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "ok-1,practice,en,First,Body one",
                    'bad-1,practice,en,"Never closed,' + "x" * 2_000_000,
                    "ok-3,practice,en,Third,Body three")
    refused = kb("import", str(path))
    assert refused.exit_code == 1
    assert "line 3: a field is longer than 131,072 characters" in refused.output
    assert "closing quote" in refused.output and "Traceback" not in refused.output
    skipped = kb("import", str(path), "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert "2 created" in skipped.output and "1 invalid line(s) skipped" in skipped.output


def test_a_quote_never_closed_does_not_swallow_the_lines_after_it(kb: Kb, tmp_path: Path) -> None:
    path = csv_file(tmp_path, 'bad-1,practice,en,"Stray quote,Body',
                    "ok-2,practice,en,Second,Body two",
                    'ok-3,practice,en,"Quoted, with comma","Two\nlines"')
    refused = kb("import", str(path))
    assert refused.exit_code == 1 and "line 2: " in refused.output, refused.output
    skipped = kb("import", str(path), "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert "2 created" in skipped.output, skipped.output
    exported = tmp_path / "out.jsonl"
    assert kb("export", "--output", str(exported)).exit_code == 0
    records = {r["id"]: r for r in map(json.loads, exported.read_text(encoding="utf-8").splitlines())}
    assert set(records) == {"ok-2", "ok-3"} and records["ok-3"]["body"] == "Two\nlines"


def test_line_separators_inside_text_survive_import_export_and_backup(kb: Kb, make_kb, tmp_path: Path) -> None:  # noqa: ANN001
    text = "First paragraph.\u2028Second line\u2029Third, and a next-line \u0085 character."
    record = {**GOOD, "id": "separators", "body": text}
    source = tmp_path / "separators.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = kb("import", str(source))
    assert result.exit_code == 0 and "1 created" in result.output, result.output
    exported = tmp_path / "export.jsonl"
    assert kb("export", "--output", str(exported)).exit_code == 0
    assert "1 unchanged" in kb("import", str(exported)).output
    archive = tmp_path / "backup.tar.gz"
    assert kb("backup", "--output", str(archive)).exit_code == 0
    other = make_kb("restored")
    restored = other("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    again = tmp_path / "again.jsonl"
    assert other("export", "--output", str(again)).exit_code == 0
    assert json.loads(again.read_text(encoding="utf-8").split("\n")[0])["body"] == text
