"""The everyday pages on a desktop and a phone: no sideways scroll, every menu item reachable, axe finds nothing."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import screenshot
from conftest import FreshDatabase, dispose, make_app, session_key_for
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from test_browser_lists import signed_in_cookie
from test_html_lists import KB, add_people_and_records
from werkzeug.serving import make_server

from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.lists.editing import add_heading, add_record, create_list
from kb_app.models import Record, User

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
AXE = Axe()


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[dict[str, Any]]:
    """A knowledge base of its own: the sample records, people, and a trainer's list shared by link."""
    app: Flask = make_app(tmp_path_factory.mktemp("browser-pages"), databases, WTF_CSRF_ENABLED=True)
    with app.app_context():
        initialise(app, load_seed=False)
    kb = add_people_and_records(app)
    with app.app_context():
        session = get_session()
        trainer = session.get(User, kb.trainer.id)
        reading_list = create_list(session, trainer, title="Session 1: credit without collateral",
                                   description="Read before the workshop.\n\nBring your questions.",
                                   visibility="unlisted", notes_lang="en")
        add_heading(reading_list, "Part 1: lenders")
        add_record(reading_list, session.get(Record, kb.records["pr-it-901"]), note="Compare with:\n1. Madrid\n2. Liège")
        add_record(reading_list, session.get(Record, kb.records["rs-en-901"]))
        session.commit()
        list_id, token = reading_list.id, reading_list.share_token
    # A partner's draft, typed into the form as a partner would (before the server turns CSRF checks on).
    app.config["WTF_CSRF_ENABLED"] = False
    partner = app.test_client()
    with partner.session_transaction() as cookie:
        cookie["sid"] = session_key_for(app, kb.partner.id)
    saved = partner.post("/submit/new", data={"title": "Sportello di microcredito a Torino", "lang": "it",
                                              "summary": "Un pomeriggio a settimana per chi vuole aprire un'impresa.",
                                              "body": "Passi:\n1. Colloquio\n2. Piano d'impresa", "save": "1"})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:300]
    draft_id = int(re.search(r"/submit/(\d+)", saved.location)[1])
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pages-live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    yield {"app": app, "kb": kb, "url": base_url, "list_id": list_id, "token": token, "draft_id": draft_id}
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    dispose(app)


PAGES = {
    # name: (who is signed in, path)
    "home": (None, "/"),
    "results": (None, "/search?q=microcredito+donne+migranti"),
    "record": (None, "record:pr-es-901"),
    "list-owner": ("trainer", "list"),
    "list-shared": (None, "shared-list"),
    "submission": ("partner", "/submit/new"),
    "submission-preview": ("partner", "draft"),
    "handout": ("trainer", "handout"),
    "api-docs": (None, "/api/v1/docs"),
}


def open_page(browser: Browser, workshop: dict[str, Any], name: str, viewport: str, ui: str = "en") -> Page:
    who, path = PAGES[name]
    kb: KB = workshop["kb"]
    context = browser.new_context(base_url=workshop["url"], viewport=VIEWPORTS[viewport], locale="en-GB")
    context.set_default_timeout(30_000)
    if who:
        context.add_cookies([signed_in_cookie(kb.app, workshop["url"], getattr(kb, who).id, 0)])
    if path.startswith("record:"):
        path = f"/records/{kb.records[path.split(':')[1]]}"
    elif path == "list":
        path = f"/lists/{workshop['list_id']}"
    elif path == "draft":
        path = f"/submit/{workshop['draft_id']}"
    elif path == "handout":
        path = f"/lists/{workshop['list_id']}/handout"
    elif path == "shared-list":
        path = f"/lists/{workshop['list_id']}?token={workshop['token']}"
    page = context.new_page()
    page.goto(path + ("&" if "?" in path else "?") + f"ui={ui}")
    expect(page.locator("h1")).to_have_count(1)
    return page


def horizontal_overflow(page: Page) -> list[str]:
    """Elements that stick out past the right (or, in Arabic, left) edge of the window."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth, out = [];
      if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth + 'px');
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (!box.width || getComputedStyle(el).visibility === 'hidden') continue;
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
        }
        if (!clipped && (box.right > width + 1 || box.left < -1)) out.push(el.tagName + '.' + el.className + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
      }
      return out.slice(0, 10);
    }""")


