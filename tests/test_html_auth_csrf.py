"""With CSRF protection on (as in production): every form of the auth, submit and review areas needs its token."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb_app import create_app
from kb_app.accounts import create_user
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.models import Record

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture()
def csrf_app(tmp_path: Path, databases) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": databases.url(),
                      "KB_INDEX_SYNC_SECONDS": 0, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        initialise(app, load_seed=False)
        db = get_session()
        create_user(db, email="ana@example.org", password=PASSWORD, role="partner", organisation="enm")
        create_user(db, email="ed@example.org", password=PASSWORD, role="editor")
    yield app
    app.extensions["kb_search"].close()
    app.extensions["kb_engine"].dispose()


def token_from(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match[1]


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = token_from(client, "/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def record_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Record))


def test_sign_in_needs_the_token_of_the_form(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    refused = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert "The form had expired" in refused.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert signed_in(csrf_app, "ana@example.org").get("/account").status_code == 200


def test_sign_out_needs_the_token(csrf_app: Flask) -> None:
    client = signed_in(csrf_app, "ana@example.org")
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    token = token_from(client, "/account")  # the sign-out button in the navigation carries it
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_practice_form_without_token_saves_nothing_and_keeps_the_text(csrf_app: Flask) -> None:
    client = signed_in(csrf_app, "ana@example.org")
    typed = {"title": "Sportello microcredito", "body": "Un servizio di orientamento al credito.", "save": "1"}
    page = client.post("/submit/new", data=typed).get_data(as_text=True)
    assert "nothing was saved" in page
    assert 'value="Sportello microcredito"' in page and "Un servizio di orientamento al credito." in page
    assert record_count(csrf_app) == 0

    typed["csrf_token"] = TOKEN.search(page)[1]  # the page came back with a fresh token
    assert client.post("/submit/new", data=typed).status_code == 302
    assert record_count(csrf_app) == 1


def test_review_decisions_need_the_token(csrf_app: Flask) -> None:
    partner = signed_in(csrf_app, "ana@example.org")
    token = token_from(partner, "/submit/new")
    partner.post("/submit/new", data={"csrf_token": token, "title": "Sportello microcredito", "country": "IT",
                                      "summary": "Orientamento.", "body": "Contesto.", "challenge": "Accesso.",
                                      "method": "Colloqui.", "results": "Prestiti.", "save": "1"})
    with csrf_app.app_context():
        record_id = get_session().scalar(select(Record.id))
    assert partner.post(f"/submit/{record_id}/send").status_code == 400
    token = token_from(partner, f"/submit/{record_id}")
    assert partner.post(f"/submit/{record_id}/send", data={"csrf_token": token}).status_code == 302

    editor = signed_in(csrf_app, "ed@example.org")
    assert editor.post(f"/review/{record_id}/publish", data={"comment": ""}).status_code == 400
    token = token_from(editor, f"/review/{record_id}")
    assert editor.post(f"/review/{record_id}/publish", data={"csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert get_session().get(Record, record_id).status == "published"
