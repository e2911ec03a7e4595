"""The one normaliser: anything a form, a file or the API sends either comes out valid or is refused field by field."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Kb
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.interchange import FIELD_ORDER, InvalidRecord, normalise_record
from kb_app.models import Record

THEMES = {"access-to-credit", "women-entrepreneurs"}
VALID = {"kind": "practice", "lang": "es", "title": "  Microcrédito\r\n rural ", "body": "Texto\x07 del caso.",
         "themes": ["access-to-credit"], "country": "es", "year": "2021"}


def test_a_valid_record_comes_out_clean() -> None:
    out = normalise_record(VALID, theme_slugs=THEMES)
    assert out["title"] == "Microcrédito\n rural"
    assert out["body"] == "Texto del caso."
    assert out["country"] == "ES" and out["year"] == 2021
    assert list(out) == [k for k in FIELD_ORDER if k in out]


def test_every_fault_is_reported_at_once() -> None:
    bad = {"kind": "story", "lang": "pt", "title": "", "body": "x", "country": "XX", "year": "soon",
           "themes": ["nope"], "url": "javascript:alert(1)", "start_date": "2021-02-30", "colour": "red"}
    try:
        normalise_record(bad, theme_slugs=THEMES)
    except InvalidRecord as exc:
        fields = {e.field for e in exc.errors}
    else:
        raise AssertionError("invalid record accepted")
    assert fields == {"kind", "lang", "title", "country", "year", "themes", "url", "start_date", "colour"}


def test_nul_bytes_are_refused_not_stored() -> None:
    try:
        normalise_record({**VALID, "summary": "a\x00b"}, theme_slugs=THEMES)
    except InvalidRecord as exc:
        assert [str(e) for e in exc.errors] == ["summary: contains a NUL byte"]
    else:
        raise AssertionError("NUL byte accepted")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(FIELD_ORDER) + ["extra", ""]), json_values, max_size=12))
def test_arbitrary_input_is_either_valid_or_refused_with_reasons(raw: dict[str, Any]) -> None:
    try:
        out = normalise_record(raw, theme_slugs=THEMES)
    except InvalidRecord as exc:
        assert exc.errors and all(e.field and e.message for e in exc.errors)
        return
    assert out["kind"] in ("practice", "resource") and out["lang"] in ("it", "en", "fr", "es", "de", "ar")
    assert out["title"] and out["body"] and "\x00" not in out["body"]
    assert normalise_record(out, theme_slugs=THEMES) == out  # normalising twice changes nothing


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_any_title_and_body_text_round_trips_or_is_refused(title: str, body: str) -> None:
    try:
        out = normalise_record({**VALID, "title": title, "body": body}, theme_slugs=THEMES)
    except InvalidRecord as exc:
        assert {e.field for e in exc.errors} <= {"title", "body"}
        return
    assert len(out["title"]) <= 300


@pytest.mark.parametrize(("record", "field", "message"), [
    ({**VALID, "venue": "Casa de Campo"}, "venue", "is a field of an event, not of a practice"),
    ({"kind": "resource", "lang": "it", "title": "Modulo", "body": "Testo", "programme": [{"start": "2027-01-01 10:00",
                                                                                     "title": "Apertura"}]},
     "programme", "is a field of an event, not of a resource"),
    ({"kind": "event", "lang": "it", "title": "Conferenza", "body": "Testo", "event_type": "conference",
      "starts_at": "2027-01-01 10:00", "ends_at": "2027-01-01 17:00", "timezone": "Europe/Rome",
      "method": "Tavole rotonde"}, "method", "is a field of a practice, not of an event"),
    ({**VALID, "level": "beginner"}, "level", "is a field of a resource, not of a practice"),
])
def test_another_kinds_field_is_refused_naming_the_field_and_the_kind(record: dict, field: str, message: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        normalise_record(record, theme_slugs=THEMES)
    assert [str(e) for e in caught.value.errors] == [f"{field}: {message}"]


def test_another_kinds_field_left_empty_is_no_fault() -> None:
    # A CSV export has a column for every kind's fields; a practice's row leaves the event's columns empty.
    out = normalise_record({**VALID, "venue": "", "programme": [], "level": None}, theme_slugs=THEMES)
    assert "venue" not in out and "programme" not in out and "level" not in out


def test_the_api_and_kb_import_refuse_another_kinds_field(app: Flask, kb: Kb, tmp_path: Path) -> None:
    with app.app_context():
        editor = create_user(get_session(), email="ed@example.org", password="correct horse battery", role="editor")
        _, token = create_token(get_session(), editor, "kinds test")
    body = {"kind": "practice", "lang": "it", "title": "Sportello", "body": "Testo.", "venue": "Roma, Via Po 1"}
    response = app.test_client().post("/api/v1/records", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "venue: is a field of an event, not of a practice"
    with app.app_context():
        assert get_session().scalar(select(func.count(Record.id))) == 0

    rows = [{"kind": "practice", "lang": "it", "title": "Sportello", "body": "Testo."},
            {"kind": "resource", "lang": "it", "title": "Modulo", "body": "Testo.", "venue": "Aula 3"}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = kb("import", str(path))
    assert result.exit_code != 0
    assert "line 2: venue: is a field of an event, not of a resource" in result.stderr
    assert "nothing was imported" in result.stderr
