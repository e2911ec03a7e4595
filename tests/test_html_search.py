"""The operator pages for searching and browsing, through the Flask test client over the shipped corpus."""
from __future__ import annotations


import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
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


def facet_boxes(doc: lxml.html.HtmlElement, name: str) -> dict[str, lxml.html.HtmlElement]:
    """The checkboxes of a facet by value."""
    return {box.get("value"): box for box in doc.xpath(f'//input[@type="checkbox"][@data-facet="{name}"]')}


def facet_count(box: lxml.html.HtmlElement) -> int:
    return int(text(box.getparent().xpath('.//span[@class="count"]')[0]))


def submitted(doc: lxml.html.HtmlElement, **typed: str) -> list[tuple[str, str]]:
    """What the browser sends when the search form is submitted: its own fields and those tied to it with
    form="search-form" (ticked boxes and checked radios only), with `typed` values in the named fields."""
    form = doc.get_element_by_id("search-form")
    assert form.tag == "form" and form.get("method") == "get"
    pairs = []
    for field in form.xpath(".//input") + doc.xpath('//input[@form="search-form"]'):
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind in ("checkbox", "radio") and field.get("checked") is None:
            continue
        pairs.append((name, typed.pop(name) if name in typed else field.get("value") or ""))
    assert not typed, f"no field named {list(typed)}"
    return pairs


def submit(client: FlaskClient, doc: lxml.html.HtmlElement, lang: str = "en", **typed: str) -> lxml.html.HtmlElement:
    action = doc.get_element_by_id("search-form").get("action")
    return page(client.get(action, query_string=submitted(doc, **typed), headers={"Accept-Language": lang}))


def total_shown(doc: lxml.html.HtmlElement) -> str:
    return text(doc.xpath('//p[@class="total"]')[0])


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
    spain = facet_boxes(doc, "country")["ES"]
    promised = facet_count(spain)
    assert spain.get("form") == "search-form" and spain.get("checked") is None
    assert doc.xpath('//fieldset[@id="facet-country"]/legend')[0].text_content() == "Country"
    spain.set("checked", "checked")

    filtered = submit(corpus_client, doc)
    assert total_shown(filtered).startswith(f"{promised} result")
    assert all("Spain" in text(card.xpath('.//p[@class="card-meta"]')[0]) for card in result_cards(filtered))
    chosen = facet_boxes(filtered, "country")["ES"]
    assert chosen.get("checked") is not None
    chips = filtered.xpath('//div[@class="active-filters"]//a')
    assert len(chips) == 1 and text(chips[0]).startswith("Country: Spain")
    assert chips[0].xpath('.//span[@class="visually-hidden"]')[0].text_content() == "(remove this filter)"
    # The filter is the ticked box, not a hidden copy of it: unticking it and applying removes it.
    assert not filtered.xpath('//form[@id="search-form"]//input[@type="hidden"][@name="country"]')
    del chosen.attrib["checked"]
    assert total_shown(submit(corpus_client, filtered)) == total_shown(doc)


def test_ticking_two_languages_gives_their_union_and_the_others_keep_their_counts(own_client: FlaskClient) -> None:
    doc = page(own_client.get("/search?q=microcredito+per+donne", headers={"Accept-Language": "en"}))
    counts = {lang: facet_count(box) for lang, box in facet_boxes(doc, "lang").items()}
    first, second = sorted(counts, key=lambda lang: -counts[lang])[:2]
    for lang in (first, second):
        facet_boxes(doc, "lang")[lang].set("checked", "checked")
    assert doc.xpath('//button[@form="search-form"][@type="submit"]')[0].text_content().strip() == "Apply filters"

    both = submit(own_client, doc)
    assert total_shown(both).startswith(f"{counts[first] + counts[second]} results")
    assert {lang: facet_count(box) for lang, box in facet_boxes(both, "lang").items()} == counts
    assert {lang for lang, box in facet_boxes(both, "lang").items() if box.get("checked") is not None} == {first, second}
    twin = both.xpath('//link[@rel="alternate"][@type="application/json"]')[0].get("href")
    assert sorted(parse_qs(urlsplit(twin).query)["lang"]) == sorted([first, second])
    assert own_client.get(twin).get_json()["total"] == counts[first] + counts[second]
    titles = {card.xpath('.//*[contains(@class, "card-title")]')[0].get("lang") for card in result_cards(both)}
    assert titles <= {first, second}

    # "Clear filters" is the same search with no filter.
    clear = both.xpath('//a[@class="clear-filters"]')[0]
    assert parse_qs(urlsplit(clear.get("href")).query) == {"q": ["microcredito per donne"]}
    assert total_shown(page(own_client.get(clear.get("href")))) == total_shown(doc)


