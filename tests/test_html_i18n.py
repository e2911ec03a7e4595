"""Six interface languages: the switcher, the remembered choice, Accept-Language, right-to-left Arabic, full catalogues."""
from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from kb_app.db import get_session
from kb_app.kinds import LANGUAGES
from kb_app.models import Record

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "kb_app" / "translations"
# The keywords of `pybabel extract -k lazy_gettext -k _l -k _`: forms and vocabularies mark labels with lazy_gettext as _l.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[a-z]")
SEARCH_WORD = {"it": "Cerca", "en": "Search", "fr": "Rechercher", "es": "Buscar", "de": "Suchen", "ar": "بحث"}


def page(response: TestResponse) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml.html.fromstring(response.get_data(as_text=True))


def nav_search_word(doc: lxml.html.HtmlElement) -> str:
    return doc.xpath('//nav[@class="main-nav"]//a')[0].text_content().strip()


def test_the_switcher_changes_the_language_and_it_is_remembered(corpus_client: FlaskClient) -> None:
    home = page(corpus_client.get("/", headers={"Accept-Language": "en"}))
    switcher = {a.get("hreflang"): a for a in home.xpath('//nav[@class="lang-switch"]//a')}
    assert list(switcher) == list(LANGUAGES)
    assert switcher["en"].get("aria-current") == "true"
    assert switcher["de"].text_content() == "Deutsch" and switcher["de"].get("lang") == "de"

    german = page(corpus_client.get(switcher["de"].get("href"), headers={"Accept-Language": "en"}))
    assert german.get("lang") == "de" and nav_search_word(german) == "Suchen"
    # Remembered on the next pages, even though the browser still prefers English.
    later = page(corpus_client.get("/browse/themes", headers={"Accept-Language": "en"}))
    assert later.get("lang") == "de"
    assert later.xpath("//h1")[0].text_content() == "Nach Thema stöbern"


def test_without_a_choice_the_browser_language_decides_then_english(corpus_app: Flask) -> None:
    for header, expected in [("es-ES,es;q=0.9,en;q=0.5", "es"), ("ja,zh;q=0.8", "en"), ("fr-BE", "fr"), (None, "en")]:
        client = corpus_app.test_client()
        headers = {"Accept-Language": header} if header else {}
        doc = page(client.get("/", headers=headers))
        assert doc.get("lang") == expected, header
        assert nav_search_word(doc) == SEARCH_WORD[expected]
    response = corpus_app.test_client().get("/")
    assert "Accept-Language" in response.headers["Vary"]


def test_arabic_pages_are_right_to_left_and_foreign_content_keeps_its_direction(
        corpus_app: Flask, corpus_client: FlaskClient) -> None:
    with corpus_app.app_context():
        italian = get_session().scalar(select(Record.id).where(Record.external_id == "pr-it-001"))
    doc = page(corpus_client.get(f"/records/{italian}?ui=ar"))
    assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl")
    title = doc.xpath("//h1")[0]
    assert (title.get("lang"), title.get("dir")) == ("it", "ltr")
    assert doc.xpath('//section[@class="record-section"]/h2')[0].text_content() == "السياق"


def test_lang_on_the_results_page_filters_records_and_leaves_the_interface_alone(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=microcredit&lang=es", headers={"Accept-Language": "en"}))
    assert doc.get("lang") == "en"
    titles = doc.xpath('//ol[contains(@class, "results-list")]//*[contains(@class, "card-title")]')
    assert titles and {t.get("lang") for t in titles} == {"es"}
    # Elsewhere `lang` in the address is taken as a choice of interface language.
    assert page(corpus_client.get("/overview?lang=fr")).get("lang") == "fr"


def test_switcher_links_keep_the_current_search(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=garanzia&theme=guarantee-funds&ui=it"))
    french = doc.xpath('//nav[@class="lang-switch"]//a[@hreflang="fr"]')[0].get("href")
    assert french == "/search?q=garanzia&theme=guarantee-funds&ui=fr"
    assert doc.xpath('//input[@name="q"]')[0].get("value") == "garanzia"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_operator_page_renders_in_each_language(corpus_app: Flask, lang: str) -> None:
    client = corpus_app.test_client()
    with corpus_app.app_context():
        some = get_session().scalars(select(Record.id).where(Record.kind == "resource").limit(1)).one()
    for url in ("/", "/search?q=microcredit", "/search?q=qqqzzz&mode=keyword", "/browse/themes",
                "/browse/themes/mentoring", "/browse/countries", "/browse/countries/DE", "/browse/paths",
                "/browse/paths/entrepreneurs", "/overview", f"/records/{some}"):
        doc = page(client.get(url, headers={"Accept-Language": lang}))
        assert doc.get("lang") == lang, url
        assert doc.get("dir") == ("rtl" if lang == "ar" else "ltr"), url
        assert nav_search_word(doc) == SEARCH_WORD[lang], url


@cache
def interface_messages() -> frozenset[str | tuple[str, str]]:
    """Every string the code and templates mark for translation, found as babel.cfg tells pybabel to look."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str | tuple[str, str]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return frozenset(found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_interface_string_is_translated_and_compiled(lang: str) -> None:
    wanted = interface_messages()
    assert len(wanted) > 500
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid in wanted:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalogue.get(key)
        assert message is not None, f"{lang}: {key!r} is missing; run pybabel extract/update"
        assert not message.fuzzy, f"{lang}: {key!r} is fuzzy"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(forms) == (catalogue.num_plurals if isinstance(msgid, tuple) else 1), f"{lang}: {key!r} forms"
        assert all(forms), f"{lang}: {key!r} is not translated"
        if isinstance(msgid, tuple):
            assert compiled.ngettext(msgid[0], msgid[1], 5) == forms[gettext.c2py(catalogue.plural_expr)(5)]
        else:
            assert compiled.gettext(msgid) == forms[0], f"{lang}: messages.mo is older than messages.po"
            # A dropped placeholder loses a name or a number the reader needs.
            assert sorted(PLACEHOLDER.findall(forms[0])) == sorted(PLACEHOLDER.findall(msgid)), f"{lang}: {key!r}"
    # A placeholder the translation renamed or invented would break the page that formats it.
    broken = {str(message.id): [str(e) for e in errors] for message, errors in catalogue.check()}
    assert not broken, f"{lang}: {broken}"
