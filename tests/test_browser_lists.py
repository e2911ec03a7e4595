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


def test_owner_reorders_without_reload_places_a_heading_and_copies_the_share_link(
        browser: object, lists_server: tuple[str, KB]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from kb_app.db import get_session
    from kb_app.lists.editing import add_record, create_list
    from kb_app.models import Record, User

    base_url, kb = lists_server
    with kb.app.app_context():
        session = get_session()
        reading_list = create_list(session, session.get(User, kb.trainer.id), title="Shared workshop",
                                   visibility="unlisted")
        for external_id in ("pr-it-901", "pr-es-901", "rs-en-901"):
            add_record(reading_list, session.get(Record, kb.records[external_id]))
        session.commit()
        list_id, token = reading_list.id, reading_list.share_token
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.set_default_timeout(20_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.add_cookies([signed_in_cookie(kb.app, base_url, kb.trainer.id, kb.trainer.stamp)])
    page = context.new_page()
    try:
        page.goto(f"/lists/{list_id}")
        page.evaluate("window.stillTheSamePage = true")
        titles = page.locator(".reading-list .entry-title a")
        numbers = page.locator(".reading-list .entry-number")
        page.get_by_role("button", name="Move down: Microcredito e tutoraggio per donne migranti a Roma").click()
        expect(titles.first).to_have_text("Microcréditos con acompañamiento para emprendedores inmigrantes")
        expect(numbers).to_have_text(["1.", "2.", "3."])
        expect(page.locator(".reading-list")).to_have_attribute("data-saved", "1")
        expect(page.get_by_role("status").filter(has_text="now in place 2")).to_have_count(1)
        # The keyboard stays on the button that was pressed.
        expect(page.get_by_role("button", name="Move down: Microcredito e tutoraggio per donne migranti a Roma")).to_be_focused()
        page.get_by_role("button", name="Move up: Guarantee funds explained for loan officers").click()
        expect(page.locator(".reading-list")).to_have_attribute("data-saved", "2")
        assert page.evaluate("window.stillTheSamePage === true"), "reordering did not reload the page"
        expect(page.get_by_role("button", name="Move up: Microcréditos con acompañamiento para emprendedores inmigrantes")).to_be_disabled()

        order = ["Microcréditos con acompañamiento para emprendedores inmigrantes",
                 "Guarantee funds explained for loan officers",
                 "Microcredito e tutoraggio per donne migranti a Roma"]
        page.reload()
        expect(titles).to_have_text(order)

        # A new heading goes where the trainer puts it, not always at the end.
        page.get_by_label("Section heading", exact=True).fill("Part 2: guarantees")
        page.get_by_label("Place it").select_option(label="Before 2. Guarantee funds explained for loan officers")
        page.get_by_role("button", name="Add heading").click()
        entries = page.locator(".reading-list > li")
        expect(entries.nth(1).locator(".entry-heading")).to_have_text("Part 2: guarantees")
        expect(numbers).to_have_text(["1.", "2.", "3."])

        page.get_by_role("button", name="Copy link").click()
        expect(page.locator(".copy-status")).to_have_text("Link copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.endswith(f"/lists/{list_id}?token={token}")
        screenshot(page, "lists-shared-owner-phone")

        # The owner's handout sends readers to the link that works for them: the one with the token.
        page.goto(f"/lists/{list_id}/handout")
        expect(page.locator("footer a")).to_have_attribute("href", re.compile(rf"/lists/{list_id}\?token={token}$"))
    finally:
        context.close()

    # A visitor with the link sees no "public lists" crumb: the list is on no such page.
    visitor = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844}, locale="en-GB")
    try:
        page = visitor.new_page()
        page.goto(f"/lists/{list_id}?token={token}")
        crumbs = page.locator(".breadcrumbs li")
        expect(crumbs).to_have_text(["Home", "Shared workshop"])
    finally:
        visitor.close()
