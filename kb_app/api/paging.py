"""RFC 8288 Link headers for paginated answers: first, prev, next and last pages of the same query."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, request

from .params import MAX_PAGE

# Common clients and proxies refuse response header lines past 4-8 KB. A query too long for its links to fit in
# this many bytes gets no Link header (the body's page, per_page and total still say where the client is).
MAX_LINK_HEADER_BYTES = 4096


def last_page(total: int, per_page: int) -> int:
    return min(MAX_PAGE, max(1, -(-total // per_page)))


def page_links(total: int, page: int, per_page: int) -> str:
    """The Link header value for this request's page, keeping every other query parameter as sent."""
    kept = [(name, value) for name, values in request.args.lists() if name != "page" for value in values]
    base = request.base_url

    def link(number: int, rel: str) -> str:
        query = urlencode([*kept, ("page", str(number))])
        return f'<{base}?{query}>; rel="{rel}"'

    last = last_page(total, per_page)
    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    return ", ".join(links)


def with_links(response: Response, total: int, page: int, per_page: int) -> Response:
    """Add the Link header when it fits in MAX_LINK_HEADER_BYTES; a longer one is left out, never cut."""
    value = page_links(total, page, per_page)
    if len(value.encode("latin-1", "replace")) <= MAX_LINK_HEADER_BYTES:
        response.headers["Link"] = value
    return response
