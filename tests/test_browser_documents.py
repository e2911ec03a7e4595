"""In a real browser: a German report attached to a published record is found from an Italian query, and the
result names the file the words were found in."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FreshDatabase, dispose, make_app
from flask import Flask
from playwright.sync_api import Browser, expect
from test_documents_search import (
    GERMAN_REPORT,
    ITALIAN,
    QUERY,
    _read_everything,
    _record,
)
from werkzeug.serving import make_server

from kb_app.cli import initialise

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def catalogue(tmp_path: Path, databases: FreshDatabase) -> Iterator[Flask]:
    """The shipped corpus plus one Italian record whose German report alone speaks of the query's subject."""
    app = make_app(tmp_path / "data", databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app)
    yield app
    dispose(app)


def test_an_italian_query_finds_a_record_through_its_german_report(catalogue: Flask, browser: Browser) -> None:
    record_id = _record(catalogue, ITALIAN, [("Abschlussbericht.docx", GERMAN_REPORT)])
    _read_everything(catalogue)
    server = make_server("127.0.0.1", 0, catalogue, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}", locale="it-IT")
        page = context.new_page()
        page.goto("/search")
        page.get_by_role("searchbox").first.fill(QUERY)
        page.keyboard.press("Enter")
        card = page.locator("article.card", has=page.locator(f"a[href$='/records/{record_id}']")).first
        expect(card).to_be_visible()
        expect(card.locator(".found-in")).to_contain_text("Abschlussbericht.docx")
        # The record page lists the file with its language.
        card.locator(f"a[href$='/records/{record_id}']").first.click()
        expect(page.locator(".attachments")).to_contain_text("Abschlussbericht.docx")
        expect(page.locator(".attachments")).to_contain_text("Tedesco")
        context.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
