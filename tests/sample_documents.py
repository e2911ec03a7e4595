"""Documents made by the tests themselves (python-docx, odfpy, fpdf2, pypdf): good ones and hostile ones."""
from __future__ import annotations

import io
import zipfile

Section = tuple[str, list[str]]  # a heading and its paragraphs


def docx_file(title: str, sections: list[Section], intro: list[str] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in intro or []:
        document.add_paragraph(paragraph)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_file(title: str, sections: list[Section]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=title))
    for heading, paragraphs in sections:
        document.text.addElement(H(outlinelevel=2, text=heading))
        for paragraph in paragraphs:
            document.text.addElement(P(text=paragraph))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def pdf_file(pages: list[str]) -> bytes:
    """A PDF with a text layer, one string per page (Latin-1 text: the core fonts have no other glyphs)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A PDF whose page is only a picture (as a scanner makes them): no text layer at all."""
    from fpdf import FPDF

    png = _png(40, 20)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png), x=10, y=10, w=180)
    return bytes(pdf.output())


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes([(x * 7 + y * 3) % 256 for x in range(width)]) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def encrypted_pdf(text: str = "Secret report on guarantee funds") -> bytes:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf_file([text])))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_pdf() -> bytes:
    whole = pdf_file(["Microcredito per imprese di migranti. " * 30] * 3)
    return whole[: len(whole) // 3]


def malformed_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Kids [3 0 R] /Count 1 >>\n" \
           b"xref garbage \x00\xff\xfe trailer <<< /Root 9 9 R >>\n%%EOF"


def _docx_parts(document_xml: bytes) -> dict[str, bytes]:
    content_types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                     b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                     b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                     b'xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    return {"[Content_Types].xml": content_types, "_rels/.rels": rels, "word/document.xml": document_xml}


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def external_entity_docx() -> bytes:
    """A DOCX whose document pulls in /etc/passwd through an external entity (XXE)."""
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<w:document ' + W + b'><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')
    return _zip(_docx_parts(xml))


def zip_bomb_docx() -> bytes:
    """A small DOCX whose document unpacks to hundreds of megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _docx_parts(b"<w:document " + W + b"><w:body/></w:document>").items():
            if name != "word/document.xml":
                archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    return buffer.getvalue()


def control_characters_docx() -> bytes:
    """A DOCX whose only text is control characters (written as XML character references Word would refuse)."""
    import docx

    document = docx.Document()
    document.add_paragraph("\t\t\t")
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    # python-docx refuses to write C0 controls; put them into the XML ourselves, as a broken generator would.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["word/document.xml"] = entries["word/document.xml"].replace(b"\t\t\t", b"\x01\x02\x03\x07\x1b")
    return _zip(entries)


def wrong_mimetype_odt() -> bytes:
    """An ODT package that says it is a spreadsheet."""
    good = odt_file("Titolo", [("Sfida", ["Testo."])])
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["mimetype"] = b"application/vnd.oasis.opendocument.spreadsheet"
    return _zip(entries, compression=zipfile.ZIP_STORED)


def long_pdf(text: str, pages: int) -> bytes:
    """A PDF of `pages` copies of one page of text (quick to make, as slow to read as distinct pages)."""
    import pypdf

    page = pypdf.PdfReader(io.BytesIO(pdf_file([text]))).pages[0]
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def heavy_pdf(megabytes: int = 50) -> bytes:
    """A valid PDF of one page whose content stream is `megabytes` MB of text operators (slow for any reader)."""
    line = b"BT /F1 9 Tf 20 700 Td (Microcredito per imprese di migranti) Tj ET\n"
    content = line * (megabytes * 1024 * 1024 // len(line))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
