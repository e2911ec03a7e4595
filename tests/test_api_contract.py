"""Contract tests: the OpenAPI document covers exactly the /api/v1 routes, and every answer matches what it documents."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from kb_app.openapi import openapi_path
from kb_app.rate_limit import WindowRateLimiter


@pytest.fixture()
def api(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    # A limiter of its own, so these requests neither hit nor use up anyone else's allowance.
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", WindowRateLimiter())
    return corpus_app.test_client()


@pytest.fixture()
def document(api: FlaskClient) -> dict[str, Any]:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for one schema of the document, its #/components references resolving inside the document."""
    return Draft202012Validator({**schema, "components": document["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def documented_response(document: dict[str, Any], operation: dict[str, Any], status: int) -> dict[str, Any]:
    response = operation["responses"].get(str(status)) or operation["responses"]["default"]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def assert_conforms(document: dict[str, Any], path: str, method: str, response: TestResponse) -> None:
    """Status documented (or default), media type documented, body valid against the documented schema, headers present."""
    operation = document["paths"][path][method]
    spec = documented_response(document, operation, response.status_code)
    content = spec["content"]
    assert response.mimetype in content, f"{method.upper()} {path} answered {response.mimetype}, documented {list(content)}"
    if response.mimetype == "application/json":
        errors = sorted(schema_validator(document, content[response.mimetype]["schema"]).iter_errors(response.get_json()),
                        key=lambda e: list(e.absolute_path))
        assert not errors, f"{method.upper()} {path} -> {response.status_code}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5])
    for name in spec.get("headers", {}):
        if name in ("Link", "Location", "Retry-After"):
            assert name in response.headers, f"{method.upper()} {path} -> {response.status_code} lacks {name}"


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(document).validate()
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_every_api_route_is_documented_and_every_documented_operation_exists(corpus_app: Flask, document: dict[str, Any]) -> None:
    routed = set()
    for rule in corpus_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1":
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                routed.add((openapi_path(rule.rule)[0], method.lower()))
    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations without a route"


def test_every_operation_has_a_summary_an_id_and_an_error_answer(document: dict[str, Any]) -> None:
    ids = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert operation["summary"], (method, path)
            assert "default" in operation["responses"] and "400" in operation["responses"], (method, path)
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def _concrete(path: str, record_id: int) -> str:
    return path.replace("{record_id}", str(record_id)).replace("{list_id}", "1")


def test_every_read_operation_answers_as_documented(api: FlaskClient, document: dict[str, Any]) -> None:
    record_id = api.get("/api/v1/records?per_page=1").get_json()["results"][0]["id"]
    checked = 0
    for path, methods in document["paths"].items():
        if "get" not in methods:
            continue
        url = _concrete(path, record_id)
        if path == "/api/v1/search":
            url += "?q=microcredit"
        response = api.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert_conforms(document, path, "get", response)
        checked += 1
    assert checked >= 13


@pytest.mark.parametrize("query", [
    "q=microcredito+per+donne+migranti",
    "q=business+plan&mode=keyword&per_page=3&page=2",
    "q=Mikrokredit+Bürgschaft&mode=semantic&lang=de,it&kind=practice",
    "q=%D8%A7%D9%84%D9%82%D8%B1%D9%88%D8%B6+%D8%A7%D9%84%D8%B5%D8%BA%D9%8A%D8%B1%D8%A9",
    "kind=resource&audience=entrepreneur&level=beginner",
    "theme=access-to-credit&country=it&per_page=100",
    "q=zzzzqqqxx",
])
def test_search_answers_match_the_document(api: FlaskClient, document: dict[str, Any], query: str) -> None:
    response = api.get(f"/api/v1/search?{query}")
    assert response.status_code == 200
    assert_conforms(document, "/api/v1/search", "get", response)


@pytest.mark.parametrize("query", ["kind=practice&lang=es", "theme=guarantee-funds&per_page=5", "country=BE&page=2&per_page=3"])
def test_record_listings_match_the_document(api: FlaskClient, document: dict[str, Any], query: str) -> None:
    response = api.get(f"/api/v1/records?{query}")
    assert response.status_code == 200
    assert_conforms(document, "/api/v1/records", "get", response)


def test_every_record_detail_matches_the_document(api: FlaskClient, document: dict[str, Any]) -> None:
    """Practices and resources of every language, including ones placed in a curriculum path."""
    listing = api.get("/api/v1/records?per_page=100").get_json()
    ids = [r["id"] for r in listing["results"]]
    for record_id in ids[::7]:
        response = api.get(f"/api/v1/records/{record_id}")
        assert response.status_code == 200
        assert_conforms(document, "/api/v1/records/{record_id}", "get", response)


@pytest.mark.parametrize("method, url, status", [
    ("get", "/api/v1/records/999999999", 404),
    ("get", "/api/v1/records?per_page=0", 400),
    ("get", "/api/v1/search?page=abc", 400),
    ("get", "/api/v1/search?colour=blue", 400),
    ("get", "/api/v1/lists/999999", 404),
    ("get", "/api/v1/lists?mine=true", 401),
    ("post", "/api/v1/records", 401),
])
def test_error_answers_match_the_document(api: FlaskClient, document: dict[str, Any], method: str, url: str, status: int) -> None:
    response = api.open(url, method=method.upper())
    assert response.status_code == status
    path = urlsplit(url).path
    template = "/api/v1/records/{record_id}" if path.startswith("/api/v1/records/") else \
        "/api/v1/lists/{list_id}" if path.startswith("/api/v1/lists/") else path
    assert_conforms(document, template, method, response)


def test_the_docs_page_shows_every_operation_and_links_the_document(api: FlaskClient, document: dict[str, Any]) -> None:
    response = api.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, methods in document["paths"].items():
        for method in methods:
            assert f"{method.upper()} {path}" in page
    assert 'href="/api/v1/openapi.json"' in page
    assert "/account/tokens" in page


def test_the_documented_record_shape_is_the_one_of_its_kind(document: dict[str, Any]) -> None:
    """A client validating against the document learns what the server refuses (tests/test_interchange.py): a
    practice carrying an event's venue is invalid there too, while the event with its venue and an empty cell of another kind's column pass."""
    validator = schema_validator(document, {"$ref": "#/components/schemas/InterchangeRecord"})
    practice = {"kind": "practice", "lang": "it", "title": "Sportello credito", "body": "Come funziona."}
    event = {"kind": "event", "lang": "de", "title": "Konferenz", "body": "Programm.", "venue": "Neues Rathaus",
             "starts_at": "2027-05-20 10:00", "ends_at": "2027-05-20 16:00", "timezone": "Europe/Berlin"}
    assert validator.is_valid(practice) and validator.is_valid(event)
    assert validator.is_valid({**practice, "venue": ""})
    assert not validator.is_valid({**practice, "venue": "Neues Rathaus"})
    assert not validator.is_valid({**practice, "kind": "webinar"})