def test_a_new_search_keeps_the_order_and_page_size(own_client: FlaskClient) -> None:
    doc = page(own_client.get("/search?q=microcredito&sort=year&per_page=20&lang=it"))
    again = dict(submitted(doc, q="fondo di garanzia"))
    assert again["sort"] == "year" and again["per_page"] == "20" and again["lang"] == "it"


def test_a_year_range_narrows_the_results_to_the_years_counted(own_client: FlaskClient) -> None:
    doc = page(own_client.get("/search?q=microcredito", headers={"Accept-Language": "en"}))
    years = {int(a.get("data-year")): int(text(a.xpath('.//span[@class="count"]')[0]))
             for a in doc.xpath('//a[@data-year]')}
    low, high = sorted(years)[1], sorted(years)[-2]
    ranged = submit(own_client, doc, year_from=str(low), year_to=str(high))
    assert total_shown(ranged).startswith(f"{sum(n for y, n in years.items() if low <= y <= high)} result")
    shown = [int(text(y)) for y in ranged.xpath('//ol[contains(@class, "results-list")]//span[@class="meta-year"]')]
    assert shown and all(low <= y <= high for y in shown)
    assert ranged.xpath('//input[@name="year_from"]')[0].get("value") == str(low)
    assert any(text(chip).startswith(f"Year from: {low}") for chip in ranged.xpath('//div[@class="active-filters"]//a'))


def test_an_event_date_range_shows_only_the_events_of_those_days(own_client: FlaskClient) -> None:
    doc = page(own_client.get("/search?q=conferenza", headers={"Accept-Language": "en"}))
    assert len(result_cards(doc)) > 3
    march = submit(own_client, doc, **{"from": "2027-03-01", "to": "2027-03-31"})
    cards = result_cards(march)
    assert total_shown(march).startswith("1 result") and len(cards) == 1
    assert "Bruxelles" in text(cards[0]) or "belge" in text(cards[0])
    assert march.xpath('//input[@name="from"][@type="date"]')[0].get("value") == "2027-03-01"


def test_unknown_countries_bad_years_and_bad_dates_get_an_error_page_naming_them(own_client: FlaskClient) -> None:
    for args, name in (("country=ZZ", "country"), ("year_from=abc", "year_from"), ("year_from=2022&year_to=2020", "year_to"),
                       ("from=2027-02-30", "from"), ("from=2027-03-01&to=2027-02-01", "to")):
        response = own_client.get(f"/search?q=credito&{args}", headers={"Accept-Language": "en"})
        assert response.status_code == 400, args
        message = text(lxml.html.fromstring(response.get_data(as_text=True)).xpath('//p[@class="error-message"]')[0])
        assert message.startswith(name), (args, message)


def test_one_mode_control_offers_all_meaning_and_exact_words(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=business+plan&lang=en"))
    assert not doc.xpath('//nav[contains(@class, "mode-switch")][not(contains(@class, "sort-switch"))]')
    radios = doc.xpath('//form[@id="search-form"]//input[@type="radio"][@name="mode"]')
    assert [text(r.getparent()) for r in radios] == ["All", "Meaning", "Exact words"]
    assert radios[0].get("checked") is not None
    radios[0].attrib.pop("checked")
    radios[2].set("checked", "checked")
    keyword = submit(corpus_client, doc)
    assert keyword.xpath('//input[@name="mode"][@value="keyword"]')[0].get("checked") is not None
    assert facet_boxes(keyword, "lang")["en"].get("checked") is not None, "the filters stay"


def test_the_results_can_be_ordered_by_relevance_newest_or_year(corpus_client: FlaskClient) -> None:
    doc = page(corpus_client.get("/search?q=fondo+di+garanzia", headers={"Accept-Language": "it"}))
    links = doc.xpath('//nav[contains(@class, "sort-switch")]//a')
    assert [text(a) for a in links] == ["Pertinenza", "Più recenti", "Anno"]
    assert links[0].get("aria-current") == "page"
    by_year = page(corpus_client.get(links[2].get("href"), headers={"Accept-Language": "it"}))
    assert parse_qs(urlsplit(links[2].get("href")).query)["sort"] == ["year"]
    assert text(by_year.xpath('//p[@class="total"]')[0]) == text(doc.xpath('//p[@class="total"]')[0])
    assert by_year.xpath('//nav[contains(@class, "sort-switch")]//a[@aria-current="page"]')[0].text_content() == "Anno"
    # Another page or a new search keeps the order.
    assert all("sort=year" in a.get("href") for a in by_year.xpath('//nav[@class="pagination"]//a'))
    assert ("sort", "year") in submitted(by_year)


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
    spanish = doc.xpath('//input[@data-facet="lang"][@data-value="es"]/following-sibling::span[@class="facet-label"]')[0]
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
