"""Over-long text is refused with the limit named, never cut: in the case-study form (text kept), the API and kb import."""
from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import lxml.html
from flask import Flask
from sqlalchemy import func, select

from conftest import Kb, signed_in
from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.interchange import TEXT_LIMITS
from kb_app.models import Record

METHOD = ("Il mediatore accompagna la persona in banca e verifica il piano d'impresa, attività per attività. " * 300)[:25_499] + "."


def record_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Record))


def test_the_form_lets_the_browser_send_everything_typed_or_pasted(app: Flask) -> None:
    # A maxlength attribute makes the browser drop whatever is pasted past it, silently: that is how
    # 25,500 characters of "Metodo e attività" became 20,000 with "saved".
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    doc = lxml.html.fromstring(partner.get("/submit/new").get_data(as_text=True))
    capped = [(el.get("name"), el.get("maxlength")) for el in doc.xpath("//textarea[@maxlength] | //input[@maxlength]")
              if el.get("name") in TEXT_LIMITS]
    assert capped == []


def test_an_over_long_section_is_refused_naming_the_limit_and_the_typed_text_comes_back(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    title = "Accompagnamento al microcredito " + "x" * 368  # 400 characters
    response = partner.post("/submit/new", data={"lang": "it", "title": title, "method": METHOD, "save": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"This has {len(METHOD)} characters; at most {TEXT_LIMITS['method']} are allowed." in page
    assert f"This has 400 characters; at most {TEXT_LIMITS['title']} are allowed." in page
    doc = lxml.html.fromstring(page)
    # (a browser drops the newline that follows <textarea>, as HTML says)
    assert doc.xpath('//textarea[@name="method"]')[0].text_content().removeprefix("\n") == METHOD  # every character typed is still there
    assert doc.xpath('//input[@name="title"]')[0].get("value") == title
    assert record_count(app) == 0, "nothing was saved cut"


def test_editing_a_draft_with_over_long_text_keeps_the_stored_version_whole(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    saved = partner.post("/submit/new", data={"lang": "it", "title": "Sportello microcredito", "method": "Breve.", "save": "1"})
    assert saved.status_code == 302
    with app.app_context():
        record_id = get_session().scalar(select(Record.id))
    response = partner.post(f"/submit/{record_id}/edit", data={"lang": "it", "title": "Sportello microcredito",
                                                                 "method": METHOD, "save": "1"})
    assert response.status_code == 200
    assert unescape(response.get_data(as_text=True)).count(METHOD) == 1
    with app.app_context():
        assert get_session().get(Record, record_id).method == "Breve."


def test_the_api_refuses_an_over_long_field_naming_the_limit(app: Flask) -> None:
    with app.app_context():
        editor = create_user(get_session(), email="ed@example.org", password="correct horse battery", role="editor")
        _, token = create_token(get_session(), editor, "limits test")
    body = {"kind": "practice", "lang": "it", "title": "T" * 400, "body": "Testo.", "method": METHOD}
    response = app.test_client().post("/api/v1/records", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert f"title: is 400 characters long; the limit is {TEXT_LIMITS['title']}" in message
    assert f"method: is {len(METHOD)} characters long; the limit is {TEXT_LIMITS['method']}" in message
    assert record_count(app) == 0


def test_kb_import_refuses_an_over_long_field_naming_line_field_and_limit(kb: Kb, tmp_path: Path) -> None:
    good = {"kind": "practice", "lang": "it", "title": "Sportello", "body": "Testo."}
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [good, {**good, "method": METHOD}]) + "\n")
    result = kb("import", str(path))
    assert result.exit_code == 1
    assert f"line 2: method: is {len(METHOD)} characters long; the limit is {TEXT_LIMITS['method']}" in result.stderr
    assert "nothing was imported" in result.stderr
