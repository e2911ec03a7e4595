"""Reading-list exports: printable handout, Markdown, CSV, RIS and CSL-JSON, read back with real parsers."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import FreshDatabase, dispose, make_app
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Record
from test_html_lists import KB, add_people_and_records, add_record, new_list, sign_in

TRICKY_TITLE = "Costs *and* [fees] of a #1 loan"


@dataclass
class Exported:
    kb: KB
    client: FlaskClient
    list_id: int
    token: str


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[Exported]:
    """One shared, unlisted list: a heading, three records with notes, one record later withdrawn (read-only)."""
    app = make_app(tmp_path_factory.mktemp("lists-exports"), databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app, load_seed=False)
    kb = add_people_and_records(app)
    client = sign_in(app.test_client(), kb.trainer)
    list_id = new_list(client, "Credit for migrant entrepreneurs", visibility="unlisted", notes_lang="en",
                       audience="operator", description="Readings for the two-day course.")
    client.post(f"/lists/{list_id}/headings", data={"heading": "Day 1: microcredit"})
    add_record(client, list_id, kb.records["pr-it-901"], note="Ask: what did the tutors do after the loan?")
    add_record(client, list_id, kb.records["pr-es-901"])
    client.post(f"/lists/{list_id}/headings", data={"heading": "Day 2: the business plan"})
    add_record(client, list_id, kb.records["rs-de-901"], note="Homework.")
    add_record(client, list_id, kb.records["pr-fr-901"], note="Withdrawn later.")
    with app.app_context():
        session = get_session()
        session.get(Record, kb.records["pr-fr-901"]).status = "rejected"
        session.get(Record, kb.records["pr-es-901"]).title = TRICKY_TITLE
        session.commit()
    token = client.get(f"/lists/{list_id}.json").get_json()["share_url"].split("token=")[1]
    sign_in(client, None)  # exports are read as a visitor with the share link
    yield Exported(kb, client, list_id, token)
    dispose(app)


def fetch(exported: Exported, fmt: str) -> tuple[str, dict[str, str]]:
    response = exported.client.get(f"/lists/{exported.list_id}/export.{fmt}", query_string={"token": exported.token})
    assert response.status_code == 200, response.text
    return response.data.decode("utf-8"), dict(response.headers)


def test_markdown_keeps_order_sections_notes_and_marks_withdrawn_records(exported: Exported) -> None:
    text, headers = fetch(exported, "md")
    assert headers["Content-Type"].startswith("text/markdown")
    assert 'filename="credit-for-migrant-entrepreneurs-' in headers["Content-Disposition"]
    assert text.startswith("# Credit for migrant entrepreneurs\n")
    order = [text.index(s) for s in ("## Day 1: microcredit", "1. **[Microcredito e tutoraggio",
                                     "2. **[Costs", "## Day 2: the business plan", "3. **[Einen Businessplan",
                                     "4. *(no longer available)*")]
    assert order == sorted(order)
    assert "*Note:* Ask: what did the tutors do after the loan?" in text
    assert "*Note:* Withdrawn later." in text
    assert "Médiation interculturelle" not in text
    # Markdown characters in titles are shown as written, not as emphasis or links.
    assert r"Costs \*and\* \[fees\] of a #1 loan" in text
    assert "Ente Nazionale per il Microcredito · Roma, Italy · 2021 · Italian · Good practice" in text
    assert f"(http://localhost/records/{exported.kb.records['pr-it-901']})" in text


def test_csv_has_one_row_per_record_with_its_section(exported: Exported) -> None:
    text, headers = fetch(exported, "csv")
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["number"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["section"] for r in rows] == ["Day 1: microcredit"] * 2 + ["Day 2: the business plan"] * 2
    first = rows[0]
    assert (first["title"], first["lang"], first["organisation"], first["year"], first["country"]) == \
        ("Microcredito e tutoraggio per donne migranti a Roma", "it", "Ente Nazionale per il Microcredito", "2021", "IT")
    assert first["note"] == "Ask: what did the tutors do after the loan?" and first["available"] == "yes"
    assert first["web_site"] == "https://example.org/microcredito"
    withdrawn = rows[3]
    assert withdrawn["available"] == "no" and withdrawn["title"] == "" and withdrawn["note"] == "Withdrawn later."


def test_ris_parses_and_carries_title_language_organisation_year_url(exported: Exported) -> None:
    text, headers = fetch(exported, "ris")
    assert headers["Content-Type"].startswith("application/x-research-info-systems")
    entries = rispy.loads(text)
    assert [e["title"] for e in entries] == ["Microcredito e tutoraggio per donne migranti a Roma", TRICKY_TITLE,
                                             "Einen Businessplan für die Bank schreiben"]
    first = entries[0]
    assert first["type_of_reference"] == "RPRT"
    assert first["language"] == "it"
    assert first["authors"] == ["Ente Nazionale per il Microcredito"]
    assert first["publisher"] == "Ente Nazionale per il Microcredito"
    assert first["year"] == "2021"
    assert first["urls"] == [f"http://localhost/records/{exported.kb.records['pr-it-901']}"]
    assert first["notes"] == ["Ask: what did the tutors do after the loan?"]
    resource = entries[2]
    assert (resource["type_of_reference"], resource["language"], resource["year"]) == ("ELEC", "de", "2022")
    assert resource["publisher"] == "Gründerwerkstatt Köln"


def test_csl_json_renders_a_bibliography_with_citeproc(exported: Exported) -> None:
    text, headers = fetch(exported, "csl.json")
    assert headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    items = json.loads(text)
    assert len(items) == 3  # the withdrawn record is left out
    first = items[0]
    assert first["title"] == "Microcredito e tutoraggio per donne migranti a Roma"
    assert first["language"] == "it"
    assert first["author"] == [{"literal": "Ente Nazionale per il Microcredito"}]
    assert first["publisher"] == "Ente Nazionale per il Microcredito"
    assert first["issued"] == {"date-parts": [[2021]]}
    assert first["URL"] == f"http://localhost/records/{exported.kb.records['pr-it-901']}"

    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = "\n".join(str(entry) for entry in bibliography.bibliography())
    for title, year in (("Microcredito e tutoraggio per donne migranti a Roma", "2021"),
                        ("Einen Businessplan für die Bank schreiben", "2022"), (TRICKY_TITLE, "2019")):
        assert title in rendered and year in rendered
    assert "Ente Nazionale per il Microcredito (2021)" in rendered
    assert f"http://localhost/records/{exported.kb.records['rs-de-901']}" in rendered


def test_printable_handout_has_summaries_notes_and_print_styles(exported: Exported) -> None:
    response = exported.client.get(f"/lists/{exported.list_id}/handout", query_string={"token": exported.token})
    assert response.status_code == 200
    html = response.text
    assert "<h1>Credit for migrant entrepreneurs</h1>" in html
    assert "Prestiti senza garanzie reali" in html  # the summary
    assert "Ask: what did the tutors do after the loan?" in html
    assert html.count("This record is no longer available") == 1
    assert "Readings for the two-day course." in html
    assert 'class="main-nav"' not in html  # a clean page: no site navigation
    css = exported.client.get("/lists/static/handout.css")
    assert "@media print" in css.text and ".screen-only { display: none" in css.text
    css.close()


def test_json_twin_carries_the_same_entries(exported: Exported) -> None:
    data = exported.client.get(f"/lists/{exported.list_id}.json", query_string={"token": exported.token}).get_json()
    assert [e["type"] for e in data["entries"]] == ["heading", "record", "record", "heading", "record", "record"]
    assert data["entries"][1]["record"]["organisation"] == "Ente Nazionale per il Microcredito"
    assert data["unavailable"] == 1
    assert set(data["urls"]) == {"html", "json", "handout", "md", "csv", "ris", "csl_json"}


def test_unknown_export_format_is_a_404_in_the_shared_shape(exported: Exported) -> None:
    response = exported.client.get(f"/lists/{exported.list_id}/export.json", query_string={"token": exported.token})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


EVENT = {"id": "ev-es-901", "kind": "event", "lang": "es", "title": "Conferencia nacional sobre microcrédito en Madrid",
         "summary": "Una jornada con operadores, ONG y personas migrantes.", "body": "Programa y conclusiones.",
         "event_type": "conference", "organisation": "Acción contra el Hambre", "country": "ES", "city": "Madrid",
         "venue": "Casa Árabe, Calle de Alcalá 62", "starts_at": "2027-04-15 09:30", "ends_at": "2027-04-15 17:30",
         "timezone": "Europe/Madrid",
         "programme": [{"start": "2027-04-15 10:00", "title": "Mesa redonda", "speakers": "Nantik Lum"}]}


def test_an_event_goes_on_a_reading_list_and_out_in_every_export_format(app: Flask) -> None:
    kb = add_people_and_records(app)
    with app.app_context():
        import_records(get_session(), json.dumps(EVENT) + "\n")
        event_id = get_session().scalar(select(Record.id).where(Record.external_id == "ev-es-901"))
    client = sign_in(app.test_client(), kb.trainer)
    list_id = new_list(client, "Conferences to attend", notes_lang="en")
    add_record(client, list_id, event_id, note="Register early.")
    add_record(client, list_id, kb.records["pr-it-901"])
    data = client.get(f"/lists/{list_id}.json").get_json()
    assert [e["record"]["kind"] for e in data["entries"]] == ["event", "practice"]

    def get(fmt: str) -> str:
        response = client.get(f"/lists/{list_id}/export.{fmt}")
        assert response.status_code == 200, (fmt, response.text)
        return response.text

    markdown = get("md")
    assert "1. **[Conferencia nacional sobre microcrédito en Madrid]" in markdown
    assert "Acción contra el Hambre · Madrid, Spain · 2027 · Spanish · Event" in markdown
    assert "*Note:* Register early." in markdown
    row = next(csv.DictReader(io.StringIO(get("csv").removeprefix("\ufeff"))))
    assert (row["title"], row["kind"], row["year"], row["note"]) == (EVENT["title"], "event", "2027", "Register early.")
    ris = rispy.loads(get("ris"))[0]
    assert (ris["type_of_reference"], ris["title"], ris["year"]) == ("CONF", EVENT["title"], "2027")
    assert ris["place_published"] == "Madrid" and ris["date"] == "2027/04/15"
    item = json.loads(get("csl.json"))[0]
    assert (item["type"], item["title"]) == ("event", EVENT["title"])
    assert item["event-date"] == {"date-parts": [[2027, 4, 15]]} and item["event-place"] == "Madrid"
    handout = client.get(f"/lists/{list_id}/handout").text
    assert EVENT["title"] in handout and EVENT["summary"] in handout and "Register early." in handout
