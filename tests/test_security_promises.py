"""SECURITY.md's promises that no other test file pins: headers on every page, HTTPS cookies, secrets kept out of logs."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import FreshDatabase, dispose, make_app, signed_in
from flask import Flask

from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.cli import initialise
from kb_app.db import get_session


@pytest.mark.parametrize("path", ["/", "/search?q=microcredito", "/login", "/no-such-page", "/api/v1/themes"])
def test_every_answer_forbids_framing_sniffing_and_inline_scripts(client, path: str) -> None:  # noqa: ANN001
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # only when served over HTTPS


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(tmp_path: Path, databases: FreshDatabase) -> None:
    app = make_app(tmp_path / "data", databases, WTF_CSRF_ENABLED=False, KB_HTTPS=True)
    try:
        with app.app_context():
            initialise(app, load_seed=False)
        with app.app_context():
            create_user(get_session(), email="ana@example.org", password="correct horse battery", role="trainer")
        client = app.test_client()
        response = client.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        dispose(app)


def test_the_secret_key_and_api_tokens_never_reach_the_log(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        editor = create_user(get_session(), email="ed@example.org", password="correct horse battery", role="editor")
        _, token = create_token(get_session(), editor, "log test")
    client = app.test_client()
    client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}"})
    client.post("/api/v1/records", json={"kind": "practice"}, headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}x"})  # a wrong token is not logged either
    signed_in(app, "tr@example.org", "trainer").get("/account/tokens")
    assert token not in caplog.text
    assert app.config["SECRET_KEY"] not in caplog.text
