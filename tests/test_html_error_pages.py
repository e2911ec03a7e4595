"""Error pages speak the interface language: no English from the web framework or from our own messages."""
from __future__ import annotations

import lxml.html
import pytest
from flask import Flask
from werkzeug import exceptions

from conftest import signed_in

UI_LANGUAGES = ("it", "fr", "es", "de", "ar")
# (what the visitor does, the status it must get)
REQUESTS = [
    ("GET", "/no-such-page", 404),
    ("POST", "/browse/themes", 405),
    ("GET", "/review", 403),
    ("GET", "/lists/987654", 404),
    ("GET", "/browse/themes/no-such-theme", 404),
    ("GET", "/records/987654", 404),
    ("GET", "/api/v1/no-such-endpoint", 404),
]
WERKZEUG_ENGLISH = [cls.description for cls in vars(exceptions).values()
                    if isinstance(cls, type) and issubclass(cls, exceptions.HTTPException) and isinstance(cls.description, str)]


@pytest.mark.parametrize("method, url, status", REQUESTS)
def test_every_error_page_is_in_the_interface_language(app: Flask, method: str, url: str, status: int) -> None:
    partner = signed_in(app, "partner@example.org", "partner", "enm")  # the review queue is refused to a partner
    seen = {}
    for lang in ("en", *UI_LANGUAGES):
        response = partner.open(url, method=method, headers={"Accept-Language": lang})
        assert response.status_code == status, (lang, url)
        if response.is_json:
            heading, message = "", response.get_json()["error"]["message"]
        else:
            doc = lxml.html.fromstring(response.get_data(as_text=True))
            assert doc.get("lang") == lang
            heading = doc.xpath("//h1")[0].text_content().strip()
            message = "".join(p.text_content() for p in doc.xpath('//p[@class="error-message"]'))
        assert message, f"{url} in {lang}: the page says what went wrong"
        assert not any(english in message for english in WERKZEUG_ENGLISH), (lang, message)
        seen[lang] = (heading, message)
    for lang in UI_LANGUAGES:
        assert seen[lang][1] != seen["en"][1], f"{url}: the message is still English in {lang}: {seen[lang][1]!r}"
        if seen["en"][0]:
            assert seen[lang][0] != seen["en"][0], f"{url}: the heading is still English in {lang}"
