"""Interface words for what became of an attachment's text, in the visitor's language."""
from __future__ import annotations

from flask_babel import gettext as _


def text_problem_label(code: str | None) -> str:
    """Why a file's text was not read (or not all of it), as a partner can act on it."""
    return {
        "encrypted": _("the file is password-protected"),
        "malformed": _("the file is damaged or not a valid document"),
        "zip_bomb": _("the file unpacks to far more data than a document holds"),
        "entities": _("the file contains XML entity declarations, which documents never need"),
        "mimetype": _("the file is not an OpenDocument text"),
        "timeout": _("reading the file took too long"),
        "too_complex": _("the file needs more memory to read than allowed"),
        "missing": _("the stored file is missing"),
        "unsupported": _("text is only read from PDF, DOCX and ODT files"),
        "truncated": _("only the first part of the text was read"),
        "failed": _("the file could not be read"),
    }.get(code or "", code or "")


def text_status_label(status: str | None, problem: str | None = None) -> str:
    """One short line about an attachment's text for the record and submission pages."""
    if status in ("pending", "extracting"):
        return _("text being read…")
    if status == "no_text":
        return _("no text found (a scan or an image?)")
    if status == "refused":
        return _("text not read: %(reason)s", reason=text_problem_label(problem))
    if status == "ok" and problem:
        return text_problem_label(problem)
    return ""


# The same reasons for the command line, which speaks English like the rest of `kb`.
PROBLEM_TEXT = {
    "encrypted": "password-protected", "malformed": "damaged or not a valid document",
    "zip_bomb": "unpacks to far more data than a document holds", "entities": "contains XML entity declarations",
    "mimetype": "not an OpenDocument text", "timeout": "reading took too long",
    "too_complex": "needs more memory than allowed", "missing": "stored file missing",
    "unsupported": "not a PDF, DOCX or ODT file", "truncated": "only the first part was read",
    "failed": "could not be read",
}


def problem_code_text(code: str | None) -> str:
    return PROBLEM_TEXT.get(code or "", code or "")
