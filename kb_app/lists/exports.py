"""Reading-list exports rendered from the list data: Markdown, CSV, RIS and CSL-JSON (the handout is a template)."""
from __future__ import annotations

import io
import re
from typing import Any, Iterator

from flask_babel import gettext as _

from .. import citation
from ..csv_safety import CsvWriter
from ..i18n import country_name, join_names, language_name
from ..richtext import BULLETED, NUMBERED, text_blocks
from ..vocabulary import audience_label, kind_label

CSV_COLUMNS = ("number", "section", "available", "kind", "lang", "title", "organisation", "country", "city", "year",
               "url", "web_site", "summary", "note", "external_id")

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")
_SPACES = re.compile(r"\s+")


def one_line(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def citable_entries(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Record entries that are still available: citation formats have no way to say "withdrawn", so skip the rest."""
    for entry in data["entries"]:
        if entry["type"] == "record" and entry["available"]:
            yield entry


# -- Markdown -------------------------------------------------------------------------------------------

def md_escape(text: str | None) -> str:
    """Text that Markdown shows as written (no accidental emphasis, links, headings or list markers)."""
    escaped = _MD_INLINE.sub(r"\\\1", one_line(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def md_blocks(text: str | None, indent: str = "") -> list[str]:
    """Stored text as Markdown paragraphs and lists (the blocks the pages show), every line escaped."""
    out: list[str] = []
    for block in text_blocks(text):
        if out:
            out.append("")
        if block.kind == NUMBERED:
            out += [f"{indent}{n}. {md_escape(item)}" for n, item in enumerate(block.lines, start=block.start)]
        elif block.kind == BULLETED:
            out += [f"{indent}- {md_escape(item)}" for item in block.lines]
        else:
            # Two trailing spaces: a line break inside the paragraph.
            out.append("  \n".join(indent + md_escape(line) for line in block.lines))
    return out


def _meta_line(card: dict[str, Any]) -> str:
    place = join_names(card.get("city"), country_name(card["country"]) if card.get("country") else None)
    parts = [card.get("organisation"), place, str(card["year"]) if card.get("year") else None,
             language_name(card["lang"]), kind_label(card["kind"])]
    return " · ".join(md_escape(p) for p in parts if p)


def to_markdown(data: dict[str, Any]) -> str:
    out = [f"# {md_escape(data['title'])}", ""]
    if data.get("description"):
        out += md_blocks(data["description"]) + [""]
    facts = []
    if data.get("audience"):
        facts.append(_("Audience: %(audience)s", audience=audience_label(data["audience"])))
    if data.get("notes_lang"):
        facts.append(_("Notes in: %(language)s", language=language_name(data["notes_lang"])))
    facts.append(_("Online: %(url)s", url=data["urls"]["html"]))
    out += [f"- {fact}" for fact in facts] + [""]
    for entry in data["entries"]:
        if entry["type"] == "heading":
            out += [f"## {md_escape(entry['heading'])}", ""]
            continue
        marker = f"{entry['number']}. "
        indent = " " * len(marker)
        if not entry["available"]:
            out.append(marker + "*" + _("(no longer available)") + "*")
        else:
            card = entry["record"]
            out.append(f"{marker}**[{md_escape(card['title'])}]({card['url']})**")
            meta = _meta_line(card)
            if meta:
                out += ["", indent + meta]
            if card.get("summary"):
                out += ["", indent + md_escape(card["summary"])]
        if entry.get("note"):
            label = indent + "*" + _("Note:") + "*"
            blocks = text_blocks(entry["note"])
            if len(blocks) == 1 and blocks[0].kind not in (NUMBERED, BULLETED) and len(blocks[0].lines) == 1:
                out += ["", f"{label} {md_escape(blocks[0].lines[0])}"]
            else:
                out += ["", label, ""] + md_blocks(entry["note"], indent)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# -- CSV ------------------------------------------------------------------------------------------------

def to_csv(data: dict[str, Any]) -> str:
    """One row per record entry (section headings become the `section` column); withdrawn entries are marked."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in data["entries"]:
        if entry["type"] != "record":
            continue
        row: dict[str, Any] = {"number": entry["number"], "section": entry.get("section") or "",
                               "available": "yes" if entry["available"] else "no", "note": entry.get("note") or ""}
        card = entry.get("record") or {}
        for column in CSV_COLUMNS:
            if column in card and column not in row:
                row[column] = "" if card[column] is None else card[column]
        writer.writerow(row)
    # Plain UTF-8 without a byte-order mark, like every CSV of the service (the Content-Type names the charset):
    # safety comes from the guarded cells, not from how a spreadsheet happens to open the file.
    return buffer.getvalue()


# -- RIS and CSL-JSON (the formats of citing one record, kb_app.citation) -----------------------------------

def to_ris(data: dict[str, Any]) -> str:
    """RIS for reference managers (Zotero, EndNote); the trainer's note becomes N1."""
    return citation.to_ris(citation.ris_entry(entry["record"], note=entry.get("note")) for entry in citable_entries(data))


def csl_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    """CSL-JSON items (what citeproc processors and Zotero read); the trainer's note becomes `note`."""
    return [citation.csl_item(entry["record"], note=entry.get("note")) for entry in citable_entries(data)]


def to_csl_json(data: dict[str, Any]) -> str:
    return citation.to_csl_json(csl_items(data))
