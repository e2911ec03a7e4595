"""In a real browser: a partner submits a practice in German, an editor publishes it, an Italian query finds it."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from browser import screenshot
from kb_app import create_app
from kb_app.accounts import create_user
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.importer import import_records

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

PASSWORD = "correct horse battery"
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "practices"
TITLE = "Mikrokredit-Sprechstunde für Gründerinnen mit Migrationsgeschichte in Köln"
GERMAN = {
    "#summary": "Jeden Mittwoch hilft eine offene Sprechstunde zugewanderten Frauen, einen Mikrokredit zu beantragen "
                "und ihr Kleinunternehmen zu gründen.",
    "#body": "In Köln gründen viele zugewanderte Frauen kleine Unternehmen, doch die Banken verweigern ihnen Kredite.",
    "#target_group": "Frauen mit Migrationsgeschichte, die ein Kleinunternehmen gründen wollen.",
    "#challenge": "Ohne Sicherheiten und ohne Kreditgeschichte bekommen Gründerinnen keinen Bankkredit.",
    "#method": "Beraterinnen prüfen die Geschäftsidee, schreiben mit den Frauen den Businessplan und begleiten den "
               "Antrag auf einen Mikrokredit bis zur Auszahlung.",
    "#results": "In zwei Jahren erhielten 48 Unternehmerinnen einen Mikrokredit; 40 Betriebe bestehen noch.",
    "#city": "Köln",
}
ITALIAN_QUERY = "microcredito per donne migranti che avviano un'impresa"


@pytest.fixture(scope="module")
def submit_server(tmp_path_factory: pytest.TempPathFactory, databases) -> Iterator[str]:
    """A knowledge base of its own (this test writes to it), with the shipped Spanish and French practices in it."""
    app: Flask = create_app({"TESTING": True, "KB_DATA_DIR": str(tmp_path_factory.mktemp("browser-submit")),
                             "DATABASE_URL": databases.url(), "KB_INDEX_SYNC_SECONDS": 0})
    with app.app_context():
        initialise(app, load_seed=False)
        db = get_session()
        lines = "".join((CORPUS / f"{lang}.jsonl").read_text(encoding="utf-8") for lang in ("es", "fr"))
        import_records(db, lines)
        create_user(db, email="partner@example.org", password=PASSWORD, role="partner", organisation="enm")
        create_user(db, email="editor@example.org", password=PASSWORD, role="editor")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="submit-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["kb_search"].close()
    app.extensions["kb_engine"].dispose()


@pytest.fixture()
def tab(browser: object, submit_server: str) -> Iterator[object]:  # noqa: F811 - `browser` is the shared fixture
    context = browser.new_context(base_url=submit_server, viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: object, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden").or_(
        page.locator("main").get_by_role("button", name="Sign in")).click()
    page.wait_for_url("**/account")


def sign_out(page: object) -> None:
    page.locator(".nav-signout button").click()
    page.wait_for_load_state()


def test_german_practice_submitted_reviewed_published_and_found_in_italian(tab: object) -> None:
    from playwright.sync_api import expect

    page = tab
    sign_in(page, "partner@example.org")
    page.goto("/submit/new")
    page.fill("#title", TITLE)
    for selector, text in GERMAN.items():
        page.fill(selector, text)
    page.select_option("#country", "DE")
    page.check("input[name=themes][value=access-to-credit]")
    page.check("input[name=themes][value=women-entrepreneurs]")
    assert page.input_value("#lang") == ""  # the language is left to detection
    page.click("#preview")

    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("#duplicates-title")).to_be_visible()
    expect(page.locator(".record-preview")).to_contain_text("Beraterinnen prüfen die Geschäftsidee")
    page.locator("form[action$='/send'] button").click()
    expect(page.locator(".badge-status")).to_have_class("badge badge-status status-submitted")
    screenshot(page, "submit-sent-for-review")
    sign_out(page)

    sign_in(page, "editor@example.org")
    page.goto("/review")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".record-preview")).to_contain_text("48 Unternehmerinnen")
    page.fill("#comment", "Danke, veröffentlicht.")
    page.locator("button[formaction$='/publish']").click()
    page.wait_for_url("**/review")
    sign_out(page)

    # An Italian operator, with the interface in Italian, searches in Italian.
    page.goto("/?ui=it")
    page.fill("#q", ITALIAN_QUERY)
    page.press("#q", "Enter")
    page.wait_for_url("**/search?**")
    titles = page.locator(".card-title a").all_inner_texts()
    screenshot(page, "submit-found-in-italian")
    assert TITLE in titles, titles  # on the first page of results
    card = page.locator("article.card", has=page.get_by_role("link", name=TITLE))
    # No word is shared with the query: the thesaurus concept bridged microcredito and Mikrokredit.
    expect(card.locator(".via-concept")).to_contain_text("Mikrokredit")
    card.get_by_role("link", name=TITLE).click()
    expect(page.locator("main")).to_contain_text("Beraterinnen prüfen die Geschäftsidee")
