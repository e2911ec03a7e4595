"""Start from a file: a partner's document becomes a draft filled in from its headings, never published unreviewed."""
from __future__ import annotations

import io

from conftest import signed_in
from flask import Flask
from sample_documents import docx_file, encrypted_pdf, odt_file
from sqlalchemy import select

from kb_app.db import get_session
from kb_app.documents.reading import get_text_reader
from kb_app.models import Record

REPORT = docx_file("Sportello credito per donne migranti", [
    ("Sfida", ["Le donne migranti non ottengono credito dalle banche."]),
    ("Metodo e attività", ["Colloqui individuali e un fondo di garanzia comunale."]),
    ("Risultati", ["Quaranta prestiti in due anni."]),
    ("Allegati", ["Elenco dei partner del progetto."]),
], intro=["Il progetto è nato a Torino nel 2021."])


def _start(client, data: bytes, name: str):
    return client.post("/submit/from-file", data={"start-document": (io.BytesIO(data), name), "start-read": "1"},
                       content_type="multipart/form-data")


def test_a_docx_becomes_a_draft_with_its_sections_in_place(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    assert "Start from a file" in partner.get("/submit/new").get_data(as_text=True)
    started = _start(partner, REPORT, "rapporto.docx")
    assert started.status_code == 302 and "/reading" in started.headers["Location"]
    assert get_text_reader(app).wait_idle(60)
    opened = partner.get(started.headers["Location"])
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/edit")
    form = partner.get(opened.headers["Location"]).get_data(as_text=True)
    assert "The form was filled in from rapporto.docx" in form
    assert 'value="Sportello credito per donne migranti"' in form
    assert "Colloqui individuali e un fondo di garanzia comunale." in form
    with app.app_context():
        record = get_session().scalar(select(Record))
        assert record.status == "draft" and record.lang == "it"
        assert record.challenge == "Le donne migranti non ottengono credito dalle banche."
        assert record.results == "Quaranta prestiti in due anni."
        assert record.body == "Il progetto è nato a Torino nel 2021.\n\nAllegati\n\nElenco dei partner del progetto."
        assert [a.filename for a in record.attachments] == ["rapporto.docx"]
        assert [r.action for r in record.revisions] == ["created", "prefilled"]
    # Nothing is public: the draft is not in search and its page is not published.
    assert app.test_client().get(f"/records/{record.id}").status_code == 404


def test_an_odt_in_german_fills_the_same_sections(app: Flask) -> None:
    partner = signed_in(app, "ben@example.org", "partner", "enm")
    odt = odt_file("Bürgschaften für Gründerinnen", [("Herausforderung", ["Banken verlangen Sicherheiten."]),
                                                     ("Ergebnisse", ["Vierzig Kredite."])])
    started = _start(partner, odt, "bericht.odt")
    get_text_reader(app).wait_idle(60)
    partner.get(started.headers["Location"])
    with app.app_context():
        record = get_session().scalar(select(Record))
        assert (record.title, record.lang) == ("Bürgschaften für Gründerinnen", "de")
        assert (record.challenge, record.results) == ("Banken verlangen Sicherheiten.", "Vierzig Kredite.")


def test_an_unreadable_file_is_kept_and_the_partner_is_told_why(app: Flask) -> None:
    partner = signed_in(app, "cleo@example.org", "partner", "enm")
    started = _start(partner, encrypted_pdf(), "protetto.pdf")
    get_text_reader(app).wait_idle(60)
    edit = partner.get(started.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "No text could be read from protetto.pdf (the file is password-protected)" in edit
    assert "protetto.pdf" in edit
    with app.app_context():
        record = get_session().scalar(select(Record))
        assert record.title == "protetto" and record.status == "draft"


def test_an_image_or_a_disguised_file_starts_no_draft(app: Flask) -> None:
    partner = signed_in(app, "dan@example.org", "partner", "enm")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
    page = partner.get(_start(partner, png, "foto.png").headers["Location"]).get_data(as_text=True)
    assert "foto.png is not a DOCX, ODT or PDF file" in page
    page = partner.get(_start(partner, b"<html>hi</html>", "report.docx").headers["Location"]).get_data(as_text=True)
    assert "report.docx is not a PDF, DOCX, ODT, PNG or JPEG file" in page
    with app.app_context():
        assert get_session().scalar(select(Record)) is None
