"""Organisation pages, and the view and download counts a partner sees for the organisation's records."""
from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import inspect, select

from conftest import signed_in
from kb_app.db import get_engine, get_session
from kb_app.importer import import_records
from kb_app.models import Record

RECORDS = [
    {"id": "pr-org-1", "kind": "practice", "lang": "it", "title": "Sportello microcredito a Roma", "body": "Testo.",
     "organisation": "enm", "contact": "sportello@enm.example.org"},
    {"id": "rs-org-1", "kind": "resource", "lang": "en", "title": "Reading a bank statement", "body": "Text.",
     "organisation": "enm"},
    {"id": "pr-org-draft", "kind": "practice", "lang": "it", "title": "Bozza non pubblicata", "body": "Testo.",
     "organisation": "enm"},
    {"id": "pr-other", "kind": "practice", "lang": "de", "title": "Gründungsberatung in Leipzig", "body": "Text.",
     "organisation": "leipzig-education"},
]


def load(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = get_session()
        import_records(session, "\n".join(json.dumps(r) for r in RECORDS))
        records = {r.external_id: r for r in session.scalars(select(Record))}
        records["pr-org-draft"].status = "draft"
        session.commit()
        return {ext: r.id for ext, r in records.items()}


def test_an_organisation_page_shows_its_published_records_by_kind_and_contact(app: Flask) -> None:
    ids = load(app)
    client = app.test_client()
    listing = client.get("/organisations?ui=en").text
    assert 'href="/organisations/enm"' in listing
    page = client.get("/organisations/enm?ui=en").text
    assert "<h1" in page and "Ente Nazionale per il Microcredito" in page
    sections = re.findall(r'<h2 id="kind-(\w+)">', page)
    assert sections == ["practice", "resource"]
    assert "Sportello microcredito a Roma" in page and "Reading a bank statement" in page
    assert "Bozza non pubblicata" not in page and "Gründungsberatung" not in page
    assert "sportello@enm.example.org" in page
    assert client.get("/organisations/no-such-organisation").status_code == 404
    record_page = client.get(f"/records/{ids['pr-org-1']}").text
    assert 'href="/organisations/enm"' in record_page


def test_partners_see_aggregated_views_and_downloads_of_their_records(app: Flask) -> None:
    ids = load(app)
    visitor = app.test_client()
    for _ in range(3):
        assert visitor.get(f"/records/{ids['pr-org-1']}").status_code == 200
    assert visitor.get(f"/records/{ids['pr-org-1']}/cite.bib").status_code == 200
    assert visitor.get(f"/api/v1/records/{ids['pr-org-1']}/cite?format=ris").status_code == 200
    assert visitor.get(f"/records/{ids['pr-other']}").status_code == 200

    partner = signed_in(app, "ana@example.org", "partner", "enm")
    dashboard = partner.get("/submit?ui=en").text
    row = re.search(rf'<tr data-record="{ids["pr-org-1"]}">(.*?)</tr>', dashboard, re.S).group(1)
    assert '<td class="views">3</td><td class="downloads">2</td>' in row
    assert f'data-record="{ids["pr-other"]}"' not in dashboard  # another organisation's record
    other = signed_in(app, "leo@example.org", "partner", "leipzig-education").get("/submit").text
    assert f'data-record="{ids["pr-other"]}"' in other and f'data-record="{ids["pr-org-1"]}"' not in other

    with app.app_context():
        columns = {c["name"] for c in inspect(get_engine()).get_columns("record_usage")}
    assert columns == {"record_id", "period", "views", "downloads"}  # counts only: nobody's address or account
