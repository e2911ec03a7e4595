"""Example responses for the API docs page: real answers of this catalogue to a few requests, made once per process."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select

from ..db import get_session
from ..models import Record

# operationId -> the request whose answer the docs show (a record id is filled in from the catalogue).
EXAMPLE_REQUESTS = {
    "api_search": "/api/v1/search?q=microcredito&per_page=1",
    "api_record": "/api/v1/records/{record_id}",
    "api_themes": "/api/v1/themes",
    "api_health": "/api/v1/health",
    "api_index": "/api/v1",
}
# Long answers are cut here for reading; the link beside each example gives the whole answer.
EXAMPLE_CHARS = 2500


def _shorten(value: Any, depth: int = 0) -> Any:
    """Keep an example readable: at most three items of each list, long strings cut."""
    if isinstance(value, list):
        return [_shorten(v, depth + 1) for v in value[:3]] + (["…"] if len(value) > 3 else [])
    if isinstance(value, dict):
        return {k: _shorten(v, depth + 1) for k, v in value.items()}
    if isinstance(value, str) and len(value) > 160:
        return value[:157] + "…"
    return value


def example_responses(app: Flask) -> dict[str, dict[str, str]]:
    """{operationId: {"request": path, "response": pretty JSON}} for the operations that have an example."""
    cached = app.extensions.get("kb_api_examples")
    if cached is not None:
        return cached
    # A context of their own: requests made inside the docs request would otherwise share its `g` (and so its
    # interface language and database session).
    with app.app_context():
        examples, record_id = _fetch(app)
    if record_id is not None:
        # Cache only once the catalogue has something to show.
        app.extensions["kb_api_examples"] = examples
    return examples


def _fetch(app: Flask) -> tuple[dict[str, dict[str, str]], int | None]:
    record_id = get_session().scalar(select(Record.id).where(Record.status == "published").order_by(Record.id).limit(1))
    examples: dict[str, dict[str, str]] = {}
    client = app.test_client()
    for operation_id, path in EXAMPLE_REQUESTS.items():
        if "{record_id}" in path:
            if record_id is None:
                continue
            path = path.format(record_id=record_id)
        response = client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code != 200 or not response.is_json:
            continue
        text = json.dumps(_shorten(response.get_json()), ensure_ascii=False, indent=2)
        examples[operation_id] = {"request": path, "response": text[:EXAMPLE_CHARS]}
    return examples, record_id
