"""How large a request body may be: one limit for every route, checked before the body is read.

A view that takes uploads declares its larger allowance with `@accepts_body(...)`; every other route gets
FORM_BODY_BYTES, enough for the largest valid record in the most expensive encoding a client may use.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .interchange import TEXT_LIMITS

View = TypeVar("View", bound=Callable[..., Any])

# Worst case per character: an astral character sent as a JSON escape pair (\\ud83d\\ude00, 12 bytes) or
# percent-encoded (%F0%9F%98%80, 12 bytes). Plus room for the field names, ids and the CSRF token.
BYTES_PER_CHARACTER = 12
FORM_OVERHEAD_BYTES = 256 * 1024
FORM_BODY_BYTES = sum(TEXT_LIMITS.values()) * BYTES_PER_CHARACTER + FORM_OVERHEAD_BYTES
ATTRIBUTE = "kb_max_body_bytes"


def accepts_body(limit: Callable[[], int]) -> Callable[[View], View]:
    """Let one view take bodies of up to `limit()` bytes (called per request, so it may read the app's config)."""

    def decorate(view: View) -> View:
        setattr(view, ATTRIBUTE, limit)
        return view

    return decorate


def body_limit() -> int:
    """The largest body the current request's route accepts."""
    view = current_app.view_functions.get(request.endpoint or "")
    larger = getattr(view, ATTRIBUTE, None)
    return max(FORM_BODY_BYTES, larger()) if larger is not None else FORM_BODY_BYTES


def largest_body(app: Flask) -> int:
    """The largest body any route accepts (what the HTTP server in front may buffer at most)."""
    with app.test_request_context():
        limits = [getattr(view, ATTRIBUTE)() for view in app.view_functions.values() if hasattr(view, ATTRIBUTE)]
    return max([FORM_BODY_BYTES, *limits])


def _refuse_large_bodies() -> None:
    limit = body_limit()
    # Flask cuts the body at this size while reading it (chunked uploads have no Content-Length) ...
    request.max_content_length = limit
    request.max_form_memory_size = limit
    # ... and an announced size over it is refused before a byte of the body is read.
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"the request body has {request.content_length} bytes; this address accepts "
                                    f"at most {limit}")


def init_app(app: Flask) -> None:
    """Check every request's size against its route's limit, before any view or form touches the body."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask defines the key (as None): setdefault would do nothing
        app.config["MAX_CONTENT_LENGTH"] = FORM_BODY_BYTES
    app.config["MAX_FORM_MEMORY_SIZE"] = max(int(app.config.get("MAX_FORM_MEMORY_SIZE") or 0), FORM_BODY_BYTES)
    app.before_request(_refuse_large_bodies)
