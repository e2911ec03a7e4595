"""A trainer in a real browser: create a reading list, add two records, reorder them, export Markdown."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from browser import screenshot
from conftest import session_key_for
from test_html_lists import KB, add_people_and_records

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def lists_server(app: Flask) -> Iterator[tuple[str, KB]]:
    """A knowledge base of its own (this test writes), served with CSRF protection on, as in production."""
    kb = add_people_and_records(app)
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="lists-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", kb
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def signed_in_cookie(app: Flask, base_url: str, user_id: int, stamp: int) -> dict[str, object]:
    # The session cookie the sign-in page would set, made with the app's own signer.
    value = app.session_interface.get_signing_serializer(app).dumps({"sid": session_key_for(app, user_id)})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": base_url}


def test_trainer_builds_reorders_and_exports_a_list(browser: object, lists_server: tuple[str, KB]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base_url, kb = lists_server
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  accept_downloads=True)
    context.set_default_timeout(20_000)
    context.add_cookies([signed_in_cookie(kb.app, base_url, kb.trainer.id, kb.trainer.stamp)])
    page = context.new_page()
    try:
        page.goto("/lists")
        page.get_by_label("Title").fill("Workshop: credit without collateral")
        page.get_by_role("button", name="Create list").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Workshop: credit without collateral")
        list_url = page.url

        for external_id in ("pr-it-901", "rs-en-901"):
            page.goto(f"/lists/add?record_id={kb.records[external_id]}")
            expect(page.get_by_label("Workshop: credit without collateral")).to_be_checked()
            page.get_by_role("button", name="Add", exact=True).click()
            expect(page).to_have_url(re.compile(r"/lists/\d+#item-\d+$"))

        titles = page.locator(".reading-list .entry-title a")
        expect(titles).to_have_text(["Microcredito e tutoraggio per donne migranti a Roma",
                                     "Guarantee funds explained for loan officers"])
        page.get_by_role("button", name="Move down: Microcredito e tutoraggio per donne migranti a Roma").click()
        expect(titles).to_have_text(["Guarantee funds explained for loan officers",
                                     "Microcredito e tutoraggio per donne migranti a Roma"])
        assert page.url.split("#")[0] == list_url
        screenshot(page, "lists-reordered")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Markdown").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".md")
        markdown = Path(download.path()).read_text(encoding="utf-8")
        assert markdown.startswith("# Workshop: credit without collateral")
        assert markdown.index("1. **[Guarantee funds explained") < markdown.index("2. **[Microcredito e tutoraggio")

        page.get_by_role("link", name="Printable handout").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Workshop: credit without collateral")
        page.emulate_media(media="print")
        expect(page.get_by_role("link", name="Back to the reading list")).to_be_hidden()
        screenshot(page, "lists-handout-print")
    finally:
        context.close()
