"""One size limit for every route: a body over it is a 413 before it is read; the largest valid record still fits."""
from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from kb_app.interchange import TEXT_LIMITS
from kb_app.request_limits import ATTRIBUTE, FORM_BODY_BYTES, largest_body

from conftest import signed_in

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _example_url(rule) -> str:  # noqa: ANN001 - werkzeug Rule
    values = {name: 1 if "int" in type(conv).__name__.lower() or "rowid" in type(conv).__name__.lower() else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def test_every_route_refuses_a_body_over_its_limit(app: Flask) -> None:
    client = app.test_client()
    checked = []
    uploads = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.endpoint == "static":
            continue
        # A view that takes uploads declares its own allowance; one byte over whichever applies is refused.
        declared = getattr(app.view_functions[rule.endpoint], ATTRIBUTE, None)
        with app.test_request_context():
            limit = max(FORM_BODY_BYTES, declared()) if declared else FORM_BODY_BYTES
        if declared:
            uploads.append(rule.endpoint)
        url = _example_url(rule)
        for method in sorted(methods):
            response = client.open(url, method=method, data=b"a=" + b"x" * (limit - 1),
                                   content_type="application/x-www-form-urlencoded")
            assert response.status_code == 413, f"{method} {url} answered {response.status_code}"
            checked.append(f"{method} {url}")
    assert "POST /login" in checked and "POST /api/v1/records" in checked
    assert {"submit.new", "submit.edit"} <= set(uploads)
    assert len(checked) >= 20, checked


def test_the_form_with_attachments_takes_more_but_not_without_bound(app: Flask) -> None:
    client = signed_in(app, "p@example.org", "partner", "enm")
    limit = largest_body(app)
    assert limit > FORM_BODY_BYTES
    too_large = client.post("/submit/new", data=b"x" * (limit + 1), content_type="multipart/form-data; boundary=b")
    assert too_large.status_code == 413
    within = client.post("/submit/new", data=b"x" * (FORM_BODY_BYTES + 10), content_type="multipart/form-data; boundary=b")
    assert within.status_code != 413


def test_an_announced_size_over_the_limit_is_refused_without_reading_the_body(client: FlaskClient) -> None:
    # The client says 200 MB are coming and sends 10 bytes: the answer must not wait for (or buffer) the rest.
    response = client.post("/login", data=b"email=x&p", content_type="application/x-www-form-urlencoded",
                           environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)})
    assert response.status_code == 413


def test_the_largest_valid_record_in_the_costliest_encoding_fits(app: Flask) -> None:
    """Every text field at its limit, in characters that JSON escapes as surrogate pairs (12 bytes each)."""
    from kb_app.accounts import create_user
    from kb_app.api_tokens import create_token
    from kb_app.db import get_session

    with app.app_context():
        editor = create_user(get_session(), email="e@example.org", password="x" * 12, role="editor")
        _, token = create_token(get_session(), editor, "size test")
    record = {"id": "largest", "kind": "practice", "lang": "en", "url": "https://example.org/" + "a" * 400,
              **{name: "\U0001F600" * limit for name, limit in TEXT_LIMITS.items()
                 if name not in ("url", "organisation", "module", "competence_area", "format", "learning_objectives",
                                 "registration_url", "venue", "outcomes")}}
    body = json.dumps(record, ensure_ascii=True)
    assert len(body) > FORM_BODY_BYTES * 0.8
    response = app.test_client().post("/api/v1/records", data=body, content_type="application/json",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert len(response.get_json()["fields"]["body"]) == TEXT_LIMITS["body"]
