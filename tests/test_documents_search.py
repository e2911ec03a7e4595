"""Attachments in search: a published record's files are searched in their own language and named in the result."""
from __future__ import annotations

import io

from flask import Flask
from sample_documents import docx_file, encrypted_pdf, pdf_file
from sqlalchemy import select

from kb_app.catalogue import apply_record, new_record, publish
from kb_app.db import get_session
from kb_app.documents.reading import get_text_reader
from kb_app.models import Attachment
from kb_app.search_service import get_search_service
from kb_app.submit.submission import new_attachment
from kb_app.uploads import store_upload, stored_path

# An Italian record about something else; the German report attached to it is about guarantee funds for women.
ITALIAN = {"kind": "practice", "lang": "it", "country": "IT", "title": "Corso di lingua per mediatori",
           "summary": "Lezioni serali di lingua per mediatori culturali.",
           "body": "Un corso di grammatica e conversazione per mediatori culturali nei quartieri di Torino."}
GERMAN_REPORT = docx_file("Abschlussbericht", [
    ("Herausforderung", ["Frauen mit Migrationsgeschichte bekommen bei Banken kaum einen Kredit für ein eigenes "
                         "Restaurant, weil ihnen Sicherheiten fehlen."]),
    ("Methode", ["Ein Bürgschaftsfonds der Gemeinde sichert Kleinkredite für Gründerinnen ab, die eine Gaststätte "
                 "oder einen Imbiss eröffnen wollen."]),
])
QUERY = "fondo di garanzia per donne migranti che aprono un ristorante"


def _record(app: Flask, fields: dict, files: list[tuple[str, bytes]], published: bool = True) -> int:
    with app.app_context():
        session = get_session()
        record = new_record(fields["kind"])
        session.add(record)
        apply_record(session, record, fields)
        record.status = "draft"
        if published:
            publish(record)
        for name, data in files:
            stored = store_upload(app.config["KB_DATA_DIR"], name, io.BytesIO(data), 60 * 1024 * 1024)
            record.attachments.append(new_attachment(stored))
        session.commit()
        return record.id


def _read_everything(app: Flask) -> None:
    get_text_reader(app).read_pending()
    get_search_service(app).sync()


def _search(app: Flask, q: str, mode: str = "hybrid") -> dict:
    with app.test_client() as client:
        return client.get("/api/v1/search", query_string={"q": q, "mode": mode}).get_json()


def test_a_german_report_makes_its_record_findable_from_italian_and_the_result_names_the_file(app: Flask) -> None:
    found_id = _record(app, ITALIAN, [("Abschlussbericht.docx", GERMAN_REPORT)])
    _record(app, {**ITALIAN, "title": "Biblioteca di quartiere", "summary": "Prestito di libri in sei lingue.",
                  "body": "Una biblioteca con libri e giornali in sei lingue, aperta la sera."}, [])
    _read_everything(app)
    with app.app_context():
        attachment = get_session().scalar(select(Attachment))
        assert (attachment.text_status, attachment.lang) == ("ok", "de")
    results = _search(app, QUERY)["results"]
    assert results[0]["id"] == found_id
    assert results[0]["matched_by"]["found_in"] == {"file": "Abschlussbericht.docx", "page": None, "lang": "de"}
    assert "Bürgschaftsfonds" in results[0]["snippet"] or "Restaurant" in results[0]["snippet"]
    page = app.test_client().get("/search", query_string={"q": QUERY}).get_data(as_text=True)
    assert "Abschlussbericht.docx" in page


def test_a_german_query_finds_the_words_of_the_report_and_a_pdf_result_names_the_page(app: Flask) -> None:
    report = pdf_file(["Einleitung des Berichts.", "Der Buergschaftsfonds sichert Kleinkredite ab.", "Schluss."])
    found_id = _record(app, ITALIAN, [("bericht.pdf", report)])
    _read_everything(app)
    result = _search(app, "Buergschaftsfonds Kleinkredite")["results"][0]
    assert result["id"] == found_id
    assert result["matched_by"]["found_in"]["file"] == "bericht.pdf"
    assert result["matched_by"]["found_in"]["page"] == 2
    assert "<mark>Buergschaftsfonds</mark>" in result["snippet"]


def test_drafts_attachments_never_reach_the_index(app: Flask) -> None:
    _record(app, ITALIAN, [("Abschlussbericht.docx", GERMAN_REPORT)], published=False)
    _read_everything(app)
    assert _search(app, "Bürgschaftsfonds Gaststätte")["total"] == 0


def test_unreadable_files_are_kept_and_named_but_never_indexed(app: Flask) -> None:
    record_id = _record(app, ITALIAN, [("geheim.pdf", encrypted_pdf("Bürgschaftsfonds geheim"))])
    _read_everything(app)
    with app.app_context():
        attachment = get_session().scalar(select(Attachment))
        assert (attachment.text_status, attachment.text_problem) == ("refused", "encrypted")
    found = _search(app, "geheim Bürgschaftsfonds", mode="keyword")
    assert found["total"] == 0
    assert all("found_in" not in r["matched_by"] for r in _search(app, "geheim Bürgschaftsfonds")["results"])
    page = app.test_client().get(f"/records/{record_id}").get_data(as_text=True)
    assert "geheim.pdf" in page and "password-protected" in page


def test_reindex_uses_the_stored_text_and_does_not_read_the_file_again(app: Flask) -> None:
    found_id = _record(app, ITALIAN, [("Abschlussbericht.docx", GERMAN_REPORT)])
    _read_everything(app)
    with app.app_context():
        attachment = get_session().scalar(select(Attachment))
        stored_path(app.config["KB_DATA_DIR"], attachment.stored_name).unlink()  # nothing left to read
    get_search_service(app).rebuild()
    result = _search(app, "Bürgschaftsfonds Gaststätte")["results"][0]
    assert result["id"] == found_id and result["matched_by"]["found_in"]["file"] == "Abschlussbericht.docx"


def test_the_record_page_lists_attachments_with_language_and_pages(app: Flask) -> None:
    record_id = _record(app, ITALIAN, [("bericht.pdf", pdf_file(["Der Bericht über Kleinkredite für Frauen."] * 3)),
                                        ("Abschlussbericht.docx", GERMAN_REPORT)])
    _read_everything(app)
    page = app.test_client().get(f"/records/{record_id}").get_data(as_text=True)
    assert "bericht.pdf" in page and "3 pages" in page and "German" in page
    assert "Abschlussbericht.docx" in page


def test_a_payload_inside_a_document_is_shown_as_text(app: Flask) -> None:
    payload = "<script>window.__xss=1</script> Bürgschaftsfonds <img src=x onerror=alert(1)>"
    record_id = _record(app, ITALIAN, [("x.docx", docx_file("Bericht", [("Methode", [payload])]))])
    _read_everything(app)
    client = app.test_client()
    for page in (client.get("/search", query_string={"q": "Bürgschaftsfonds"}).get_data(as_text=True),
                 client.get(f"/records/{record_id}").get_data(as_text=True)):
        assert "<script>window.__xss" not in page and "<img src=x" not in page
    snippet = _search(app, "Bürgschaftsfonds")["results"][0]["snippet"]
    assert "&lt;img src=x" in snippet and "<img" not in snippet and "<script>" not in snippet
