"""The operator pages for searching and browsing, through the Flask test client over the shipped corpus."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from kb_app.db import get_session
from kb_app.i18n import language_name
from kb_app.kinds import LANGUAGES
from kb_app.models import Record, Theme

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def page(response: TestResponse) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def published_count(app: Flask, *conditions: object) -> int:
    with app.app_context():
        return get_session().scalar(
            select(func.count()).select_from(Record).where(Record.status == "published", *conditions)) or 0


def result_cards(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return doc.xpath('//ol[contains(@class, "results-list")]/li/article')


def facet_links(doc: lxml.html.HtmlElement, name: str) -> dict[str, lxml.html.HtmlElement]:
    return {a.get("data-value"): a for a in doc.xpath(f'//a[@data-facet="{name}"]')}


def test_home_has_one_search_box_the_themes_the_latest_practices_and_counts_per_language(
        corpus_app: Flask, corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/", headers={"Accept-Language": "en"}))

    boxes = doc.xpath('//input[@name="q"]')
    assert len(boxes) == 1
    assert doc.xpath(f'//label[@for="{boxes[0].get("id")}"]'), "the search box has a visible label"

    themes = [json.loads(line) for line in (CORPUS / "themes.jsonl").read_text(encoding="utf-8").splitlines() if line]
    theme_links = {a.get("href"): text(a) for a in doc.xpath('//ul[@class="theme-grid"]//a')}
    for theme in themes:
        assert theme["labels"]["en"] in theme_links[f"/browse/themes/{theme['slug']}"]

    latest = doc.xpath('//section[@aria-labelledby="latest-title"]//article')
    assert len(latest) == 6
    assert all("Good practice" in text(card) for card in latest)

    counts = {a.get("href"): text(a) for a in doc.xpath('//ul[@class="lang-counts"]//a')}
    for lang in LANGUAGES:
        shown = counts[f"/search?lang={lang}"]
        assert shown.endswith(str(published_count(corpus_app, Record.lang == lang)))


def test_results_say_the_detected_language_and_why_each_card_was_found(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=microcredito+senza+garanzie", headers={"Accept-Language": "en"}))

    assert "Query language detected: Italian" in text(doc.xpath('//p[@class="detected-lang"]')[0])
    cards = result_cards(doc)
    assert len(cards) == 10
    for card in cards:
        title = card.xpath('.//*[contains(@class, "card-title")]')[0]
        assert title.get("lang") in LANGUAGES, "the title is marked with its own language"
        assert re.fullmatch(r"http://localhost/records/\d+", title.xpath(".//a")[0].get("href"))
        badge = card.xpath('.//span[contains(@class, "badge-lang")]')[0]
        assert text(badge).upper().startswith(title.get("lang").upper())
        assert card.xpath('.//span[contains(@class, "badge-kind")]')
        assert card.xpath('.//p[@class="snippet"]')[0].get("lang") == title.get("lang")
        assert "Found through:" in text(card)
    assert doc.xpath('//p[@class="snippet"]/mark'), "matched words are highlighted"


def test_a_facet_filters_the_results_to_the_count_it_showed(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=microcredit"))
    spain = facet_links(doc, "country")["ES"]
    promised = int(text(spain.xpath('.//span[@class="count"]')[0]))

    filtered = page(corpus_client.get(spain.get("href")))
    assert text(filtered.xpath('//p[@class="total"]')[0]).startswith(f"{promised} result")
    assert all("Spain" in text(card.xpath('.//p[@class="card-meta"]')[0]) for card in result_cards(filtered))
    chosen = facet_links(filtered, "country")["ES"]
    assert chosen.get("aria-current") == "true"
    chips = filtered.xpath('//div[@class="active-filters"]//a')
    assert len(chips) == 1 and text(chips[0]).startswith("Country: Spain")
    assert chips[0].xpath('.//span[@class="visually-hidden"]')[0].text_content() == "(remove this filter)"

    # Choosing the value again removes the filter.
    assert "country" not in parse_qs(urlsplit(chosen.get("href")).query)


def test_the_mode_switch_offers_all_meaning_and_exact_words(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=business+plan"))
    modes = doc.xpath('//nav[@class="mode-switch"]//a')
    assert [text(a) for a in modes] == ["All", "Meaning", "Exact words"]
    assert modes[0].get("aria-current") == "page"
    keyword = page(corpus_client.get(modes[2].get("href")))
    assert parse_qs(urlsplit(modes[2].get("href")).query)["mode"] == ["keyword"]
    assert keyword.xpath('//nav[@class="mode-switch"]//a[@aria-current="page"]')[0].text_content() == "Exact words"
    assert keyword.xpath('//input[@name="mode"][@value="keyword"]')[0].get("checked") is not None


def test_the_results_can_be_ordered_by_relevance_newest_or_year(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=fondo+di+garanzia", headers={"Accept-Language": "it"}))
    links = doc.xpath('//nav[contains(@class, "sort-switch")]//a')
    assert [text(a) for a in links] == ["Pertinenza", "Più recenti", "Anno"]
    assert links[0].get("aria-current") == "page"
    by_year = page(corpus_client.get(links[2].get("href"), headers={"Accept-Language": "it"}))
    assert parse_qs(urlsplit(links[2].get("href")).query)["sort"] == ["year"]
    assert text(by_year.xpath('//p[@class="total"]')[0]) == text(doc.xpath('//p[@class="total"]')[0])
    assert by_year.xpath('//nav[contains(@class, "sort-switch")]//a[@aria-current="page"]')[0].text_content() == "Anno"
    # Another page or mode keeps the order.
    assert all("sort=year" in a.get("href") for a in by_year.xpath('//nav[@class="mode-switch"]//a'))


def test_results_are_paginated(corpus_client: FlaskClient) -> None:
    first = page(corpus_client.get("/search?q=microcredit"))
    second_link = first.xpath('//nav[@class="pagination"]//a[@rel="next"]')[0].get("href")
    second = page(corpus_client.get(second_link))
    assert second.xpath('//ol[contains(@class, "results-list")]')[0].get("start") == "11"
    assert second.xpath('//nav[@class="pagination"]//a[@aria-current="page"]')[0].text_content().endswith("2")
    assert second.xpath('//nav[@class="pagination"]//a[@rel="prev"]')
    first_ids = {card.xpath(".//a")[0].get("href") for card in result_cards(first)}
    second_ids = {card.xpath(".//a")[0].get("href") for card in result_cards(second)}
    assert first_ids and second_ids and not first_ids & second_ids


def test_no_results_page_suggests_what_to_do(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=zzqxvw&mode=keyword&theme=guarantee-funds"))
    box = doc.xpath('//section[@class="no-results"]')[0]
    assert "Nothing found for “zzqxvw”" in text(box)
    drop = box.xpath('.//a[starts-with(normalize-space(.), "Theme:")]')[0]
    assert "theme" not in parse_qs(urlsplit(drop.get("href")).query)
    assert box.xpath('.//a[normalize-space(.)="Search by words and meaning together"]')
    assert box.xpath('.//a[@href="/browse/themes"]')


def test_a_query_the_catalogue_cannot_answer_gets_the_no_results_page_in_the_default_mode(
        corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=xyzzy+quantum+blockchain", headers={"Accept-Language": "it"}))
    assert text(doc.xpath('//p[@class="total"]')[0]) == "Nessun risultato"
    assert not result_cards(doc)
    box = doc.xpath('//section[@class="no-results"]')[0]
    assert box.xpath('.//a[@href="/browse/themes"]') and box.xpath('.//a[@href="/browse/countries"]')
    assert not box.xpath('.//a[normalize-space(.)="Cerca per parole e significato insieme"]'), "already that mode"
    api = corpus_client.get(doc.xpath('//link[@rel="alternate"][@type="application/json"]')[0].get("href"))
    assert api.get_json()["total"] == 0


def test_a_misspelt_query_offers_the_spelling_it_searched_as_a_link(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=permeso+di+sogiorno", headers={"Accept-Language": "it"}))
    line = doc.xpath('//p[@class="did-you-mean"]')[0]
    assert text(line) == "Forse cercavi: permesso di soggiorno"
    link = line.xpath(".//a")[0]
    assert parse_qs(urlsplit(link.get("href")).query)["q"] == ["permesso di soggiorno"]
    corrected = page(corpus_client.get(link.get("href"), headers={"Accept-Language": "it"}))
    assert not corrected.xpath('//p[@class="did-you-mean"]')
    assert len(result_cards(corrected)) >= 5


def test_a_search_without_words_but_with_a_filter_lists_that_slice(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?lang=es&per_page=100"))
    cards = result_cards(doc)
    spanish = published_count(corpus_app, Record.lang == "es")
    assert text(doc.xpath('//p[@class="total"]')[0]).startswith(f"{spanish} results")
    assert len(cards) == min(100, spanish)
    assert {card.xpath('.//*[contains(@class, "card-title")]')[0].get("lang") for card in cards} == {"es"}

    empty = page(corpus_client.get("/search"))
    assert not result_cards(empty)
    assert empty.xpath('//a[@href="/browse/paths"]')


def test_bad_search_parameters_get_an_error_page(corpus_client: FlaskClient) -> None:
    response = corpus_client.get("/search?q=credit&mode=fastest")
    assert response.status_code == 400
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert "mode" in text(doc.xpath('//p[@class="error-message"]')[0])


def test_browse_by_theme_lists_every_record_of_the_theme_page_by_page(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    index = page(corpus_client.get("/browse/themes"))
    themes = [line for line in (CORPUS / "themes.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert len(index.xpath('//ul[@class="theme-grid"]/li')) == len(themes)

    with corpus_app.app_context():
        theme = get_session().scalar(select(Theme).where(Theme.slug == "access-to-credit"))
        expected = published_count(corpus_app, Record.themes.any(Theme.id == theme.id))
    first = page(corpus_client.get("/browse/themes/access-to-credit"))
    assert text(first.xpath("//h1")[0]) == "Access to credit and microcredit"
    assert text(first.xpath('//p[@class="total"]')[0]) == f"{expected} records"
    seen = len(first.xpath('//div[@class="cards"]/article'))
    assert seen == min(20, expected)
    pages = first.xpath('//nav[@class="pagination"]//a[not(@rel)]')
    for link in pages[1:]:
        seen += len(page(corpus_client.get(link.get("href"))).xpath('//div[@class="cards"]/article'))
    assert seen == expected
    within = first.xpath('//form[@class="search-within"]//input[@type="hidden"]')[0]
    assert (within.get("name"), within.get("value")) == ("theme", "access-to-credit")


def test_browse_by_country_shows_partner_countries_and_their_partners(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    index = page(corpus_client.get("/browse/countries"))
    partner_rows = [text(li) for li in index.xpath('//ul[@class="country-list"]/li') if "partner country" in text(li)]
    assert sorted(row.split()[1] for row in partner_rows) == ["Belgium", "Germany", "Italy", "Spain"]

    belgium = page(corpus_client.get("/browse/countries/be"))
    assert text(belgium.xpath("//h1")[0]) == "Belgium"
    assert "Mediter – Réseau Euro-Méditerranéen pour la Coopération" in text(belgium.xpath('//section[@class="partners"]')[0])
    assert all("Belgium" in text(c.xpath('.//p[@class="card-meta"]')[0])
               for c in belgium.xpath('//div[@class="cards"]/article'))
    assert corpus_client.get("/browse/countries/XX").status_code == 404


def test_browse_by_curriculum_path_lists_modules_in_order(corpus_client: FlaskClient) -> None:
    curriculum = json.loads((CORPUS / "curriculum.json").read_text(encoding="utf-8"))
    for path in curriculum["paths"]:
        doc = page(corpus_client.get(f"/browse/paths/{path['slug']}", headers={"Accept-Language": "it"}))
        assert text(doc.xpath("//h1")[0]) == path["titles"]["it"]
        modules = sorted(path["modules"], key=lambda m: m["position"])
        shown = [li.get("id") for li in doc.xpath('//ol[@class="modules"]/li')]
        assert shown == [f"module-{m['slug']}" for m in modules]
        headings = [text(h) for h in doc.xpath('//ol[@class="modules"]/li/h2')]
        assert headings == [f"Modulo {m['position']} {m['titles']['it']}" for m in modules]
        assert doc.xpath('//ul[@class="module-resources"]/li//a[starts-with(@href, "http://localhost/records/")]')
    assert corpus_client.get("/browse/paths/nowhere").status_code == 404


def test_overview_draws_charts_and_a_map_from_live_counts(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/overview"))
    language_chart = doc.xpath('//section[@aria-labelledby="lang-title"]//svg')[0]
    values = [int(t.text) for t in language_chart.xpath('.//*[@class="bar-value"]')]
    assert values == [published_count(corpus_app, Record.lang == lang) for lang in LANGUAGES]
    themes = [line for line in (CORPUS / "themes.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert len(doc.xpath('//section[@aria-labelledby="theme-title"]//svg//*[contains(@class, "bar ")]')) == len(themes)

    country_map = doc.xpath('//svg[@class="country-map"]')[0]
    drawn = {a.get("href").rsplit("/", 1)[1] for a in country_map.xpath(".//a")}
    assert {"IT", "BE", "ES", "DE"} <= drawn
    bubbles = sorted(int(t.text) for t in country_map.xpath('.//*[@class="map-count"]/*[local-name()="text"]'))
    expected = sorted(n for n in (published_count(corpus_app, Record.kind == "practice", Record.country == code)
                                  for code in drawn) if n)
    assert bubbles == expected
    # The figures are also readable without the pictures.
    assert doc.xpath('//section[@aria-labelledby="lang-title"]//table//td')


def test_the_page_and_its_json_twin_detect_the_same_query_language(corpus_client: FlaskClient) -> None:
    # One word that several languages share: the interface language tips the balance, on the page and in the API.
    for ui in ("it", "en", "de"):
        doc = page(corpus_client.get(f"/search?q=credito&ui={ui}"))
        shown = text(doc.xpath('//p[@class="detected-lang"]/strong')[0])
        twin = doc.xpath('//link[@rel="alternate"][@type="application/json"]/@href')[0]
        assert f"hint_lang={ui}" in twin
        api = corpus_client.get(twin).get_json()["query"]
        assert api["hint_lang"] == ui
        with corpus_client.application.test_request_context(f"/?ui={ui}"):
            assert shown == language_name(api["detected_lang"]), (ui, shown, api["detected_lang"])
    assert corpus_client.get("/api/v1/search?q=credito&hint_lang=xx").status_code == 400


def test_facet_labels_are_in_the_language_of_the_page(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=microcredito&ui=it"))
    spanish = doc.xpath('//a[@data-facet="lang"][@data-value="es"]/span[@class="facet-label"]')[0]
    assert text(spanish) == "spagnolo" or text(spanish) == "Spagnolo"
    # No lang of its own: it inherits the page's Italian, so a screen reader does not switch to a Spanish voice.
    assert spanish.get("lang") is None and doc.get("lang") == "it"


def test_arabic_pages_join_lists_with_the_arabic_comma(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=microcredito+donne+migranti+garanzie&mode=keyword&ui=ar"))
    lines = [text(li) for li in doc.xpath('//li[@class="via-keyword"]') if len(li.xpath('.//span[@class="term"]')) > 1]
    assert lines, "some card was found through several words"
    assert all("،" in line and ", " not in line for line in lines), lines[:2]
    doc = page(corpus_client.get("/search?q=microcredito+donne+migranti+garanzie&mode=keyword&ui=it"))
    assert any(", " in text(li) for li in doc.xpath('//li[@class="via-keyword"]'))
