"""Cite this record: formatted references in two styles, BibTeX/RIS/CSL-JSON downloads, permalink, licence, JSON-LD."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import bibtexparser
import pytest
import rispy
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import FreshDatabase, dispose, make_app
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Record

TRICKY = "Fees & costs: 100% of a {micro} loan_plan #1 ~ C:\\temp"
RECORDS = [
    {"id": "pr-it-cite", "kind": "practice", "lang": "it", "title": "Microcredito e tutoraggio per donne migranti",
     "summary": "Prestiti senza garanzie reali e un tutor per ogni impresa.", "body": "Il contesto.",
     "organisation": "Ente Nazionale per il Microcredito", "country": "IT", "city": "Roma", "year": 2021,
     "themes": ["access-to-credit"]},
    {"id": "pr-en-cite", "kind": "practice", "lang": "en", "title": TRICKY, "body": "Context.", "year": 2019,
     "organisation": "Fair Finance", "licence": "CC-BY-NC-4.0", "translation_of": "pr-it-cite"},
    {"id": "rs-de-cite", "kind": "resource", "lang": "de", "title": "Einen Businessplan für die Bank schreiben",
     "body": "Inhalt.", "audience": "entrepreneur", "level": "beginner", "duration_minutes": 45},
    {"id": "ev-de-cite", "kind": "event", "lang": "de", "title": "Nationale Konferenz Mikrokredit und Migration",
     "summary": "Ergebnisse des Netzwerks für Politik, Presse und Beratung.", "body": "Programm und Ergebnisse.",
     "event_type": "conference", "organisation": "Wisamar Bildungsgesellschaft gemeinnützige GmbH",
     "country": "DE", "city": "Leipzig", "venue": "Neues Rathaus", "starts_at": "2027-05-20 10:00",
     "ends_at": "2027-05-20 16:00", "timezone": "Europe/Berlin"},
]


@dataclass
class Cited:
    app: Flask
    client: FlaskClient
    ids: dict[str, int]


@pytest.fixture(scope="module")
def cited(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[Cited]:
    app = make_app(tmp_path_factory.mktemp("cite"), databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app, load_seed=False)
        session = get_session()
        import_records(session, "\n".join(json.dumps(r) for r in RECORDS))
        ids = {r.external_id: r.id for r in session.scalars(select(Record))}
    yield Cited(app, app.test_client(), ids)
    dispose(app)


def download(cited: Cited, external_id: str, fmt: str) -> tuple[str, dict[str, str]]:
    response = cited.client.get(f"/records/{cited.ids[external_id]}/cite.{fmt}")
    assert response.status_code == 200, response.text
    return response.data.decode("utf-8"), dict(response.headers)


def test_bibtex_parses_with_special_characters_kept(cited: Cited) -> None:
    text, headers = download(cited, "pr-en-cite", "bib")
    assert headers["Content-Type"].startswith("application/x-bibtex")
    assert 'filename="pr-en-cite.bib"' in headers["Content-Disposition"]
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "techreport" and entry.key == "pr-en-cite"
    fields = {f.key: f.value for f in entry.fields}
    # The LaTeX escapes undone give back the title as written.
    title = fields["title"].strip("{}")
    for escaped, char in ((r"\&", "&"), (r"\%", "%"), (r"\{", "{"), (r"\}", "}"), (r"\_", "_"), (r"\#", "#"),
                          (r"\textasciitilde{}", "~"), (r"\textbackslash{}", "\\")):
        title = title.replace(escaped, char)
    assert title == TRICKY
    assert fields["author"] == "{Fair Finance}"
    assert fields["year"] == "2019"
    assert fields["url"] == "http://localhost/records/id/pr-en-cite"
    assert fields["license"] == "CC-BY-NC-4.0"

    resource = bibtexparser.parse_string(download(cited, "rs-de-cite", "bib")[0]).entries[0]
    assert resource.entry_type == "misc" and resource.fields_dict["language"].value == "de"


def test_ris_and_csl_json_downloads_point_at_the_permalink(cited: Cited) -> None:
    text, headers = download(cited, "pr-it-cite", "ris")
    assert headers["Content-Type"].startswith("application/x-research-info-systems")
    (entry,) = rispy.loads(text)
    assert entry["type_of_reference"] == "RPRT"
    assert entry["title"] == "Microcredito e tutoraggio per donne migranti"
    assert entry["authors"] == ["Ente Nazionale per il Microcredito"]
    assert entry["urls"] == ["http://localhost/records/id/pr-it-cite"]

    text, headers = download(cited, "pr-it-cite", "csl.json")
    assert headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = json.loads(text)
    assert item["type"] == "report" and item["issued"] == {"date-parts": [[2021]]}
    assert item["license"] == "CC-BY-SA-4.0"  # the corpus default
    assert item["URL"] == "http://localhost/records/id/pr-it-cite"


def test_an_event_cited_alone_carries_its_day_and_place(cited: Cited) -> None:
    (entry,) = rispy.loads(download(cited, "ev-de-cite", "ris")[0])
    assert entry["type_of_reference"] == "CONF"
    assert (entry["year"], entry["date"], entry["place_published"]) == ("2027", "2027/05/20", "Leipzig")
    (item,) = json.loads(download(cited, "ev-de-cite", "csl.json")[0])
    assert item["event-date"] == {"date-parts": [[2027, 5, 20]]} and item["event-place"] == "Leipzig"
    assert item["issued"] == {"date-parts": [[2027]]}


def test_permalink_leads_to_the_record_and_unknown_ids_are_404(cited: Cited) -> None:
    response = cited.client.get("/records/id/pr-it-cite")
    assert response.status_code == 302
    assert response.location.endswith(f"/records/{cited.ids['pr-it-cite']}")
    assert cited.client.get("/records/id/no-such-record").status_code == 404


def test_unknown_citation_format_is_a_404(cited: Cited) -> None:
    record_id = cited.ids["pr-it-cite"]
    for fmt in ("docx", "json", "bib.exe", "BIB"):
        response = cited.client.get(f"/records/{record_id}/cite.{fmt}")
        assert response.status_code == 404, fmt
    assert cited.client.get("/records/999999/cite.bib").status_code == 404


def test_page_shows_references_in_two_styles_licence_and_downloads(cited: Cited) -> None:
    html = cited.client.get(f"/records/{cited.ids['pr-it-cite']}?ui=en").text
    references = re.findall(r'<figure class="citation" data-style="([^"]+)">\s*<figcaption>([^<]+)</figcaption>\s*'
                            r"<blockquote>([^<]+)</blockquote>", html)
    assert [(style, name) for style, name, _ in references] == [("harvard", "Harvard"), ("author-date", "APA")]
    harvard, apa = (text for _, _, text in references)
    assert harvard.startswith("Ente Nazionale per il Microcredito (2021) Microcredito e tutoraggio per donne migranti.")
    assert "Available at: http://localhost/records/id/pr-it-cite" in harvard
    assert apa.startswith("Ente Nazionale per il Microcredito. (2021). Microcredito e tutoraggio per donne migranti "
                          "[Good practice].")
    assert "Creative Commons Attribution-ShareAlike 4.0" in html and "https://creativecommons.org/licenses/by-sa/4.0/" in html
    for fmt in ("bib", "ris", "csl.json"):
        assert f'href="http://localhost/records/{cited.ids["pr-it-cite"]}/cite.{fmt}"' in html
    assert '<link rel="canonical" href="http://localhost/records/id/pr-it-cite">' in html


def test_references_use_the_interface_language(cited: Cited) -> None:
    html = cited.client.get(f"/records/{cited.ids['pr-it-cite']}?ui=fr").text
    assert "Disponible sur: http://localhost/records/id/pr-it-cite" in html
    assert "[Bonne pratique]" in html


def test_partner_licence_is_shown(cited: Cited) -> None:
    html = cited.client.get(f"/records/{cited.ids['pr-en-cite']}?ui=en").text
    assert "Creative Commons Attribution-NonCommercial 4.0" in html
    assert "CC-BY-NC-4.0" in html


def test_json_ld_in_the_head_describes_the_record(cited: Cited) -> None:
    html = cited.client.get(f"/records/{cited.ids['pr-en-cite']}").text
    head = html.split("</head>")[0]
    (raw,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    data = json.loads(raw)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Report"
    assert data["name"] == TRICKY  # the braces and the ampersand survive, escaped for HTML by tojson
    assert data["url"] == "http://localhost/records/id/pr-en-cite"
    assert data["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert data["author"] == {"@type": "Organization", "name": "Fair Finance"}
    assert data["translationOfWork"] == {"@id": f"http://localhost/records/{cited.ids['pr-it-cite']}", "inLanguage": "it"}

    resource = cited.client.get(f"/records/{cited.ids['rs-de-cite']}").text
    data = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', resource, re.S)[0])
    assert data["@type"] == "LearningResource" and data["timeRequired"] == "PT45M"


def test_api_gives_the_citation_and_the_files(cited: Cited) -> None:
    record_id = cited.ids["pr-it-cite"]
    data = cited.client.get(f"/api/v1/records/{record_id}").get_json()
    citation = data["citation"]
    assert citation["permalink"] == "http://localhost/records/id/pr-it-cite"
    assert citation["licence"]["id"] == "CC-BY-SA-4.0"
    assert [r["style"] for r in citation["references"]] == ["harvard", "author-date"]
    assert [d["format"] for d in citation["downloads"]] == ["bib", "ris", "csl.json"]

    response = cited.client.get(f"/api/v1/records/{record_id}/cite", query_string={"format": "bib"})
    assert response.status_code == 200 and response.mimetype == "application/x-bibtex"
    assert bibtexparser.parse_string(response.data.decode()).entries[0].key == "pr-it-cite"
    response = cited.client.get(f"/api/v1/records/{record_id}/cite", query_string={"format": "docx"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_a_licence_outside_the_list_is_refused_on_import(cited: Cited) -> None:
    with cited.app.app_context():
        from kb_app.importer import ImportFailed
        with pytest.raises(ImportFailed) as failed:
            import_records(get_session(), json.dumps({**RECORDS[2], "id": "rs-x", "licence": "All rights reserved"}))
    assert "licence" in str(failed.value.report.errors[0])
