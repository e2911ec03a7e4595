"""Atom 1.0 feeds of records (RFC 4287): one entry per record, newest first, with its permanent link as id."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from .discovery import permalink, record_url
from .kinds import kind_of
from .models import Record
from .xmldoc import document, serialise, sub

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _stamp(moment: datetime | None) -> str:
    return (moment or datetime(2020, 1, 1)).replace(microsecond=0).isoformat() + "Z"


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    return sub(parent, f"{{{ATOM_NS}}}{tag}", text, attrs)


def atom_feed(*, title: str, feed_url: str, page_url: str, records: Iterable[Record], ui_lang: str) -> bytes:
    """The feed document: `feed_url` is its own address (and id), `page_url` the page it follows."""
    records = list(records)
    feed = document(f"{{{ATOM_NS}}}feed", {None: ATOM_NS}, {XML_LANG: ui_lang})
    _sub(feed, "id", feed_url)
    _sub(feed, "title", title)
    _sub(feed, "updated", _stamp(max((r.updated_at for r in records), default=None)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(feed, "generator", "M.I.C.R.O. knowledge base")
    author = _sub(feed, "author")
    _sub(author, "name", "M.I.C.R.O. network")
    for record in records:
        entry = _sub(feed, "entry", **{XML_LANG: record.lang})
        _sub(entry, "id", permalink(record))
        _sub(entry, "title", record.title, type="text")
        _sub(entry, "updated", _stamp(record.updated_at))
        if record.published_at:
            _sub(entry, "published", _stamp(record.published_at))
        _sub(entry, "link", rel="alternate", type="text/html", hreflang=record.lang, href=record_url(record))
        if record.organisation is not None:
            _sub(_sub(entry, "author"), "name", record.organisation.name)
        kind = kind_of(record.kind)
        _sub(entry, "category", term=record.kind, label=str(kind.label) if kind else record.kind)
        for theme in record.themes:
            _sub(entry, "category", term=theme.slug, label=theme.label(ui_lang))
        if record.summary:
            _sub(entry, "summary", record.summary, type="text")
    return serialise(feed)
