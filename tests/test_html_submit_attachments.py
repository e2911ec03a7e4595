"""Attachments: the type is read from the content, sizes are limited, files are served safely and only to who may see them."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import signed_in
from kb_app.db import get_session
from kb_app.models import Attachment, Record
from kb_app.uploads import sniff_content_type

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
PRACTICE = {"title": "Sportello microcredito", "lang": "it", "body": "Un servizio di orientamento al credito.",
            "summary": "Orientamento.", "challenge": "Accesso.", "method": "Colloqui.", "results": "Prestiti.",
            "country": "IT"}



def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def uploads(app: Flask) -> list[Path]:
    folder = Path(app.config["KB_DATA_DIR"]) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def attachments(app: Flask) -> list[Attachment]:
    with app.app_context():
        return list(get_session().scalars(select(Attachment).order_by(Attachment.id)))


def submit_with_files(client: FlaskClient, files: list[tuple[bytes, str]], **extra: str):
    data = {**PRACTICE, **extra, "save": "1",
            "attachments": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/submit/new", data=data, content_type="multipart/form-data")


def test_types_are_recognised_by_content() -> None:
    docx = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    odt = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
    ods = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff_content_type(docx) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert sniff_content_type(odt) == "application/vnd.oasis.opendocument.text"
    for refused in (HTML, ods, zipped({"a.txt": b"x"}), b"PK\x03\x04 broken", b"MZ\x90\x00executable"):
        assert sniff_content_type(refused) is None


def test_a_pdf_is_kept_under_a_random_name_and_served_as_a_download(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = submit_with_files(partner, [(PDF, "Relazione finale.pdf"), (PNG, "foto.txt")])
    assert response.status_code == 302
    kept = attachments(app)
    assert [(a.filename, a.content_type) for a in kept] == [("Relazione finale.pdf", "application/pdf"),
                                                             ("foto.txt.png", "image/png")]
    files = uploads(app)
    assert len(files) == 2 and all(re.fullmatch(r"[0-9a-f]{32}\.(pdf|png)", f.name) for f in files)

    download = partner.get(f"/attachments/{kept[0].id}", buffered=True)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Relazione" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    edit_page = partner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Relazione finale.pdf" in edit_page


def test_a_page_disguised_as_pdf_is_refused_and_the_text_is_kept(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = submit_with_files(partner, [(PDF, "good.pdf"), (HTML, "report.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "report.pdf is not a PDF, DOCX, ODT, PNG or JPEG file." in page
    assert 'value="Sportello microcredito"' in page and "Un servizio di orientamento al credito." in page
    assert attachments(app) == [] and uploads(app) == []  # all or nothing: the good file was not kept either
    with app.app_context():
        assert get_session().scalar(select(Record)) is None


def test_files_over_the_size_limit_are_refused_on_the_form(app: Flask) -> None:
    app.config["KB_MAX_UPLOAD_MB"] = 0.001  # about 1 KB
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    big = PDF + b"0" * 2000
    page = submit_with_files(partner, [(big, "big.pdf")]).get_data(as_text=True)
    assert "big.pdf is larger than 0.001 MB." in page
    assert 'value="Sportello microcredito"' in page
    assert uploads(app) == []


def test_unpublished_attachments_are_private_and_published_ones_public(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = submit_with_files(partner, [(PDF, "relazione.pdf")])
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    attachment_id = attachments(app)[0].id
    path = f"/attachments/{attachment_id}"

    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 302
    other = signed_in(app, "luis@example.org", "partner", "accion-contra-el-hambre")
    assert other.get(path).status_code == 403
    editor = signed_in(app, "ed@example.org", "editor")
    assert editor.get(path, buffered=True).status_code == 200

    partner.post(f"/submit/{record_id}/send")
    editor.post(f"/review/{record_id}/publish", data={"comment": ""})
    public = anonymous.get(path, buffered=True)
    assert public.status_code == 200 and public.data == PDF
    assert public.headers["Content-Disposition"].startswith("attachment;")
    assert other.get(path, buffered=True).status_code == 200


def test_removing_an_attachment_deletes_the_file_and_is_kept_in_the_history(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = submit_with_files(partner, [(PDF, "relazione.pdf")])
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    attachment_id = attachments(app)[0].id
    assert len(uploads(app)) == 1
    other = signed_in(app, "luis@example.org", "partner", "accion-contra-el-hambre")
    assert other.post(f"/submit/{record_id}/attachments/{attachment_id}/delete").status_code == 403

    assert partner.post(f"/submit/{record_id}/attachments/{attachment_id}/delete").status_code == 302
    assert attachments(app) == [] and uploads(app) == []
    history = partner.get(f"/submit/{record_id}/history").get_data(as_text=True)
    assert "Attachment added" in history and "Attachment removed" in history and "relazione.pdf" in history
    assert partner.get(f"/attachments/{attachment_id}").status_code == 404
