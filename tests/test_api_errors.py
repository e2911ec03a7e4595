"""One error shape for every API error (pinned here), strict parameters, and CORS on the read endpoints."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb_app.openapi import api_rules, openapi_path

ERROR_KEYS = {"status", "code", "message"}


def assert_error_shape(response, status: int) -> dict:  # noqa: ANN001 - werkzeug TestResponse
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("method, url, status, code", [
    ("GET", "/api/v1/no-such-endpoint", 404, "not_found"),
    ("GET", "/api/v1/records/987654", 404, "not_found"),
    ("GET", "/api/v1/records/not-a-number", 404, "not_found"),
    ("DELETE", "/api/v1/records/1", 405, "method_not_allowed"),
    ("PUT", "/api/v1/search", 405, "method_not_allowed"),
    ("GET", "/api/v1/search?q=x&sort=date", 400, "invalid_parameter"),
    ("GET", "/api/v1/search?mode=fuzzy", 400, "invalid_parameter"),
    ("GET", "/api/v1/export?format=xml", 400, "invalid_parameter"),
    ("GET", "/api/v1/lists?mine=perhaps", 400, "invalid_parameter"),
    ("POST", "/api/v1/records", 401, "unauthorized"),
])
def test_every_error_has_the_one_shape(client: FlaskClient, method: str, url: str, status: int, code: str) -> None:
    error = assert_error_shape(client.open(url, method=method), status)
    assert error["code"] == code


def test_405_says_which_methods_are_allowed(client: FlaskClient) -> None:
    response = client.delete("/api/v1/themes")
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_500_in_the_same_shape(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "thesaurus.jsonl").write_text("{this is not json\n", encoding="utf-8")
    app.config["KB_CORPUS_DIR"] = str(tmp_path)  # a broken thesaurus file: reading it fails
    response = app.test_client().get("/api/v1/concepts")
    error = assert_error_shape(response, 500)
    assert "Traceback" not in error["message"]


def _get_endpoints(app: Flask) -> list[str]:
    urls = []
    for rule, method, _endpoint, _view in api_rules(app):
        if method == "GET":
            urls.append(openapi_path(rule)[0].replace("{record_id}", "1").replace("{list_id}", "1")
                        .replace("{cohort_id}", "1"))
    return urls


def test_every_read_endpoint_refuses_an_unknown_parameter_naming_it(app: Flask, client: FlaskClient) -> None:
    urls = _get_endpoints(app)
    assert len(urls) >= 13
    for url in urls:
        error = assert_error_shape(client.get(f"{url}?frobnicate=1"), 400)
        assert error["message"].startswith("frobnicate:"), url


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/search?per_page=ten", "per_page"),
    ("/api/v1/search?kind=article", "kind"),
    ("/api/v1/records?kind=practice&lang=english", "lang"),
    ("/api/v1/organisations?partner=maybe", "partner"),
    ("/api/v1/export?kind=book", "kind"),
    ("/api/v1/records?page=1&page=2", "page"),
    ("/api/v1/search?q=%00", "q"),
])
def test_wrong_types_name_the_parameter(client: FlaskClient, url: str, parameter: str) -> None:
    error = assert_error_shape(client.get(url), 400)
    assert error["message"].startswith(f"{parameter}:")


# -- CORS --------------------------------------------------------------------------------------------

def test_read_endpoints_answer_any_origin(client: FlaskClient) -> None:
    response = client.get("/api/v1/themes", headers={"Origin": "https://notebook.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_errors_are_readable_cross_origin_too(client: FlaskClient) -> None:
    response = client.get("/api/v1/nowhere", headers={"Origin": "https://notebook.example"})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_is_answered_with_the_allowed_methods_and_headers(client: FlaskClient) -> None:
    response = client.options("/api/v1/records", headers={
        "Origin": "https://notebook.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "POST" not in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_writes_are_not_opened_to_other_origins(client: FlaskClient) -> None:
    response = client.post("/api/v1/records", json={}, headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_html_pages_get_no_cors_headers(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/account/tokens").headers
