"""A 50 MB or malformed attachment never takes the server down or holds up other requests while it is read."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FreshDatabase, dispose, make_app, signed_in
from flask import Flask
from sample_documents import docx_file, heavy_pdf, malformed_pdf
from sqlalchemy import select
from test_documents_search import _record

from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.documents.reading import get_text_reader
from kb_app.models import Attachment, Organisation


@pytest.fixture()
def big_upload_app(tmp_path: Path, databases: FreshDatabase) -> Iterator[Flask]:
    app = make_app(tmp_path / "data", databases, WTF_CSRF_ENABLED=False, KB_MAX_UPLOAD_MB=60, KB_SEARCH_PAGES_PER_MINUTE=100_000,
                   KB_EXTRACT_MAX_SECONDS=4)
    with app.app_context():
        initialise(app, load_seed=False)
    yield app
    dispose(app)


def _statuses(app: Flask) -> dict[str, tuple[str, str | None]]:
    with app.app_context():
        return {a.filename: (a.text_status, a.text_problem) for a in get_session().scalars(select(Attachment))}


def test_a_50_mb_file_is_read_aside_while_the_server_answers_and_the_files_after_it_are_read(
        big_upload_app: Flask) -> None:
    app = big_upload_app
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    files = [("enorme.pdf", heavy_pdf(50)), ("rotto.pdf", malformed_pdf()),
             ("bericht.docx", docx_file("Bericht", [("Methode", ["Ein Bürgschaftsfonds."])]))]
    # Kept as an upload keeps them (through the test client a 50 MB body leaves a temporary file open).
    record_id = _record(app, {"kind": "practice", "lang": "it", "title": "Sportello microcredito", "country": "IT",
                              "body": "Un servizio di orientamento al credito."}, files)
    with app.app_context():
        from kb_app.models import Record
        record = get_session().get(Record, record_id)
        record.status, record.organisation = "draft", get_session().scalar(
            select(Organisation).where(Organisation.slug == "enm"))
        get_session().commit()
    get_text_reader(app).kick()  # what a save does once the files are kept
    record_page = f"/submit/{record_id}"
    # While the big file is being read, other requests are answered (and do not wait for it).
    answered = 0
    while _statuses(app)["enorme.pdf"][0] in ("pending", "extracting") and answered < 200:
        assert app.test_client().get("/search", query_string={"q": "microcredito"}).status_code == 200
        assert partner.get(record_page).status_code == 200
        answered += 1
    assert answered > 0
    assert get_text_reader(app).wait_idle(120)
    statuses = _statuses(app)
    assert statuses["enorme.pdf"] == ("refused", "timeout")
    assert statuses["rotto.pdf"] == ("refused", "malformed")
    assert statuses["bericht.docx"][0] == "ok"  # the reader went on after both
    page = partner.get(record_page).get_data(as_text=True)
    assert "reading the file took too long" in page and "the file is damaged or not a valid document" in page
    assert app.test_client().get("/api/v1/health").status_code == 200
