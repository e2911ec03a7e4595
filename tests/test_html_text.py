"""Stored text reads as paragraphs and lists on the record page, in the handout and in the Markdown export, alike."""
from __future__ import annotations

import itertools
import json

import lxml.html
from flask import Flask
from sqlalchemy import select
from test_html_lists import add_people_and_records, add_record, new_list, sign_in
from werkzeug.test import TestResponse

from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Record

STEPS = ("Per aprire un conto servono tre passi: 1. Verificare i documenti. 2. Raccogliere le buste paga. "
         "3. Fissare l'appuntamento <script>alert(1)</script>.")
NOTE = "Discuss in pairs:\n- who lends\n- who guarantees\n\nThen compare:\n1. Rome\n2. Madrid"


def html(response: TestResponse) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return lxml.html.fromstring(response.get_data(as_text=True))


def words(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def add_steps_record(app: Flask) -> int:
    record = {"id": "pr-it-777", "kind": "practice", "lang": "ar", "title": "حساب مصرفي أولاً", "summary": "ملخص.",
              "body": "Primo paragrafo.\nSeconda riga.\n\n" + STEPS, "organisation": "Caritas Roma",
              "country": "IT", "city": "روما", "year": 2024}
    with app.app_context():
        import_records(get_session(), json.dumps(record))
        return get_session().scalar(select(Record.id).where(Record.external_id == "pr-it-777"))


def test_record_body_shows_paragraphs_and_the_steps_as_a_numbered_list(app: Flask) -> None:
    add_people_and_records(app)
    record_id = add_steps_record(app)
    doc = html(app.test_client().get(f"/records/{record_id}?ui=en"))
    body = doc.xpath('//section[@aria-labelledby="sec-body"]/div')[0]
    paragraphs = body.xpath("./p")
    assert [t.strip() for t in paragraphs[0].itertext()] == ["Primo paragrafo.", "Seconda riga."] and len(paragraphs[0].xpath("br")) == 1
    assert words(paragraphs[1]) == "Per aprire un conto servono tre passi:"
    steps = [words(li) for li in body.xpath("./ol/li")]
    assert steps == ["Verificare i documenti.", "Raccogliere le buste paga.",
                     "Fissare l'appuntamento <script>alert(1)</script>."], "steps are items, markup stays text"
    assert not doc.xpath("//script[contains(., 'alert')]")
    # The record page has a print button and a print layout without the site around the text.
    assert doc.xpath("//button[@data-print]")


def test_arabic_interface_joins_place_names_with_the_arabic_comma(app: Flask) -> None:
    add_people_and_records(app)
    record_id = add_steps_record(app)
    doc = html(app.test_client().get(f"/records/{record_id}?ui=ar"))
    place = words(doc.xpath('//dt[.="البلد"]/following-sibling::dd')[0])
    assert place == "إيطاليا، روما", place
    doc = html(app.test_client().get(f"/records/{record_id}?ui=it"))
    assert words(doc.xpath('//dt[.="Paese"]/following-sibling::dd')[0]) == "Italia, روما"


def test_handout_and_markdown_show_the_same_lists_and_headings_never_skip_a_level(app: Flask) -> None:
    kb = add_people_and_records(app)
    record_id = add_steps_record(app)
    client = sign_in(app.test_client(), kb.trainer)
    list_id = new_list(client, description="Before the session:\n1. read\n2. note questions")
    add_record(client, list_id, record_id, note=NOTE)
    add_record(client, list_id, kb.records["pr-es-901"])

    doc = html(client.get(f"/lists/{list_id}/handout?ui=ar"))
    levels = [int(h.tag[1]) for h in doc.xpath("//h1|//h2|//h3|//h4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    note = doc.xpath('//div[@class="note"]')[0]
    assert [words(li) for li in note.xpath(".//ul/li")] == ["who lends", "who guarantees"]
    assert [words(li) for li in note.xpath(".//ol/li")] == ["Rome", "Madrid"]
    assert [words(li) for li in doc.xpath('//div[@class="description"]//ol/li')] == ["read", "note questions"]
    # Mixed-direction metadata: each part is isolated, and Arabic joins city and country with its own comma.
    meta = doc.xpath('//article[1]//p[@class="meta"]')[0]
    parts = [words(b) for b in meta.xpath("./bdi")]
    assert parts[:3] == ["Caritas Roma", "روما، إيطاليا", "2024"], parts

    # A heading placed first: records beneath it step down to h3, still no skipped level.
    client.post(f"/lists/{list_id}/headings", data={"heading": "Part 1"})
    markdown = client.get(f"/lists/{list_id}/export.md?ui=en").get_data(as_text=True)
    assert "1. read\n2. note questions" in markdown
    assert "   - who lends\n   - who guarantees" in markdown
    assert "   1. Rome\n   2. Madrid" in markdown
    assert "1. Verificare" not in markdown  # the body is not part of the list export
