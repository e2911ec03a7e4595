"""Reading-list exports rendered from the list data: Markdown, CSV, RIS and CSL-JSON (the handout is a template)."""
from __future__ import annotations

import io
import json
import re
from typing import Any, Iterator

from flask_babel import gettext as _

from ..csv_safety import CsvWriter
from ..i18n import country_name, join_names, language_name
from ..kinds import KINDS
from ..richtext import BULLETED, NUMBERED, text_blocks
from ..search.vocabulary import audience_label, kind_label

SOURCE_NAME = "M.I.C.R.O. knowledge base"
# What reference managers call each kind of record, as the kind declares it.
RIS_TYPES = {kind.name: kind.ris_type for kind in KINDS}
CSL_TYPES = {kind.name: kind.csl_type for kind in KINDS}
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


# -- RIS ------------------------------------------------------------------------------------------------

def _ris_line(tag: str, value: Any) -> str:
    return f"{tag}  - {one_line(str(value))}"


def to_ris(data: dict[str, Any]) -> str:
    """RIS for reference managers (Zotero, EndNote): title, organisation as author and publisher, year, LA, URL."""
    lines: list[str] = []
    for entry in citable_entries(data):
        card = entry["record"]
        lines.append(_ris_line("TY", RIS_TYPES.get(card["kind"], "GEN")))
        lines.append(_ris_line("TI", card["title"]))
        if card.get("organisation"):
            lines.append(_ris_line("AU", card["organisation"]))
            lines.append(_ris_line("PB", card["organisation"]))
        if card.get("year"):
            lines.append(_ris_line("PY", card["year"]))
        lines.append(_ris_line("LA", card["lang"]))
        lines.append(_ris_line("UR", card["url"]))
        if card.get("summary"):
            lines.append(_ris_line("AB", card["summary"]))
        if entry.get("note"):
            lines.append(_ris_line("N1", entry["note"]))
        for theme in card.get("themes") or []:
            lines.append(_ris_line("KW", theme))
        if card.get("external_id"):
            lines.append(_ris_line("ID", card["external_id"]))
        lines.append(_ris_line("DB", SOURCE_NAME))
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


# -- CSL-JSON -------------------------------------------------------------------------------------------

def csl_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    """CSL-JSON items (what citeproc processors and Zotero read); the organisation is the (institutional) author."""
    items = []
    for entry in citable_entries(data):
        card = entry["record"]
        item: dict[str, Any] = {
            "id": card.get("external_id") or f"kb-{card['id']}",
            "type": CSL_TYPES.get(card["kind"], "document"),
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
        if card.get("country"):
            item["publisher-place"] = ", ".join(p for p in (card.get("city"), country_name(card["country"], "en")) if p)
        if card.get("summary"):
            item["abstract"] = card["summary"]
        if entry.get("note"):
            item["note"] = entry["note"]
        if card.get("themes"):
            item["keyword"] = ", ".join(card["themes"])
        items.append(item)
    return items


def to_csl_json(data: dict[str, Any]) -> str:
    return json.dumps(csl_items(data), ensure_ascii=False, indent=2) + "\n"
