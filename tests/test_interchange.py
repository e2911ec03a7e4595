"""The one normaliser: anything a form, a file or the API sends either comes out valid or is refused field by field."""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kb_app.interchange import FIELD_ORDER, InvalidRecord, normalise_record

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
