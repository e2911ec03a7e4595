"""Saved searches and `kb notify`: one digest per due subscription, each record sent to a subscription once."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from conftest import Kb, signed_in
from kb_app.db import get_session
from kb_app.models import SavedSearch
from smtp_test_server import Mailbox, smtp_server
from test_html_review import PRACTICE


def kb_for(app: Flask, box: Mailbox) -> Kb:
    tool = Kb(Path(app.config["KB_DATA_DIR"]), app.config["DATABASE_URL"])
    tool.env.update({"KB_MAIL_SERVER": box.server, "KB_PUBLIC_URL": "https://kb.example.org"})
    return tool


def publish(partner: FlaskClient, editor: FlaskClient, **changes: str) -> int:
    response = partner.post("/submit/new", data={**PRACTICE, **changes, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    assert partner.post(f"/submit/{record_id}/send").status_code == 302
    assert editor.post(f"/review/{record_id}/publish", data={"comment": ""}).status_code == 302
    return record_id


def age_subscriptions(app: Flask, days: int) -> None:
    with app.app_context():
        session = get_session()
        for saved in session.query(SavedSearch):
            saved.last_sent_at = saved.last_sent_at - timedelta(days=days) if saved.last_sent_at else None
        session.commit()


def test_a_digest_carries_new_matches_once(app: Flask) -> None:
    trainer = signed_in(app, "tina@example.org", "trainer")
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    page = trainer.get("/search?country=DE&kind=practice&ui=en").text
    assert "E-mail me new records for this search" in page
    response = trainer.post("/alerts?ui=en", data={"search": "country=DE&kind=practice&page=2&utm_source=x",
                                                    "frequency": "daily"})
    assert response.status_code == 303
    listing = trainer.get("/alerts").text
    assert "Good practice · Germany" in listing and "Daily" in listing

    with smtp_server() as box:
        app.config["KB_MAIL_SERVER"] = box.server
        kb = kb_for(app, box)
        german = publish(partner, editor)
        publish(partner, editor, country="IT", title="Sportello microcredito a Roma", lang="it")
        before = len(box.messages)  # the review notifications

        result = kb("notify")
        assert result.exit_code == 0, result.output
        assert "1 digests sent with 1 records" in result.output
        (digest,) = box.to("tina@example.org")
        assert digest["Subject"] == "New in the M.I.C.R.O. knowledge base: Good practice · Germany"
        body = digest.get_content()
        assert PRACTICE["title"] in body and f"https://kb.example.org/records/{german}" in body
        assert "Sportello microcredito" not in body

        assert "0 digests sent" in kb("notify").output  # not due again yet
        age_subscriptions(app, 2)
        assert "0 digests sent" in kb("notify").output  # due, but nothing new: nothing is sent twice
        assert len(box.to("tina@example.org")) == 1

        later = publish(partner, editor, title="Zweite Sprechstunde in Bonn", city="Bonn")
        age_subscriptions(app, 2)
        assert "1 digests sent with 1 records" in kb("notify").output
        second = box.to("tina@example.org")[-1].get_content()
        assert "Zweite Sprechstunde in Bonn" in second and PRACTICE["title"] + " (" not in second
        assert f"/records/{later}" in second
        assert len(box.messages) - before == 2 + 2  # two digests, and the two mails of the third review


def test_saving_a_bad_search_or_frequency_is_refused(app: Flask) -> None:
    trainer = signed_in(app, "tina@example.org", "trainer")
    assert trainer.post("/alerts", data={"search": "country=Spain", "frequency": "daily"}).status_code == 400
    assert trainer.post("/alerts", data={"search": "country=ES", "frequency": "hourly"}).status_code == 400
    visitor = app.test_client()
    assert visitor.post("/alerts", data={"search": "country=ES", "frequency": "daily"}).status_code in (302, 401)
    with app.app_context():
        assert get_session().query(SavedSearch).count() == 0


def test_a_saved_search_is_deleted_by_its_owner_only(app: Flask) -> None:
    trainer = signed_in(app, "tina@example.org", "trainer")
    other = signed_in(app, "omar@example.org", "trainer")
    trainer.post("/alerts", data={"search": "theme=mentoring", "frequency": "weekly"})
    with app.app_context():
        saved_id = get_session().query(SavedSearch).one().id
    assert other.post(f"/alerts/{saved_id}/delete").status_code == 404
    assert trainer.post(f"/alerts/{saved_id}/delete").status_code == 303
    with app.app_context():
        assert get_session().query(SavedSearch).count() == 0
