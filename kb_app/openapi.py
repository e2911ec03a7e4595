"""The OpenAPI 3.1 document of the JSON API, assembled from the URL map and the operation notes kept on each view."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import Flask

from .models import MAX_ROW_ID

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID},  # ids (db.RowIdConverter)
    "string": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "default": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
}
_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^>]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
# Standard error answers every operation can give, with the reason a client would meet them.
ERROR_REASONS = {
    400: "An unknown query parameter, or a parameter of the wrong type or out of range (the message names it).",
    401: "The `Authorization: Bearer` token is not valid (or a token is required here).",
    403: "The token's account may not do this.",
    404: "No such (published) item.",
    405: "The method is not allowed on this path.",
    409: "The item exists already.",
    415: "The request body must be JSON (`Content-Type: application/json`).",
    429: "Too many requests from this client: wait the `Retry-After` seconds.",
    503: "The search index cannot be opened.",
}


@dataclass(frozen=True)
class QueryParam:
    """One query parameter: its name, the JSON Schema of its value, and what it does."""

    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False

    @property
    def repeatable(self) -> bool:
        return self.schema.get("type") == "array"

    def to_openapi(self) -> dict[str, Any]:
        param: dict[str, Any] = {"name": self.name, "in": "query", "required": self.required,
                                 "description": self.description, "schema": self.schema}
        if self.repeatable:
            param.update(style="form", explode=True)
        elif not self.required:
            # `page=` counts as not given (as HTML forms send it), and the document says so.
            param["allowEmptyValue"] = True
        return param


@dataclass(frozen=True)
class Operation:
    """What the API documentation says about one view: kept on the view function itself."""

    summary: str
    tag: str
    response: dict[str, Any] | None  # JSON Schema of the success body (None: see `content`)
    description: str = ""
    params: tuple[QueryParam, ...] = ()
    status: int = 200
    content: dict[str, Any] | None = None  # media type -> media object, for non-JSON successes
    errors: tuple[int, ...] = ()
    request_body: dict[str, Any] | None = None
    auth: str = "optional"  # "optional": a token raises the limits; "required": the call needs one
    paginated: bool = False
    extra_headers: dict[str, Any] = field(default_factory=dict)


def operation(summary: str, *, tag: str, response: dict[str, Any] | None = None, **details: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach the documentation of a view; the document and the docs page are built from these notes."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.openapi_operation = Operation(summary=summary, tag=tag, response=response, **details)  # type: ignore[attr-defined]
        return view

    return decorator


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path template, with its path parameters."""
    params = []
    for match in _RULE_ARG.finditer(rule):
        converter = match.group("converter") or "default"
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": dict(_CONVERTER_SCHEMAS.get(converter, _CONVERTER_SCHEMAS["default"]))})
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule), params


def api_rules(app: Flask, blueprint: str = "api") -> Iterable[tuple[str, str, str, Callable[..., Any]]]:
    """(rule, method, endpoint, view) for every route of the API blueprint, in URL-map order."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] != blueprint:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, rule.endpoint, app.view_functions[rule.endpoint]


def _responses(op: Operation) -> dict[str, Any]:
    headers = {"X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
               "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"}}
    if op.paginated:
        headers["Link"] = {"$ref": "#/components/headers/Link"}
    headers.update(op.extra_headers)
    if op.content is not None:
        content = op.content
    else:
        content = {"application/json": {"schema": op.response or {}}}
    responses: dict[str, Any] = {str(op.status): {"description": op.summary, "headers": headers, "content": content}}
    for status in sorted({400, 429, *op.errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    return responses


def _operation_object(endpoint: str, op: Operation, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": endpoint.replace(".", "_"), "summary": op.summary, "tags": [op.tag]}
    if op.description:
        out["description"] = op.description
    params = path_params + [p.to_openapi() for p in op.params]
    if params:
        out["parameters"] = params
    if op.request_body is not None:
        out["requestBody"] = op.request_body
    out["responses"] = _responses(op)
    if op.auth == "required":
        out["security"] = [{"bearerToken": []}]
    else:
        out["security"] = [{}, {"bearerToken": []}]
    return out


def build_document(app: Flask, *, title: str, description: str, schemas: dict[str, Any],
                   server_url: str | None = None, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document: one operation per (rule, method) of the API blueprint."""
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, endpoint, view in api_rules(app):
        op: Operation | None = getattr(view, "openapi_operation", None)
        if op is None:
            continue  # undocumented: the contract test names it
        path, path_params = openapi_path(rule)
        paths.setdefault(path, {})[method.lower()] = _operation_object(endpoint, op, path_params)
    error_response = {"application/json": {"schema": ERROR_REF}}
    responses: dict[str, Any] = {"Error": {"description": "Any other error, in the shared error shape.", "content": error_response}}
    for status, reason in ERROR_REASONS.items():
        responses[f"E{status}"] = {"description": reason, "content": error_response}
    responses["E429"]["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": title, "version": API_VERSION, "description": description,
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "headers": {
                "Link": {"description": "RFC 8288 links to the first, previous, next and last pages (rel=first|prev|next|last); left out, never cut, when a very long query would make it longer than common clients and proxies accept.",
                         "schema": {"type": "string"}},
                "Retry-After": {"description": "Seconds to wait before the next request.",
                                "schema": {"type": "integer", "minimum": 1}},
                "X-RateLimit-Limit": {"description": "Requests allowed per minute for this client.",
                                      "schema": {"type": "integer"}},
                "X-RateLimit-Remaining": {"description": "Requests left in the current minute.",
                                          "schema": {"type": "integer", "minimum": 0}},
            },
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "An API token created on the account page (/account/tokens)."},
            },
        },
    }
    if tags:
        document["tags"] = tags
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
