"""OAI-PMH at /oai, the DCAT-AP description and the sitemap, read as a harvester would, validated against the schema."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select

from conftest import FreshDatabase, dispose, make_app
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.kinds import KIND_NAMES, LANGUAGES
from kb_app.models import Record, utcnow

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "dc": "http://purl.org/dc/elements/1.1/"}
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "oai_pmh.xsd")))
PAGE = 4
LANGS = ("it", "en", "fr", "es", "de", "ar")


def sample_records() -> list[dict]:
    records = []
    for n in range(18):
        lang = LANGS[n % len(LANGS)]
        kind = "resource" if n % 5 == 4 else "practice"
        record = {"id": f"oai-{n:02d}", "kind": kind, "lang": lang, "title": f"Record {n} <&> in {lang}",
                  "summary": f"Summary {n}.", "body": "Text.", "organisation": "Ente Nazionale per il Microcredito",
                  "country": "IT", "year": 2020 + n % 4, "themes": ["access-to-credit"] if n % 3 == 0 else ["mentoring"]}
        if n == 7:
            record["translation_of"] = "oai-00"
        records.append(record)
    return records


@dataclass
class Harvested:
    app: Flask
    client: FlaskClient
    published: set[str]
    withdrawn: set[str]
    drafts: set[str]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[Harvested]:
    app = make_app(tmp_path_factory.mktemp("oai"), databases, KB_OAI_PAGE_SIZE=PAGE)
    with app.app_context():
        initialise(app, load_seed=False)
        session = get_session()
        import_records(session, "\n".join(json.dumps(r) for r in sample_records()))
        by_id = {r.external_id: r for r in session.scalars(select(Record))}
        for ext in ("oai-03", "oai-11"):  # published once, then withdrawn
            by_id[ext].status = "rejected"
        for ext in ("oai-05", "oai-16"):  # drafts that were never published
            by_id[ext].status, by_id[ext].published_at = "draft", None
        session.commit()
    published = {f"oai-{n:02d}" for n in range(18)} - {"oai-03", "oai-11", "oai-05", "oai-16"}
    yield Harvested(app, app.test_client(), published, {"oai-03", "oai-11"}, {"oai-05", "oai-16"})
    dispose(app)


def oai(client: FlaskClient, method: str = "GET", **args: str) -> etree._Element:
    """One request; the answer must be a valid OAI-PMH document with status 200, whatever was asked."""
    response = client.get("/oai", query_string=args) if method == "GET" else client.post("/oai", data=args)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    document = etree.fromstring(response.data)
    SCHEMA.assertValid(document)
    return document


def error_code(document: etree._Element) -> str | None:
    found = document.find("o:error", NS)
    return found.get("code") if found is not None else None


def external_id(identifier: str) -> str:
    return identifier.rsplit(":", 1)[1]


def harvest(client: FlaskClient, verb: str, **args: str) -> list[etree._Element]:
    """Every header (ListIdentifiers) or record (ListRecords), following resumption tokens to the end."""
    items, pages = [], 0
    document = oai(client, verb=verb, **args)
    while True:
        pages += 1
        assert error_code(document) is None, etree.tostring(document)
        listing = document.find(f"o:{verb}", NS)
        items += listing.findall("o:header" if verb == "ListIdentifiers" else "o:record", NS)
        token = listing.find("o:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            break
        assert int(token.get("cursor")) == len(items) - len(listing.findall("o:*", NS)) + 1
        document = oai(client, verb=verb, resumptionToken=token.text)
    assert pages < 50
    return items


def test_a_full_harvest_gets_every_published_record_once_and_withdrawn_ones_as_deleted(repo: Harvested) -> None:
    records = harvest(repo.client, "ListRecords", metadataPrefix="oai_dc")
    live = [external_id(r.findtext("o:header/o:identifier", namespaces=NS)) for r in records
            if r.find("o:header", NS).get("status") != "deleted"]
    deleted = [external_id(r.findtext("o:header/o:identifier", namespaces=NS)) for r in records
               if r.find("o:header", NS).get("status") == "deleted"]
    assert sorted(live) == sorted(repo.published)  # each exactly once
    assert sorted(deleted) == sorted(repo.withdrawn)
    assert not repo.drafts & (set(live) | set(deleted))
    for record in records:
        has_metadata = record.find("o:metadata", NS) is not None
        assert has_metadata == (record.find("o:header", NS).get("status") != "deleted")
    # Several pages were needed: the tokens were really followed.
    assert len(records) > 3 * PAGE


def test_list_identifiers_by_set_kind_language_and_theme(repo: Harvested) -> None:
    every = {external_id(h.findtext("o:identifier", namespaces=NS)): h for h in
             harvest(repo.client, "ListIdentifiers", metadataPrefix="oai_dc")}
    for spec in ("kind:resource", "lang:de", "theme:access-to-credit"):
        headers = harvest(repo.client, "ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        got = {external_id(h.findtext("o:identifier", namespaces=NS)) for h in headers}
        expected = {ext for ext, h in every.items() if spec in [s.text for s in h.findall("o:setSpec", NS)]}
        assert got == expected and got, spec
    resources = {f"oai-{n:02d}" for n in range(18) if n % 5 == 4} - repo.drafts
    assert {external_id(h.findtext("o:identifier", namespaces=NS))
            for h in harvest(repo.client, "ListIdentifiers", metadataPrefix="oai_dc", set="kind:resource")} == resources
    # A set of a group as a whole holds every record.
    assert len(harvest(repo.client, "ListIdentifiers", metadataPrefix="oai_dc", set="kind")) == len(every)


def test_identify_formats_and_sets(repo: Harvested) -> None:
    identify = oai(repo.client, verb="Identify").find("o:Identify", NS)
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://localhost/oai"
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "transient"
    formats = oai(repo.client, verb="ListMetadataFormats").findall(".//o:metadataPrefix", NS)
    assert [f.text for f in formats] == ["oai_dc"]
    specs = [s.text for s in oai(repo.client, verb="ListSets").findall(".//o:setSpec", NS)]
    # The kinds come from the kind declaration, the languages from the language list.
    assert {f"kind:{k}" for k in KIND_NAMES} | {f"lang:{lang}" for lang in LANGUAGES} <= set(specs)
    assert "theme:access-to-credit" in specs


def test_get_record_in_dublin_core(repo: Harvested) -> None:
    document = oai(repo.client, verb="GetRecord", identifier="oai:localhost:oai-07", metadataPrefix="oai_dc")
    dc = document.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "Record 7 <&> in en"
    assert dc.findtext("dc:creator", namespaces=NS) == "Ente Nazionale per il Microcredito"
    assert dc.findtext("dc:language", namespaces=NS) == "en"
    assert dc.findtext("dc:identifier", namespaces=NS) == "http://localhost/records/id/oai-07"
    assert dc.findtext("dc:relation", namespaces=NS) == "http://localhost/records/id/oai-00"
    assert dc.findtext("dc:rights", namespaces=NS) == "https://creativecommons.org/licenses/by-sa/4.0/"
    deleted = oai(repo.client, verb="GetRecord", identifier="oai:localhost:oai-03", metadataPrefix="oai_dc")
    assert deleted.find(".//o:header", NS).get("status") == "deleted"
    assert deleted.find(".//o:metadata", NS) is None
    # A draft that was never published is not in the repository.
    draft = oai(repo.client, verb="GetRecord", identifier="oai:localhost:oai-05", metadataPrefix="oai_dc")
    assert error_code(draft) == "idDoesNotExist"


def test_post_is_answered_like_get(repo: Harvested) -> None:
    document = oai(repo.client, "POST", verb="ListIdentifiers", metadataPrefix="oai_dc", set="lang:it")
    assert error_code(document) is None and document.find(".//o:header", NS) is not None


def test_from_and_until_select_by_datestamp(repo: Harvested) -> None:
    with repo.app.app_context():
        session = get_session()
        record = session.scalar(select(Record).where(Record.external_id == "oai-02"))
        record.summary = "Changed."
        session.commit()
        stamp = record.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    later = harvest(repo.client, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp})
    assert "oai-02" in {external_id(h.findtext("o:identifier", namespaces=NS)) for h in later}
    assert error_code(oai(repo.client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2001-01-01")) == "noRecordsMatch"
    assert error_code(oai(repo.client, verb="ListIdentifiers", metadataPrefix="oai_dc",
                          **{"from": utcnow().strftime("%Y-%m-%d"), "until": "2100-01-01"})) is None


@pytest.mark.parametrize(("args", "code"), [
    ({}, "badVerb"),
    ({"verb": "ListEverything"}, "badVerb"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:oai-00"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-02-30"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-01", "until": "2024-12-31T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-01", "until": "2024-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "colour:red"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:\x01\x1b", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "Identify", "\x01": "x"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:oai-00", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "GetRecord", "identifier": "oai:elsewhere:oai-00", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:localhost:nothing"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "theme:no-such-theme"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "lang:xx"}, "noRecordsMatch"),
])
def test_bad_requests_get_the_protocol_error_code(repo: Harvested, args: dict[str, str], code: str) -> None:
    document = oai(repo.client, **args)
    assert error_code(document) == code
    request = document.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # the protocol's rule after these two errors


def test_repeated_arguments_and_tokens_of_another_verb(repo: Harvested) -> None:
    response = repo.client.get("/oai?verb=Identify&verb=Identify")
    assert error_code(etree.fromstring(response.data)) == "badVerb"
    response = repo.client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert error_code(etree.fromstring(response.data)) == "badArgument"
    first = oai(repo.client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(".//o:resumptionToken", namespaces=NS)
    assert error_code(oai(repo.client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    assert error_code(oai(repo.client, verb="ListIdentifiers", resumptionToken=token[:-2] + "xy")) == "badResumptionToken"


def test_catalogue_description_is_dcat_ap(repo: Harvested) -> None:
    response = repo.client.get("/catalogue.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    data = json.loads(response.data)
    assert data["@type"] == "dcat:Catalog" and data["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert [d["dct:identifier"] for d in data["dcat:dataset"]] == list(KIND_NAMES)
    practices = data["dcat:dataset"][0]
    assert {"@id": "http://publications.europa.eu/resource/authority/language/ITA"} in practices["dct:language"]
    for distribution in practices["dcat:distribution"]:
        url = urlsplit(distribution["dcat:downloadURL"]["@id"])
        download = repo.client.get(url.path + "?" + url.query)
        assert download.status_code == 200 and download.mimetype == distribution["dcat:mediaType"]
        download.close()
    oai_service = next(s for s in data["dcat:service"] if s["dct:conformsTo"]["@id"].startswith("http://www.openarchives"))
    assert oai_service["dcat:endpointURL"]["@id"] == "http://localhost/oai"


def test_sitemap_lists_published_records_with_hreflang_alternates(repo: Harvested) -> None:
    response = repo.client.get("/sitemap.xml")
    assert response.status_code == 200
    document = etree.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    with repo.app.app_context():
        ids = {r.external_id: r.id for r in get_session().scalars(select(Record))}
    locs = {u.findtext("s:loc", namespaces=ns): u for u in document.findall("s:url", ns)}
    assert set(locs) == {f"http://localhost/records/{ids[ext]}" for ext in repo.published}
    original = locs[f"http://localhost/records/{ids['oai-00']}"]
    alternates = {(link.get("hreflang"), link.get("href")) for link in original.findall("x:link", ns)}
    assert alternates == {("it", f"http://localhost/records/{ids['oai-00']}"), ("en", f"http://localhost/records/{ids['oai-07']}")}
    assert locs[f"http://localhost/records/{ids['oai-01']}"].findall("x:link", ns) == []


def test_documents_use_their_own_default_namespace_and_survive_characters_xml_cannot_carry(app: Flask) -> None:
    with app.app_context():
        import_records(get_session(), json.dumps({"id": "odd-1", "kind": "practice", "lang": "en", "body": "Text.",
                                                  "title": "Odd \ufffe title \uffff here", "country": "IT"}))
    client = app.test_client()
    for path, root in (("/oai?verb=GetRecord&identifier=oai:localhost:odd-1&metadataPrefix=oai_dc", b"<OAI-PMH xmlns="),
                       ("/feeds/search.atom?country=IT", b"<feed xmlns="), ("/sitemap.xml", b"<urlset xmlns=")):
        body = client.get(path).data
        assert root in body, path  # no ns0: prefixes, whatever other documents this process made
        document = etree.fromstring(body)  # well-formed
        if path.startswith("/oai"):
            SCHEMA.assertValid(document)
            assert document.findtext(".//dc:title", namespaces=NS) == "Odd \ufffd title \ufffd here"
