"""In a real browser: a trainer saves a search; a partner's practice is published; `kb notify` mails one digest, then none."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from browser import screenshot
from conftest import Kb, PASSWORD, dispose, make_app, signed_in
from kb_app.accounts import create_user
from kb_app.cli import initialise
from kb_app.db import get_session
from smtp_test_server import smtp_server
from test_html_review import PRACTICE

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


@dataclass
class Served:
    app: Flask
    url: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, databases) -> Iterator[Served]:  # noqa: ANN001
    """A knowledge base of its own (this test writes to it), served on a free local port."""
    app = make_app(tmp_path_factory.mktemp("browser-alerts"), databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app, load_seed=False)
        create_user(get_session(), email="trainer@example.org", password=PASSWORD, role="trainer")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="alerts-live-server", daemon=True)
    thread.start()
    yield Served(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    dispose(app)


def test_trainer_saves_a_search_and_kb_notify_mails_the_new_practice_once(browser: object, served: Served) -> None:
    context = browser.new_context(base_url=served.url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#email", "trainer@example.org")
        page.fill("#password", PASSWORD)
        page.locator("main").get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/account")
        page.goto("/search?country=DE&kind=practice")
        page.select_option("#save-search-frequency", "weekly")
        page.get_by_role("button", name="Save this search").click()
        page.wait_for_url("**/alerts")
        assert "Search saved" in page.locator(".flashes").inner_text()
        assert "Weekly" in page.locator("table.saved-searches").inner_text()
        screenshot(page, "alerts-saved")
    finally:
        context.close()

    partner = signed_in(served.app, "ana@example.org", "partner", "enm")
    editor = signed_in(served.app, "ed@example.org", "editor")
    response = partner.post("/submit/new", data={**PRACTICE, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    partner.post(f"/submit/{record_id}/send")
    editor.post(f"/review/{record_id}/publish", data={"comment": ""})

    with smtp_server() as box:
        kb = Kb(Path(served.app.config["KB_DATA_DIR"]), served.app.config["DATABASE_URL"])
        kb.env.update({"KB_MAIL_SERVER": box.server, "KB_PUBLIC_URL": served.url})
        first = kb("notify")
        assert first.exit_code == 0 and "1 digests sent with 1 records" in first.output, first.output
        (digest,) = box.wait_for(1)
        assert digest["To"] == "trainer@example.org"
        assert f"{served.url}/records/{record_id}" in digest.get_content()
        second = kb("notify")
        assert second.exit_code == 0 and "0 digests sent" in second.output
        assert len(box.wait_for(2, timeout=1)) == 1
