"""Cross-origin access to the read endpoints: any origin may GET (no cookies), and preflights are answered."""
from __future__ import annotations

from flask import Response, request

READ_METHODS = ("GET", "HEAD", "OPTIONS")
ALLOWED_HEADERS = "Authorization, Accept, Content-Type"
EXPOSED_HEADERS = "Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, Content-Disposition"
PREFLIGHT_MAX_AGE = "86400"


def add_cors_headers(response: Response) -> Response:
    """Open the API's read answers (errors too, so scripts can read them) to every origin.

    `*` never carries cookies, so a signed-in browser's own lists stay unreadable to other
    sites; writes are not opened at all (they take an API token, never the session).
    """
    if not request.path.startswith("/api/") or request.method not in READ_METHODS:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
