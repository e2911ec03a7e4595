"""Citing records: CSL-JSON items, BibTeX and RIS from record cards, and formatted citations rendered by citeproc-py."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from flask import Response

from .i18n import country_name
from .kinds import KINDS
from .licences import licence_of

SOURCE_NAME = "M.I.C.R.O. knowledge base"
STYLES_DIR = Path(__file__).resolve().parent / "citation_styles"


@dataclass(frozen=True)
class CitationType:
    """What citation formats call one kind of record."""

    csl: str
    ris: str
    bibtex: str
    schema_org: str


# As each kind declares them (kb_app/kinds.py); a record of no known kind is cited as a document.
CITATION_TYPES: dict[str, CitationType] = {
    kind.name: CitationType(csl=kind.csl_type, ris=kind.ris_type, bibtex=kind.bibtex_type, schema_org=kind.schema_org_type)
    for kind in KINDS
}
OTHER_TYPE = CitationType(csl="document", ris="GEN", bibtex="misc", schema_org="CreativeWork")


@dataclass(frozen=True)
class CitationStyle:
    """A CSL style the record page shows a citation in."""

    key: str
    name: str
    path: str  # a style name citeproc-py ships, or a file of ours


# The names are the styles' own (Harvard, APA): they are not translated.
STYLES: tuple[CitationStyle, ...] = (
    CitationStyle("harvard", "Harvard", "harvard-cite-them-right"),
    CitationStyle("author-date", "APA", str(STYLES_DIR / "kb-author-date.csl")),
)
# citeproc locale per interface language.
CSL_LOCALES = {"it": "it-IT", "en": "en-GB", "fr": "fr-FR", "es": "es-ES", "de": "de-DE", "ar": "ar"}

_SPACES = re.compile(r"\s+")


def citation_type(kind: str) -> CitationType:
    return CITATION_TYPES.get(kind, OTHER_TYPE)


def one_line(text: Any) -> str:
    return _SPACES.sub(" ", "" if text is None else str(text)).strip()


def event_card_fields(record: Any) -> dict[str, Any]:
    """What a citation needs of an event beyond the shared card: the day it starts (and its year, the date a
    reference manager sorts by) and where. Empty for a record of another kind."""
    starts = getattr(record, "starts_at", None)
    if not starts:
        return {}
    fields: dict[str, Any] = {"event_date": starts[:10], "event_place": record.city or record.venue}
    if not record.year:
        fields["year"] = int(starts[:4])
    return fields


def _date_parts(day: str) -> list[int]:
    return [int(part) for part in day.split("-")]


def csl_item(card: dict[str, Any], *, note: str | None = None, genre: str | None = None) -> dict[str, Any]:
    """A CSL-JSON item (what citeproc processors and Zotero read); the organisation is the (institutional) author."""
    item: dict[str, Any] = {
        "id": card.get("external_id") or f"kb-{card['id']}",
        "type": citation_type(card["kind"]).csl,
        "title": card["title"],
        "language": card["lang"],
        "URL": card["url"],
        "source": SOURCE_NAME,
    }
    if card.get("organisation"):
        item["author"] = [{"literal": card["organisation"]}]
        item["publisher"] = card["organisation"]
    if card.get("year"):
        item["issued"] = {"date-parts": [[int(card["year"])]]}
    if card.get("event_date"):
        item["event-date"] = {"date-parts": [_date_parts(card["event_date"])]}
        if card.get("event_place"):
            item["event-place"] = card["event_place"]
    if card.get("country"):
        item["publisher-place"] = ", ".join(p for p in (card.get("city"), country_name(card["country"], "en")) if p)
    if card.get("summary"):
        item["abstract"] = card["summary"]
    if note:
        item["note"] = note
    if genre:
        item["genre"] = genre
    if card.get("themes"):
        item["keyword"] = ", ".join(card["themes"])
    if "licence" in card:
        item["license"] = licence_of(card["licence"]).spdx
    return item


def to_csl_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# -- RIS ------------------------------------------------------------------------------------------------

def _ris_line(tag: str, value: Any) -> str:
    return f"{tag}  - {one_line(value)}"


def ris_entry(card: dict[str, Any], *, note: str | None = None) -> list[str]:
    """One RIS reference (Zotero, EndNote): title, organisation as author and publisher, year, LA, URL."""
    lines = [_ris_line("TY", citation_type(card["kind"]).ris), _ris_line("TI", card["title"])]
    if card.get("organisation"):
        lines += [_ris_line("AU", card["organisation"]), _ris_line("PB", card["organisation"])]
    if card.get("year"):
        lines.append(_ris_line("PY", card["year"]))
    if card.get("event_date"):
        lines.append(_ris_line("DA", card["event_date"].replace("-", "/")))
        if card.get("event_place"):
            lines.append(_ris_line("CY", card["event_place"]))
    lines += [_ris_line("LA", card["lang"]), _ris_line("UR", card["url"])]
    if card.get("summary"):
        lines.append(_ris_line("AB", card["summary"]))
    if note:
        lines.append(_ris_line("N1", note))
    for theme in card.get("themes") or []:
        lines.append(_ris_line("KW", theme))
    if card.get("external_id"):
        lines.append(_ris_line("ID", card["external_id"]))
    if "licence" in card:
        lines.append(_ris_line("C1", licence_of(card["licence"]).spdx))
    lines += [_ris_line("DB", SOURCE_NAME), "ER  - ", ""]
    return lines


def to_ris(entries: Iterable[list[str]]) -> str:
    return "\r\n".join(line for entry in entries for line in entry)


# -- BibTeX ---------------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                   "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_BIBTEX_SPECIAL_RE = re.compile(r"[\\{}&%$#_~^]")
_BIBTEX_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.\-]")


def bibtex_escape(text: Any) -> str:
    """Text that (Bib)LaTeX prints as written: its special characters escaped, braces balanced by construction."""
    return _BIBTEX_SPECIAL_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group(0)], one_line(text))


def bibtex_entry(card: dict[str, Any]) -> str:
    """One BibTeX entry (UTF-8, for BibLaTeX/biber or bibtex8); the organisation is a corporate author in braces."""
    kind = citation_type(card["kind"])
    key = _BIBTEX_KEY_UNSAFE.sub("-", card.get("external_id") or f"kb-{card['id']}")
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(card["title"]) + "}")]
    if card.get("organisation"):
        org = bibtex_escape(card["organisation"])
        fields.append(("author", "{" + org + "}"))
        fields.append(("institution" if kind.bibtex == "techreport" else "publisher", org))
    if card.get("year"):
        fields.append(("year", str(int(card["year"]))))
    if card.get("country"):
        fields.append(("address", bibtex_escape(", ".join(
            p for p in (card.get("city"), country_name(card["country"], "en")) if p))))
    fields.append(("language", card["lang"]))
    # A URL is printed verbatim by \url: only the characters that would end the field are a problem.
    fields.append(("url", re.sub(r"[{}\\\s]", "", card["url"])))
    if card.get("summary"):
        fields.append(("abstract", bibtex_escape(card["summary"])))
    if card.get("themes"):
        fields.append(("keywords", bibtex_escape(", ".join(card["themes"]))))
    if "licence" in card:
        fields.append(("license", licence_of(card["licence"]).spdx))
    fields.append(("note", bibtex_escape(SOURCE_NAME)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind.bibtex}{{{key},\n{body}\n}}\n"


def to_bibtex(cards: Iterable[dict[str, Any]]) -> str:
    return "\n".join(bibtex_entry(card) for card in cards)


# -- downloads ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CitationFormat:
    """A citation download: its file extension, media type and how one record card becomes the file."""

    ext: str
    label: str  # the format's own name, not translated
    mimetype: str
    render: Callable[[dict[str, Any]], str]


CITATION_FORMATS: dict[str, CitationFormat] = {
    fmt.ext: fmt for fmt in (
        CitationFormat("bib", "BibTeX", "application/x-bibtex", lambda card: to_bibtex([card])),
        CitationFormat("ris", "RIS", "application/x-research-info-systems", lambda card: to_ris([ris_entry(card)])),
        CitationFormat("csl.json", "CSL-JSON", "application/vnd.citationstyles.csl+json",
                       lambda card: to_csl_json([csl_item(card)])),
    )
}


def download_response(card: dict[str, Any], ext: str) -> Response:
    """The record as a citation file to save (the page's download link and the API answer alike)."""
    citation_format = CITATION_FORMATS[ext]
    response = Response(citation_format.render(card), mimetype=citation_format.mimetype)
    stem = _BIBTEX_KEY_UNSAFE.sub("-", card.get("external_id") or f"record-{card['id']}").replace(":", "-")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{ext}"'
    return response


# -- formatted citations --------------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _style(path: str, locale: str) -> CitationStylesStyle:
    # Parsing a style takes tens of milliseconds: once per style and language.
    return CitationStylesStyle(path, locale=locale, validate=False)


def formatted_citations(item: dict[str, Any], ui_lang: str) -> list[dict[str, str]]:
    """The record's reference in every style of STYLES, as plain text, with the style's terms in ui_lang."""
    locale = CSL_LOCALES.get(ui_lang, "en-GB")
    # citeproc-py knows no `license` variable (CSL 1.0.2 added it) and warns about it.
    item = {k: v for k, v in item.items() if k != "license"}
    out = []
    for style in STYLES:
        bibliography = CitationStylesBibliography(_style(style.path, locale), CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        text = " ".join(str(entry) for entry in bibliography.bibliography())
        out.append({"style": style.key, "name": style.name, "text": one_line(text)})
    return out
