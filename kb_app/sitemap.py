"""The sitemap of published records, each with hreflang alternates to its other language versions."""
from __future__ import annotations

from collections import defaultdict

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Record
from .xmldoc import document, serialise, sub

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# The protocol's limit for one file; beyond it a sitemap index would be needed.
MAX_URLS = 50_000


def sitemap(session: Session) -> bytes:
    """<urlset> of every published record (up to MAX_URLS), newest change as lastmod, versions as alternates."""
    rows = session.execute(
        select(Record.id, Record.lang, Record.translation_of_id, Record.updated_at)
        .where(Record.status == "published").order_by(Record.id).limit(MAX_URLS)
    ).all()
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for record_id, lang, root_id, _updated in rows:
        groups[root_id or record_id].append((record_id, lang))
    urlset = document(f"{{{SITEMAP_NS}}}urlset", {None: SITEMAP_NS, "xhtml": XHTML_NS})
    for record_id, lang, root_id, updated in rows:
        url = sub(urlset, f"{{{SITEMAP_NS}}}url")
        sub(url, f"{{{SITEMAP_NS}}}loc", url_for("records.show", record_id=record_id, _external=True))
        sub(url, f"{{{SITEMAP_NS}}}lastmod", updated.date().isoformat())
        versions = groups[root_id or record_id]
        if len(versions) > 1:
            # Every version lists all of them, itself included, as the hreflang rules ask.
            for other_id, other_lang in versions:
                sub(url, f"{{{XHTML_NS}}}link", attrs={
                    "rel": "alternate", "hreflang": other_lang,
                    "href": url_for("records.show", record_id=other_id, _external=True)})
    return serialise(urlset)
