"""Turn every HTTP error and unexpected exception into the shared error shape."""
from __future__ import annotations

import logging

from flask import Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..api_errors import ApiError
from . import bp

log = logging.getLogger(__name__)

# What an error means to the visitor, in the interface language. Werkzeug's own descriptions are English
# ("The requested URL was not found on the server..."), so an error without a message of ours gets these.
EXPLANATIONS = {
    400: _l("The address or the form held something that could not be read."),
    401: _l("Sign in to continue."),
    403: _l("Your account may not do this."),
    404: _l("The address may be mistyped, or the page may have been moved or withdrawn."),
    405: _l("This address does not accept this kind of request."),
    413: _l("What was sent is larger than this page accepts."),
    429: _l("Please wait a moment before trying again."),
    500: _l("The error has been recorded. Please try again later."),
}
OTHER_EXPLANATION = _l("The request could not be completed.")


def explanation(status: int) -> str:
    """The translated sentence for an HTTP status, for errors that carry no message of their own."""
    if status >= 500:
        return str(EXPLANATIONS[500])
    return str(EXPLANATIONS.get(status, OTHER_EXPLANATION))


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str | None, headers: dict[str, str] | None = None) -> Response:
    """The error in the one shape: JSON for API clients, a page in the interface language for browsers."""
    message = str(message) if message else explanation(status)
    if wants_json():
        response = jsonify({"error": {"status": status, "code": code, "message": message}})
    else:
        response = Response(render_template("error.html", status=status, code=code, message=message),
                            mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _code_for(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


@bp.app_errorhandler(ApiError)
def handle_api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@bp.app_errorhandler(HTTPException)
def handle_http_error(exc: HTTPException) -> Response:
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    retry = exc.response.headers.get("Retry-After") if exc.response is not None else None
    if retry:
        headers["Retry-After"] = retry
    # Werkzeug's class-level description is its English default: ours replaces it; a description given to abort() is kept.
    own = exc.description if exc.description != type(exc).description else None
    return error_response(exc.code or 500, _code_for(exc), own, headers)


@bp.app_errorhandler(Exception)
def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_server_error", None)
