"""Record pages: laid out like the practice / resource template, other versions, related material, JSON twin, escaping."""
from __future__ import annotations

import json

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Record


def page(response: TestResponse) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def record_id(app: Flask, external_id: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Record.id).where(Record.external_id == external_id))


def facts(doc: lxml.html.HtmlElement, css_class: str = "facts") -> dict[str, str]:
    return {text(div.xpath("./dt")[0]): text(div.xpath("./dd")[0])
            for div in doc.xpath(f'//dl[contains(@class, "{css_class}")]/div')}


def test_a_practice_page_follows_the_exchange_template(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    rid = record_id(corpus_app, "pr-fr-001")
    doc = page(corpus_client.get(f"/records/{rid}", headers={"Accept-Language": "en"}))

    assert doc.get("lang") == "en"
    title = doc.xpath("//h1")[0]
    assert title.get("lang") == "fr" and title.get("dir") == "ltr"
    assert text(title).startswith("Microcrédit accompagné pour entrepreneurs migrants à Bruxelles")
    badge = doc.xpath('//header[@class="record-header"]//span[contains(@class, "badge-lang")]')[0]
    assert [text(part) for part in badge] == ["FR", "French"]
    assert badge[0].get("aria-hidden") == "true", "screen readers hear the language name, not the code"

    headings = [text(h) for h in doc.xpath('//section[@class="record-section"]/h2')]
    assert headings == ["Context", "Target group", "Challenge addressed", "Method and activities", "Results",
                        "Resources needed", "Evidence of success", "Transferability",
                        "Difficulties and how they were overcome"]
    for body in doc.xpath('//section[@class="record-section"]/div'):
        assert body.get("lang") == "fr", "content is marked with its own language"

    about = facts(doc)
    assert about["Country"] == "Belgium, Bruxelles"
    assert about["Dates"] == "from 2017-03-01 to 2021-06-30"
    assert about["Year"] == "2017"
    assert "Access to credit and microcredit" in about["Themes"]
    assert about["Reference"] == "pr-fr-001"

    twin = doc.xpath('//p[@class="json-twin"]/a')[0]
    assert twin.get("href") == f"http://localhost/api/v1/records/{rid}"
    assert twin.get("type") == "application/json"
    assert doc.xpath(f'//link[@rel="alternate"][@type="application/json"][@href="{twin.get("href")}"]')
    assert corpus_client.get(twin.get("href")).status_code == 200


def test_a_resource_page_shows_audience_level_duration_and_its_place_in_the_path(
        corpus_app: Flask, corpus_client: FlaskClient) -> None:
    rid = record_id(corpus_app, "rs-fr-001")
    doc = page(corpus_client.get(f"/records/{rid}", headers={"Accept-Language": "en"}))
    shown = facts(doc, "facts-resource")
    assert shown["Audience"] == "Operators"
    assert shown["Competence area"] == "Economics and finance"
    assert shown["Level"] == "Intermediate"
    assert shown["Duration"] == "50 minutes"
    assert shown["Format"] == "Exercise"
    assert shown["Place in the curriculum"] == (
        "E-learning path for operators › Module 1: Credit assessment for micro-entrepreneurs › unit 1")
    module_link = doc.xpath('//dl[contains(@class, "facts-resource")]//a')[1].get("href")
    assert module_link == "/browse/paths/operators#module-op-credit-assessment"
    assert [text(h) for h in doc.xpath('//section[@class="record-section"]/h2')][-1] == "Content"


def test_related_material_is_listed_without_the_record_itself(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    rid = record_id(corpus_app, "pr-fr-002")
    doc = page(corpus_client.get(f"/records/{rid}"))
    related = doc.xpath('//section[@class="related"]//article')
    assert 1 <= len(related) <= 6
    links = [card.xpath(".//a")[0].get("href") for card in related]
    assert f"http://localhost/records/{rid}" not in links
    assert all(card.xpath('.//*[contains(@class, "card-title")]')[0].get("lang") for card in related)


def test_a_missing_record_gets_the_not_found_page(corpus_client: FlaskClient) -> None:
    response = corpus_client.get("/records/987654", headers={"Accept-Language": "it"})
    assert response.status_code == 404
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert doc.get("lang") == "it"
    assert text(doc.xpath("//h1")[0]) == "Pagina non trovata"
    assert doc.xpath('//a[@href="/"]')


def test_language_versions_link_each_other_and_record_text_is_never_markup(app: Flask, client: FlaskClient) -> None:
    lines = [
        {"id": "pr-it-900", "kind": "practice", "lang": "it", "title": "<script>alert('x')</script> Sportello microcredito",
         "body": "Primo paragrafo con <b>grassetto</b> finto.\n\nSecondo paragrafo.", "country": "IT",
         "method": "1. Accoglienza\n2. Colloquio", "contact": "<img src=x onerror=alert(1)>"},
        {"id": "pr-ar-900", "kind": "practice", "lang": "ar", "title": "شباك القروض الصغيرة",
         "body": "نص الممارسة بالعربية.", "country": "IT", "translation_of": "pr-it-900"},
    ]
    with app.app_context():
        import_records(get_session(), "\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    italian, arabic = record_id(app, "pr-it-900"), record_id(app, "pr-ar-900")

    response = client.get(f"/records/{italian}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>grassetto" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Sportello microcredito" in html
    doc = page(response)
    context = doc.xpath('//section[@aria-labelledby="sec-body"]/div/p')
    assert [text(p) for p in context] == ["Primo paragrafo con <b>grassetto</b> finto.", "Secondo paragrafo."]
    steps = doc.xpath('//section[@aria-labelledby="sec-method"]//ol/li')
    assert [text(li) for li in steps] == ["Accoglienza", "Colloquio"], "numbered lines read as a numbered list"

    version = doc.xpath('//ul[@class="versions"]/li/a')[0]
    assert version.get("href") == f"http://localhost/records/{arabic}"
    assert version.get("lang") == "ar" and version.get("dir") == "rtl"
    back = page(client.get(f"/records/{arabic}")).xpath('//ul[@class="versions"]/li/a')[0]
    assert back.get("href") == f"http://localhost/records/{italian}"


def test_a_record_in_another_language_lists_its_key_terms_in_the_readers_language(
        corpus_app: Flask, corpus_client: FlaskClient) -> None:
    from kb_app.search_service import get_search_service
    rid = record_id(corpus_app, "pr-fr-001")
    thesaurus = get_search_service(corpus_app).engine.thesaurus
    english = {label for cid in thesaurus.concepts for label in thesaurus.labels(cid, "en")}
    doc = page(corpus_client.get(f"/records/{rid}", headers={"Accept-Language": "en"}))
    box = doc.xpath('//section[contains(@class, "key-terms")]')[0]
    assert text(box.xpath(".//h2")[0]) == "Key terms in your language"
    links = box.xpath(".//a")
    assert links and all(text(a) in english for a in links), [text(a) for a in links]
    first = links[0]
    found = corpus_client.get(first.get("href"), headers={"Accept-Language": "en"})
    assert found.status_code == 200 and text(first) in found.get_data(as_text=True)
    arabic = page(corpus_client.get(f"/records/{rid}", headers={"Accept-Language": "ar"}))
    assert text(arabic.xpath('//section[contains(@class, "key-terms")]//h2')[0]) == "المصطلحات الرئيسية بلغتك"
    same = page(corpus_client.get(f"/records/{rid}", headers={"Accept-Language": "fr"}))
    assert not same.xpath('//section[contains(@class, "key-terms")]'), "a reader of the record's language needs no box"
