"""Bulk export through the API: streamed, in the interchange format, and accepted back by `kb import`."""
from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from kb_app.db import get_engine, get_session
from kb_app.importer import parse_csv, parse_jsonl, validate_lines
from kb_app.interchange import FIELD_ORDER
from kb_app.models import Record
from kb_app.rate_limit import WindowRateLimiter

from conftest import Kb


@pytest.fixture()
def api(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", WindowRateLimiter())
    return corpus_app.test_client()


def by_id(jsonl: str) -> dict[str, dict]:
    records = [json.loads(line) for line in jsonl.splitlines() if line.strip()]
    return {r["id"]: r for r in records}


def test_the_export_is_a_streamed_download(api: FlaskClient) -> None:
    response = api.get("/api/v1/export")
    assert response.is_streamed
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == 'attachment; filename="micro-kb-export.jsonl"'
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    csv_response = api.get("/api/v1/export?format=csv")
    assert csv_response.mimetype == "text/csv"
    header = next(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    assert header == list(FIELD_ORDER)


def test_the_whole_export_passes_the_importers_validation_in_both_formats(corpus_app: Flask, api: FlaskClient) -> None:
    total = api.get("/api/v1/health").get_json()["records"]["total"]
    jsonl = api.get("/api/v1/export?format=jsonl").get_data(as_text=True)
    table = api.get("/api/v1/export?format=csv").get_data(as_text=True)
    with corpus_app.app_context():
        session = get_session()
        valid_jsonl, errors_jsonl = validate_lines(session, parse_jsonl(jsonl))
        valid_csv, errors_csv = validate_lines(session, parse_csv(table))
    assert errors_jsonl == [] and errors_csv == []
    assert len(valid_jsonl) == len(valid_csv) == total
    assert [r for _, r in valid_jsonl] == [r for _, r in valid_csv], "CSV and JSON Lines carry the same records"


def test_export_filters_by_kind_and_language(api: FlaskClient) -> None:
    records = by_id(api.get("/api/v1/export?kind=resource&lang=fr").get_data(as_text=True))
    assert records and all(r["kind"] == "resource" and r["lang"] == "fr" for r in records.values())
    listed = api.get("/api/v1/records?kind=resource&lang=fr&per_page=1").get_json()["total"]
    assert len(records) == listed


@pytest.mark.slow
def test_export_then_kb_import_into_a_fresh_knowledge_base_round_trips(api: FlaskClient, kb: Kb, tmp_path: Path) -> None:
    # One language keeps the re-indexing short; the full export is checked against the importer above.
    original = api.get("/api/v1/export?format=jsonl&lang=de").get_data(as_text=True)
    as_csv = api.get("/api/v1/export?format=csv&lang=de").get_data(as_text=True)
    count = len(by_id(original))
    assert count > 10
    (tmp_path / "export.jsonl").write_text(original, encoding="utf-8")
    (tmp_path / "export.csv").write_text(as_csv, encoding="utf-8")

    imported = kb("import", str(tmp_path / "export.jsonl"))
    assert imported.exit_code == 0, imported.output
    assert f"{count} created" in imported.output

    again = kb("import", str(tmp_path / "export.csv"))
    assert again.exit_code == 0, again.output
    assert f"0 created, 0 updated, {count} unchanged" in again.output

    exported = kb("export", "--format", "jsonl", "--output", str(tmp_path / "again.jsonl"))
    assert exported.exit_code == 0, exported.output
    assert by_id((tmp_path / "again.jsonl").read_text(encoding="utf-8")) == by_id(original)


def _bulk_insert(app: Flask, numbers: range) -> None:
    body = "Microcredit tutoring for migrant entrepreneurs. " * 100  # ~4.8 kB per record
    rows = [{"external_id": f"pr-en-bulk-{n:05d}", "kind": "practice", "lang": "en", "status": "published",
             "title": f"Bulk practice {n}", "summary": "", "body": body} for n in numbers]
    # Straight into the table: this test is about the export, not about indexing thousands of records.
    with get_engine(app).begin() as connection:
        connection.execute(insert(Record.__table__), rows)


def _stream(client: FlaskClient) -> tuple[int, int, int]:
    """Bytes and lines streamed by one export, and the peak memory allocated while streaming it."""
    response = client.get("/api/v1/export?format=jsonl")
    assert response.is_streamed
    tracemalloc.start()
    try:
        size = lines = 0
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    return size, lines, peak


def test_export_memory_stays_flat_as_the_catalogue_grows(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 0
    client = app.test_client()
    _bulk_insert(app, range(0, 1500))
    small_size, small_lines, small_peak = _stream(client)
    _bulk_insert(app, range(1500, 6000))
    large_size, large_lines, large_peak = _stream(client)
    assert (small_lines, large_lines) == (1500, 6000)
    assert large_size > 3.5 * small_size
    assert large_peak < 1.3 * small_peak, f"peak {small_peak} -> {large_peak} bytes while the export grew 4x"
    assert large_peak < large_size / 2
