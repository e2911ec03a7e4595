"""Reading the text of one PDF, DOCX or ODT file: headings, paragraphs and PDF page numbers, within limits.

Runs inside the isolated extraction process (see isolation.py); every way a file can be bad ends in
ExtractionRefused with a code the interface translates, never in another exception.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import asdict, dataclass, field

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
DOCUMENT_TYPES = (PDF, DOCX, ODT)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Characters kept in extracted text: no C0/C1 controls except newline and tab (a form feed separates nothing here).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_BLANK_LINE = re.compile(r"\n\s*\n")
# XML that declares a document type can define entities (external files, or a billion nested laughs);
# Word and LibreOffice never write one, so a part that has one is refused before any parser sees it.
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """How much of one file is read, and what it may cost."""

    max_pages: int = 300
    max_chars: int = 500_000
    max_seconds: float = 30.0
    max_unpacked_mb: float = 100.0  # DOCX/ODT: the archive's members, unpacked
    max_memory_mb: int = 1536  # address space of the extraction process


@dataclass
class Block:
    """A heading or a paragraph of the document; `page` is the PDF page it is on (1-based), else None."""

    kind: str  # "heading" | "paragraph"
    text: str
    page: int | None = None
    level: int = 0


@dataclass
class Extracted:
    """What was read: status "ok" with blocks, or "no_text" (a scan, or nothing readable)."""

    status: str
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    truncated: bool = False  # the page or character limit cut the text short

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Extracted:
        return cls(status=data["status"], blocks=[Block(**b) for b in data.get("blocks", [])],
                   pages=data.get("pages"), truncated=bool(data.get("truncated")))

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


class OutOfTime(BaseException):
    """The time allowed for one file is up (raised by the extraction process's timer, between two steps).

    A BaseException, so that no `except Exception` around one page swallows it."""


class ExtractionRefused(Exception):
    """The file's text cannot be read; `code` names why (encrypted, malformed, zip_bomb, entities, mimetype, ...)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def clean_text(text: str) -> str:
    """Extracted text as stored: no control characters, runs of spaces made one, lines trimmed."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def readable(text: str) -> bool:
    """True when the text has letters a person could read (not only controls, digits or punctuation)."""
    return len(_LETTER.findall(text[:20_000])) >= 3


class _Collector:
    """Gathers blocks until the character limit, remembering whether it cut anything."""

    def __init__(self, limits: Limits):
        self.blocks: list[Block] = []
        self.chars = 0
        self.limit = limits.max_chars
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.chars >= self.limit

    def add(self, kind: str, text: str, page: int | None = None, level: int = 0) -> None:
        text = clean_text(text)
        if not text or self.full:
            self.truncated = self.truncated or (bool(text) and self.full)
            return
        if self.chars + len(text) > self.limit:
            text = text[: self.limit - self.chars]
            self.truncated = True
        self.chars += len(text)
        self.blocks.append(Block(kind, text, page, level))

    def result(self, pages: int | None = None, truncated: bool = False) -> Extracted:
        if not self.blocks or not readable("\n".join(b.text for b in self.blocks)):
            return Extracted("no_text", [], pages, truncated or self.truncated)
        return Extracted("ok", self.blocks, pages, truncated or self.truncated)


def _short_line(line: str) -> bool:
    """A line that may be a heading: a few words, no sentence end (PDF text has no styles to tell)."""
    return 0 < len(line.split()) <= 8 and not line.rstrip().endswith((".", ",", ";", ":", "!", "?", "-"))


def pdf_paragraphs(text: str) -> list[str]:
    """A PDF page's text as paragraphs: blank lines end one, and a short line between sentences stands alone
    (it is likely a heading); the wrapped lines of a paragraph are joined."""
    paragraphs: list[str] = []
    for chunk in _BLANK_LINE.split(text):
        current: list[str] = []
        for line in (line.strip() for line in chunk.split("\n")):
            if not line:
                continue
            if _short_line(line) and (not current or current[-1].rstrip().endswith((".", "!", "?", ":"))):
                if current:
                    paragraphs.append(" ".join(current))
                paragraphs.append(line)
                current = []
                continue
            current.append(line)
        if current:
            paragraphs.append(" ".join(current))
    return paragraphs


# --- PDF -----------------------------------------------------------------------------------------------------

# pypdf rather than pypdfium2 (bench/document_extraction.py): PDFium is ~3.6x faster (1226 vs 340 pages/s) and both
# refuse the same hostile files, but pypdf is pure Python, so the child's timer can stop it between two pages and
# keep what was read, and a bad file raises an exception instead of possibly crashing native code.
def _pdf(data: bytes, limits: Limits) -> Extracted:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are encrypted with an empty user password (only printing or copying restricted): they open.
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - an unknown scheme or a missing crypto library
                raise ExtractionRefused("encrypted", str(exc)[:200]) from None
            if not opened:
                raise ExtractionRefused("encrypted")
        total = len(reader.pages)
    except ExtractionRefused:
        raise
    except FileNotDecryptedError:
        raise ExtractionRefused("encrypted") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, zipfile.BadZipFile, AssertionError) as exc:
        raise ExtractionRefused("malformed", str(exc)[:200]) from None
    collector = _Collector(limits)
    broken = read = 0
    try:
        for number in range(min(total, limits.max_pages)):
            if collector.full:
                break
            try:
                text = reader.pages[number].extract_text() or ""
            except FileNotDecryptedError:
                raise ExtractionRefused("encrypted") from None
            except Exception:  # noqa: BLE001 - one unreadable page must not lose the others
                broken += 1
                continue
            finally:
                read += 1
            for paragraph in pdf_paragraphs(text):
                collector.add("paragraph", paragraph, page=number + 1)
    except OutOfTime:
        if not collector.blocks:
            raise
        collector.truncated = True  # the pages read so far are kept
    if broken and broken == read:
        raise ExtractionRefused("malformed", "no page could be read")
    return collector.result(pages=total, truncated=total > limits.max_pages)


# --- DOCX and ODT (zip packages) -------------------------------------------------------------------------------

def _open_package(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The archive, once its declared sizes, its compression ratio and its XML are known to be harmless."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionRefused("malformed", str(exc)[:200]) from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_mb * 1024 * 1024 or len(members) > 5000:
        raise ExtractionRefused("zip_bomb", f"{unpacked} bytes unpacked in {len(members)} members")
    budget = int(limits.max_unpacked_mb * 1024 * 1024)
    for member in members:
        if not member.filename.endswith((".xml", ".rels")):
            continue
        # Read with a bound: the declared size of a member may lie.
        try:
            with archive.open(member) as handle:
                content = handle.read(budget + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ExtractionRefused("malformed", str(exc)[:200]) from None
        budget -= len(content)
        if budget < 0:
            raise ExtractionRefused("zip_bomb", "members unpack to more than their declared size")
        if _DOCTYPE.search(content):
            raise ExtractionRefused("entities", member.filename)
    return archive


def _docx(data: bytes, limits: Limits) -> Extracted:
    archive = _open_package(data, limits)
    archive.close()
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ExtractionRefused("malformed", str(exc)[:200]) from None
    except Exception as exc:  # noqa: BLE001 - lxml and python-docx raise many kinds on a broken part
        raise ExtractionRefused("malformed", f"{type(exc).__name__}: {str(exc)[:200]}") from None
    collector = _Collector(limits)
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def paragraph(p: Paragraph) -> None:
        style = (p.style.name if p.style is not None else "") or ""
        level = _heading_level(style)
        collector.add("heading" if level else "paragraph", p.text, level=level)

    try:
        for item in document.iter_inner_content():
            if collector.full:
                break
            if isinstance(item, Paragraph):
                paragraph(item)
            elif isinstance(item, Table):
                for row in item.rows:
                    cells = []
                    for cell in row.cells:
                        if cell.text not in cells:  # merged cells repeat their text
                            cells.append(cell.text)
                    collector.add("paragraph", " · ".join(c for c in cells if c.strip()))
    except Exception as exc:  # noqa: BLE001
        raise ExtractionRefused("malformed", f"{type(exc).__name__}: {str(exc)[:200]}") from None
    return collector.result()


_HEADING_STYLE = re.compile(r"^(heading|titre|titolo|título|titulo|überschrift|berschrift)\s*(\d)?", re.IGNORECASE)


def _heading_level(style: str) -> int:
    """1-9 for a heading style (Title counts as 1), 0 for body text."""
    if style.strip().lower() in {"title", "titre", "titolo", "título", "titel"}:
        return 1
    match = _HEADING_STYLE.match(style.strip())
    if not match:
        return 0
    return int(match.group(2) or 1)


def _odt(data: bytes, limits: Limits) -> Extracted:
    archive = _open_package(data, limits)
    with archive:
        names = set(archive.namelist())
        if "mimetype" not in names or "content.xml" not in names:
            raise ExtractionRefused("mimetype", "no mimetype or content.xml")
        if archive.getinfo("mimetype").file_size > 100 or archive.read("mimetype").strip() != ODT_MIMETYPE:
            raise ExtractionRefused("mimetype", "not an OpenDocument text")
    from odf import opendocument, teletype
    from odf.namespaces import TABLENS, TEXTNS

    try:
        document = opendocument.load(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - odfpy raises whatever its SAX parser met
        raise ExtractionRefused("malformed", f"{type(exc).__name__}: {str(exc)[:200]}") from None
    collector = _Collector(limits)

    def walk(node) -> None:
        for child in node.childNodes:
            if collector.full:
                return
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                try:
                    level = int(child.getAttribute("outlinelevel") or 1)
                except (ValueError, TypeError):
                    level = 1
                collector.add("heading", teletype.extractText(child), level=max(1, min(level, 9)))
            elif qname == (TEXTNS, "p"):
                collector.add("paragraph", teletype.extractText(child))
            elif qname == (TABLENS, "table-row"):
                cells = [teletype.extractText(c) for c in child.childNodes
                         if getattr(c, "qname", None) == (TABLENS, "table-cell")]
                collector.add("paragraph", " · ".join(c for c in cells if c.strip()))
            elif getattr(child, "childNodes", None):
                walk(child)

    try:
        walk(document.text)
    except RecursionError:
        raise ExtractionRefused("malformed", "nested too deeply") from None
    return collector.result()


READERS = {PDF: _pdf, DOCX: _docx, ODT: _odt}


def extract(data: bytes, content_type: str, limits: Limits | None = None) -> Extracted:
    """The text of a document; raises ExtractionRefused (with a code) when it cannot be read."""
    reader = READERS.get(content_type)
    if reader is None:
        raise ExtractionRefused("unsupported", content_type)
    return reader(data, limits or Limits())