def menu_items_reachable(page: Page, viewport: str) -> None:
    """Each link and button of the main menu can be seen whole inside the window (on a phone, after Menu)."""
    toggle = page.locator(".menu-toggle")
    if viewport == "phone":
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#main-menu")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
    items = page.locator("#main-menu > li > a, #main-menu > li button")
    assert items.count() >= 7
    width = page.evaluate("document.documentElement.clientWidth")
    for i in range(items.count()):
        item = items.nth(i)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (item.inner_text(), box)
        assert item.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), f"{item.inner_text()!r} is cut"


def assert_no_axe_violations(page: Page, label: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_is_navigable_and_passes_axe(browser: Browser, workshop: dict[str, Any], name: str,
                                                viewport: str) -> None:
    page = open_page(browser, workshop, name, viewport)
    try:
        assert horizontal_overflow(page) == [], f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"pages-{name}-{viewport}")
        assert_no_axe_violations(page, f"{name} at {viewport}")
        if name == "handout":  # a page to print: no site navigation on it
            return
        menu_items_reachable(page, viewport)
        if viewport == "phone":
            screenshot(page, f"pages-{name}-{viewport}-menu-open")
            assert_no_axe_violations(page, f"{name} at {viewport}, menu open")
    finally:
        page.context.close()


@pytest.mark.parametrize("ui", ["en", "it", "fr", "es", "de", "ar"])
def test_phone_search_box_and_mode_choice_fit(browser: Browser, workshop: dict[str, Any], ui: str) -> None:
    page = open_page(browser, workshop, "home", "phone", ui=ui)
    try:
        box = page.locator("#q")
        # The placeholder fits in the box: measured in the box's own font.
        fits = box.evaluate("""el => {
          const s = getComputedStyle(el), c = document.createElement('canvas').getContext('2d');
          c.font = s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
          const inner = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
          return c.measureText(el.placeholder).width <= inner;
        }""")
        assert fits, f"the {ui} placeholder is cut on a phone"
        tops = {round(label.bounding_box()["y"]) for label in page.locator(".mode-choice label").all()}
        assert len(tops) == 1, f"the {ui} search modes wrap onto {len(tops)} lines"
        assert horizontal_overflow(page) == []
        screenshot(page, f"pages-home-phone-{ui}")
    finally:
        page.context.close()


def test_menu_works_from_the_keyboard_on_a_phone(browser: Browser, workshop: dict[str, Any]) -> None:
    page = open_page(browser, workshop, "results", "phone")
    try:
        toggle = page.locator(".menu-toggle")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Reading lists")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="Reading lists")).to_be_hidden()
        expect(toggle).to_be_focused()
    finally:
        page.context.close()


@pytest.mark.parametrize("name", [n for n in PAGES if n != "api-docs"])
def test_arabic_pages_on_a_phone_fit_and_pass_axe(browser: Browser, workshop: dict[str, Any], name: str) -> None:
    page = open_page(browser, workshop, name, "phone", ui="ar")
    try:
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert horizontal_overflow(page) == [], f"{name} in Arabic scrolls sideways on a phone"
        assert_no_axe_violations(page, f"{name} in Arabic on a phone")
        screenshot(page, f"pages-{name}-phone-ar")
    finally:
        page.context.close()


def test_a_record_prints_as_its_text_without_the_site_around_it(browser: Browser, workshop: dict[str, Any]) -> None:
    page = open_page(browser, workshop, "record", "desktop")
    try:
        expect(page.get_by_role("button", name="Print this record")).to_be_visible()
        page.emulate_media(media="print")
        for hidden in (".site-header", ".site-footer", ".breadcrumbs", ".related", ".print-button"):
            expect(page.locator(hidden).first).to_be_hidden()
        expect(page.locator(".record-header h1")).to_be_visible()
        expect(page.locator(".record-body")).to_be_visible()
        expect(page.locator("#facts-title")).to_be_visible()
        screenshot(page, "pages-record-print")
    finally:
        page.context.close()
