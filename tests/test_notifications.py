"""Review notifications by e-mail, received by a real SMTP server: in each recipient's language, sent after commit."""
from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from conftest import signed_in
from kb_app.db import get_session
from kb_app.models import User
from smtp_test_server import smtp_server
from test_html_review import PRACTICE


def submit(partner: FlaskClient, ui: str) -> int:
    response = partner.post(f"/submit/new?ui={ui}", data={**PRACTICE, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    assert partner.post(f"/submit/{record_id}/send?ui={ui}").status_code == 302
    return record_id


def set_language(app: Flask, email: str, lang: str) -> None:
    with app.app_context():
        session = get_session()
        session.query(User).filter_by(email=email).one().ui_lang = lang
        session.commit()


def test_editors_hear_of_a_submission_and_partners_of_every_decision(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    colleague = signed_in(app, "bea@example.org", "partner", "enm")  # same organisation: hears too
    signed_in(app, "other@example.org", "partner", "leipzig-education")  # another organisation: hears nothing
    editor = signed_in(app, "ed@example.org", "editor")
    set_language(app, "ed@example.org", "de")
    set_language(app, "bea@example.org", "es")
    with smtp_server() as box:
        app.config["KB_MAIL_SERVER"] = box.server
        record_id = submit(partner, "fr")
        (to_editor,) = box.wait_for(1)
        assert to_editor["To"] == "ed@example.org"
        assert to_editor["Subject"] == f"Neue Einreichung zur Prüfung: {PRACTICE['title']}"
        assert f"http://localhost/review/{record_id}" in to_editor.get_content()

        editor.post(f"/review/{record_id}/request-changes", data={"comment": "Bitte Zahlen zu den Ergebnissen ergänzen."})
        box.wait_for(3)
        (to_partner,) = box.to("ana@example.org")
        assert to_partner["Subject"] == f"Modifications demandées : {PRACTICE['title']}"
        body = to_partner.get_content()
        assert "Bitte Zahlen zu den Ergebnissen ergänzen." in body and f"http://localhost/submit/{record_id}" in body
        (to_colleague,) = box.to("bea@example.org")
        assert to_colleague["Subject"].startswith("Cambios solicitados")
        assert box.to("other@example.org") == []

        assert partner.post(f"/submit/{record_id}/send?ui=fr").status_code == 302
        editor.post(f"/review/{record_id}/publish", data={"comment": ""})
        published = [m for m in box.wait_for(6) if m["To"] == "ana@example.org"][-1]
        assert published["Subject"] == f"Publiée : {PRACTICE['title']}"
        assert f"http://localhost/records/{record_id}" in published.get_content()


def test_a_rejection_carries_the_editors_reason(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    with smtp_server() as box:
        app.config["KB_MAIL_SERVER"] = box.server
        record_id = submit(partner, "en")
        editor.post(f"/review/{record_id}/reject", data={"comment": "Out of scope: no migrants involved."})
        box.wait_for(2)
        (rejected,) = box.to("ana@example.org")
        assert rejected["Subject"] == f"Not accepted: {PRACTICE['title']}"
        assert "The editor's comment:\nOut of scope: no migrants involved." in rejected.get_content().replace("\r\n", "\n")


def test_a_refused_action_mails_nobody(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    with smtp_server() as box:
        app.config["KB_MAIL_SERVER"] = box.server
        record_id = submit(partner, "en")
        box.wait_for(1)
        # Sending back without a reason is refused: nothing changes, nobody is mailed.
        assert editor.post(f"/review/{record_id}/request-changes", data={"comment": "  "}).status_code in (200, 400)
        assert box.wait_for(2, timeout=1) == box.messages and len(box.messages) == 1


def test_without_a_mail_server_the_mail_is_written_to_the_log(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    signed_in(app, "ed@example.org", "editor")
    app.config["KB_MAIL_SERVER"] = ""
    with caplog.at_level(logging.WARNING, logger="kb_app.mail"):
        submit(partner, "en")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "kb_app.mail")
    assert "ed@example.org" in logged and f"New submission to review: {PRACTICE['title']}" in logged


def test_the_password_reset_mail_goes_through_the_same_sender(app: Flask) -> None:
    signed_in(app, "ana@example.org", "partner", "enm")
    with smtp_server() as box:
        app.config["KB_MAIL_SERVER"] = box.server
        app.test_client().post("/password/forgot?ui=fr", data={"email": "ana@example.org"})
        (mail,) = box.wait_for(1)
    assert mail["To"] == "ana@example.org"
    with app.test_request_context("/?ui=fr"):
        from flask_babel import force_locale, gettext

        with force_locale("fr"):
            expected = gettext("Choose a password for the M.I.C.R.O. knowledge base")
    assert mail["Subject"] == expected  # non-ASCII, and every space kept
    assert "http://localhost/password/reset/" in mail.get_content()
