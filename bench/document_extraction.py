"""Attachment text extraction: pages per second for text PDFs, pypdf (what kb_app.documents uses) against pypdfium2.

Makes a text PDF of PAGES pages (fpdf2; each page about 400 words of one paragraph set), then reads it:
  - pypdf, as kb_app.documents.extract does it (paragraphs, page numbers, limits), in this process;
  - pypdf through extract_isolated (a child process per file, as the server runs it: start-up included);
  - pypdfium2 (PDFium), text of every page, in this process.
Then feeds both libraries the hostile files of tests/sample_documents.py and prints what each did.
Target: >= 20 pages/s for text PDFs. Usage:

    python bench/document_extraction.py [PAGES]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import print_machine

PARAGRAPH = ("Il microcredito aiuta le donne migranti ad aprire un'impresa: il fondo di garanzia del comune copre "
             "il rischio della banca, e un tutor accompagna ogni persona nel piano d'impresa per due anni. ")


def _pdf(pages: int) -> bytes:
    import sample_documents

    # Distinct pages (not copies): each has its page number in its text.
    return sample_documents.pdf_file([f"Pagina {n}. " + PARAGRAPH * 12 for n in range(1, pages + 1)])


def _pdfium_text(data: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    chars = 0
    for index in range(len(document)):
        page = document[index]
        text = page.get_textpage().get_text_range()
        chars += len(text)
    document.close()
    return chars


def _timed(label: str, pages: int, run) -> None:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {pages / seconds:8.1f} pages/s  ({seconds:.2f} s for {pages} pages)")


def main() -> None:
    import sample_documents

    from kb_app.documents.extract import PDF, ExtractionRefused, Limits, extract
    from kb_app.documents.isolation import extract_isolated

    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print_machine()
    data = _pdf(pages)
    print(f"text PDF: {pages} pages, {len(data) / 1024:.0f} KB")
    limits = Limits(max_pages=pages, max_chars=10**9, max_seconds=600)
    _timed("pypdf (kb_app.documents.extract)", pages, lambda: extract(data, PDF, limits))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.pdf"
        path.write_bytes(data)
        _timed("pypdf in a child process (extract_isolated)", pages, lambda: extract_isolated(path, PDF, limits))
    _timed("pypdfium2 (PDFium)", pages, lambda: _pdfium_text(data))

    print("\nhostile files: what each library does")
    hostile = {"encrypted": sample_documents.encrypted_pdf(), "truncated": sample_documents.truncated_pdf(),
               "malformed": sample_documents.malformed_pdf(), "scanned (no text layer)": sample_documents.scanned_pdf(),
               "NUL bytes after the header": b"%PDF-1.4\n" + b"\x00" * 5000}
    for name, sample in hostile.items():
        try:
            found = extract(sample, PDF)
            ours = f"{found.status}, {found.pages} page(s)"
        except ExtractionRefused as exc:
            ours = f"refused: {exc.code}"
        try:
            pdfium = f"{_pdfium_text(sample)} characters read"
        except Exception as exc:  # noqa: BLE001 - the point is to see what it raises
            pdfium = f"{type(exc).__name__}: {str(exc)[:60]}"
        print(f"  {name:<28} pypdf: {ours:<28} pypdfium2: {pdfium}")


if __name__ == "__main__":
    main()
