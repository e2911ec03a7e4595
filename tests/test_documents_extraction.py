"""Reading documents: headings, paragraphs and PDF pages kept; bad files refused with a reason, in a child process."""
from __future__ import annotations

from pathlib import Path

import pytest
from sample_documents import (
    control_characters_docx,
    docx_file,
    encrypted_pdf,
    external_entity_docx,
    long_pdf,
    malformed_pdf,
    odt_file,
    pdf_file,
    scanned_pdf,
    truncated_pdf,
    wrong_mimetype_odt,
    zip_bomb_docx,
)

from kb_app.documents.extract import DOCX, ODT, PDF, Limits, extract
from kb_app.documents.isolation import extract_isolated
from kb_app.documents.prefill import draft_fields

SECTIONS = [("Herausforderung", ["Frauen bekommen keinen Kredit."]), ("Methode", ["Ein Bürgschaftsfonds."]),
            ("Ergebnisse", ["Vierzig Kredite."]), ("Anhang", ["Eine Liste der Partner."])]


def _isolated(tmp_path: Path, data: bytes, content_type: str, limits: Limits | None = None):
    path = tmp_path / "file"
    path.write_bytes(data)
    return extract_isolated(path, content_type, limits)


def test_docx_and_odt_keep_headings_and_paragraphs_in_order() -> None:
    for data, content_type in ((docx_file("Bürgschaften für Gründerinnen", SECTIONS), DOCX),
                               (odt_file("Bürgschaften für Gründerinnen", SECTIONS), ODT)):
        found = extract(data, content_type)
        assert found.status == "ok"
        assert [(b.kind, b.text) for b in found.blocks[:3]] == [
            ("heading", "Bürgschaften für Gründerinnen"), ("heading", "Herausforderung"),
            ("paragraph", "Frauen bekommen keinen Kredit.")]


def test_pdf_text_keeps_its_page_numbers() -> None:
    found = extract(pdf_file(["Erste Seite.", "Zweite Seite mit dem Fonds.", "Dritte Seite."]), PDF)
    assert found.status == "ok" and found.pages == 3
    assert [(b.page, b.text) for b in found.blocks] == [(1, "Erste Seite."), (2, "Zweite Seite mit dem Fonds."),
                                                        (3, "Dritte Seite.")]


def test_page_and_character_limits_cut_the_text_and_say_so() -> None:
    found = extract(pdf_file([f"Seite {n} des Berichts." for n in range(1, 11)]), PDF, Limits(max_pages=4))
    assert found.pages == 10 and found.truncated and [b.page for b in found.blocks] == [1, 2, 3, 4]
    found = extract(docx_file("Titel", SECTIONS), DOCX, Limits(max_chars=30))
    assert found.truncated and sum(len(b.text) for b in found.blocks) == 30


def test_a_scanned_pdf_is_no_text_found_not_an_error(tmp_path: Path) -> None:
    outcome = _isolated(tmp_path, scanned_pdf(), PDF)
    assert outcome.code is None and outcome.extracted.status == "no_text" and outcome.extracted.pages == 1


@pytest.mark.parametrize(("make", "content_type", "code"), [
    (encrypted_pdf, PDF, "encrypted"),
    (truncated_pdf, PDF, "malformed"),
    (malformed_pdf, PDF, "malformed"),
    (external_entity_docx, DOCX, "entities"),
    (zip_bomb_docx, DOCX, "zip_bomb"),
    (wrong_mimetype_odt, ODT, "mimetype"),
    (lambda: b"PK\x03\x04 not really a zip", DOCX, "malformed"),
    (lambda: b"%PDF-1.4\n" + b"\x00" * 5000, PDF, "malformed"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, make, content_type: str, code: str) -> None:
    outcome = _isolated(tmp_path, make(), content_type)
    assert outcome.extracted is None and outcome.code == code


def test_text_of_control_characters_only_is_no_text(tmp_path: Path) -> None:
    outcome = _isolated(tmp_path, control_characters_docx(), DOCX)
    assert outcome.code is None and outcome.extracted.status == "no_text"


def test_the_external_entity_is_never_resolved(tmp_path: Path) -> None:
    outcome = _isolated(tmp_path, external_entity_docx(), DOCX)
    assert "root:" not in repr(outcome)


def test_a_file_that_takes_too_long_keeps_what_was_read_in_time(tmp_path: Path) -> None:
    # Many pages of text and a tiny time allowance: the child stops itself and keeps the pages read so far.
    data = long_pdf("Microcredito e garanzie per imprese di migranti. " * 60, 1500)
    outcome = _isolated(tmp_path, data, PDF, Limits(max_seconds=2, max_pages=2000, max_chars=10**8))
    assert outcome.code is None and outcome.extracted.truncated
    assert outcome.extracted.pages == 1500 and 0 < max(b.page for b in outcome.extracted.blocks) < 1500


def test_a_crash_in_the_reader_is_reported_not_raised(tmp_path: Path) -> None:
    # A memory ceiling too low for the reader to even start: the child dies, the caller gets a reason.
    outcome = _isolated(tmp_path, pdf_file(["Testo."]), PDF, Limits(max_memory_mb=40))
    assert outcome.extracted is None and outcome.code in ("too_complex", "failed")


def test_a_draft_takes_its_title_and_sections_from_the_headings_in_any_language() -> None:
    for title, sections in (
        ("Bürgschaften für Gründerinnen", SECTIONS),
        ("Garanzie per imprenditrici", [("Sfida", ["Le donne non ottengono credito."]), ("Metodo", ["Un fondo."]),
                                        ("Risultati ottenuti", ["Quaranta prestiti."])]),
        ("Garantías para emprendedoras", [("Desafío", ["Las mujeres no obtienen crédito."]),
                                          ("Método", ["Un fondo."]), ("Resultados", ["Cuarenta préstamos."])]),
        ("ضمانات لرائدات الأعمال", [("التحدي", ["لا تحصل النساء على قروض."]), ("المنهجية", ["صندوق ضمان."]),
                                     ("النتائج", ["أربعون قرضا."])]),
    ):
        draft = draft_fields(extract(docx_file(title, sections, intro=["Ein Projekt in Turin."]), DOCX))
        assert draft.title == title
        assert draft.fields["challenge"] == sections[0][1][0]
        assert draft.fields["method"] == sections[1][1][0]
        assert draft.fields["results"] == sections[2][1][0]
    # A heading that names no section keeps its text, in the body, after what came before the first section.
    draft = draft_fields(extract(docx_file("Titel", SECTIONS, intro=["Ein Projekt in Turin."]), DOCX))
    assert draft.fields["body"] == "Ein Projekt in Turin.\n\nAnhang\n\nEine Liste der Partner."


def test_a_pdf_draft_finds_sections_in_unstyled_lines() -> None:
    pdf = pdf_file(["Sportello credito per migranti\n\nSfida\n\nNessun accesso al credito.\n\nMetodo\n\nColloqui."])
    draft = draft_fields(extract(pdf, PDF), fallback_title="rapporto")
    assert draft.title == "Sportello credito per migranti"
    assert draft.fields["challenge"] == "Nessun accesso al credito." and draft.fields["method"] == "Colloqui."


def test_kb_import_documents_makes_a_draft_per_file_and_reports_each(kb, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "bericht.docx").write_bytes(docx_file("Bürgschaften für Gründerinnen", SECTIONS))
    (folder / "rapporto.odt").write_bytes(odt_file("Garanzie per imprenditrici", [("Sfida", ["Nessun credito."])]))
    (folder / "scan.pdf").write_bytes(scanned_pdf())
    (folder / "geheim.pdf").write_bytes(encrypted_pdf())
    (folder / "notes.txt").write_bytes(b"plain text")
    result = kb("import-documents", str(folder), "--organisation", "enm")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("bericht.docx: draft") and "(de" in line and "challenge, method, results" in line
               for line in lines)
    assert any(line.startswith("rapporto.odt: draft") and "(it" in line and "challenge" in line for line in lines)
    assert any(line.startswith("scan.pdf: draft") and "no text found" in line for line in lines)
    assert any(line.startswith("geheim.pdf: draft") and "password-protected" in line for line in lines)
    assert "notes.txt: skipped (not a PDF, DOCX or ODT file)" in result.output
    assert "4 draft(s) created from 5 file(s)" in result.output
    refused = kb("import-documents", str(folder), "--organisation", "nobody-at-all")
    assert refused.exit_code != 0 and "no organisation" in refused.output
