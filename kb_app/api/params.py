"""Query parameters of the API: declared once (for the OpenAPI document) and read strictly from each request."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from ..api_errors import ApiError
from ..discovery import FILTERS, MAX_PER_PAGE, MAX_QUERY_CHARS, MODES, SORTS, YEAR_BOUNDS
from ..kinds import AUDIENCES, KIND_NAMES, LANGUAGES, LEVELS
from ..openapi import QueryParam

MAX_PAGE = 10_000  # the same ceiling parse_search_params applies
LIST_PER_PAGE = 20


def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {message}")


def _values(schema: dict[str, Any]) -> dict[str, Any]:
    """A repeatable filter; an empty value (`lang=`, as a form's "any" option sends) is ignored, so it is allowed."""
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], ""]}
    if "pattern" in schema:
        schema = {**schema, "pattern": f"^$|{schema['pattern']}"}
    return {"type": "array", "items": schema}


def page_param() -> QueryParam:
    return QueryParam("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                      "Page number, from 1.")


def per_page_param(default: int = LIST_PER_PAGE) -> QueryParam:
    return QueryParam("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": default},
                      f"Results per page (at most {MAX_PER_PAGE}).")


KIND = QueryParam("kind", _values({"type": "string", "enum": list(KIND_NAMES)}),
                  "Only records of these kinds (repeat the parameter or separate values by commas).")
LANG = QueryParam("lang", _values({"type": "string", "enum": list(LANGUAGES)}),
                  "Only records written in these languages (ISO 639-1).")
THEME = QueryParam("theme", _values({"type": "string", "pattern": "^[a-z][a-z0-9-]{0,79}$", "description": "a theme slug"}),
                   "Only records tagged with any of these theme slugs.")
COUNTRY = QueryParam("country", _values({"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "a two-letter code"}),
                     "Only records from these countries (ISO 3166-1 alpha-2 or EU; a two-letter code that is neither "
                     "is a 400).")
AUDIENCE = QueryParam("audience", _values({"type": "string", "enum": list(AUDIENCES)}),
                      "Only curriculum resources for this audience.")
LEVEL = QueryParam("level", _values({"type": "string", "enum": list(LEVELS)}), "Only curriculum resources of this level.")
_FILTER_PARAMS = {p.name: p for p in (KIND, LANG, THEME, COUNTRY, AUDIENCE, LEVEL)}

# What parse_search_params accepts, described for the document (the search view validates with it).
SEARCH_PARAMS: tuple[QueryParam, ...] = (
    QueryParam("q", {"type": "string", "maxLength": MAX_QUERY_CHARS, "pattern": "^[^\\x00]*$"},
               "The query, in any of the six languages. Empty with a filter: every record matching the filters."),
    QueryParam("mode", {"type": "string", "enum": list(MODES), "default": "hybrid"},
               "hybrid fuses keyword, semantic and concept matches; semantic and keyword use one of them alone."),
    QueryParam("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
               "Order of the result set: relevance (rank), newest (most recently added first) or year (latest "
               "first, records without a year last). The set and its counts are the same in every order."),
    *(_FILTER_PARAMS[name] for name in FILTERS),
    QueryParam("year_from", {"type": "integer", "minimum": YEAR_BOUNDS[0], "maximum": YEAR_BOUNDS[1]},
               "Only records of this year or later (records without a year are left out when a year range is "
               "given). After year_to is a 400."),
    QueryParam("year_to", {"type": "integer", "minimum": YEAR_BOUNDS[0], "maximum": YEAR_BOUNDS[1]},
               "Only records of this year or earlier."),
    QueryParam("from", {"type": "string", "format": "date"},
               "YYYY-MM-DD. Only events still running on or after this day (their days overlap the range from-to); "
               "with a date range, practices and resources are left out, as they have no dates. After `to` is a 400."),
    QueryParam("to", {"type": "string", "format": "date"},
               "YYYY-MM-DD. Only events that start on or before this day (see `from`)."),
    QueryParam("hint_lang", {"type": "string", "enum": list(LANGUAGES)},
               "A language to lean towards when the query is too short to tell which it is written in (the results "
               "page sends its interface language, so the page and its JSON agree)."),
    page_param(),
    per_page_param(default=10),
)


def _one(name: str, raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,12}", raw.strip()):
            raise bad_parameter(name, f"must be a whole number, not {raw[:40]!r}")
        value: Any = int(raw)
        if "minimum" in schema and value < schema["minimum"] or "maximum" in schema and value > schema["maximum"]:
            raise bad_parameter(name, f"must be between {schema.get('minimum')} and {schema.get('maximum')}")
        return value
    if kind == "boolean":
        lowered = raw.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad_parameter(name, f"must be true or false, not {raw[:40]!r}")
        return lowered in ("true", "1")
    if "\x00" in raw:
        raise bad_parameter(name, "contains a NUL character")
    if "enum" in schema and raw not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v != "")
        raise bad_parameter(name, f"must be one of {allowed}, not {raw[:40]!r}")
    if "maxLength" in schema and len(raw) > schema["maxLength"]:
        raise bad_parameter(name, f"is {len(raw)} characters long; the limit is {schema['maxLength']}")
    if "pattern" in schema and raw != "" and not re.search(schema["pattern"], raw):
        raise bad_parameter(name, f"{raw[:40]!r} is not of the expected form ({schema.get('description', schema['pattern'])})")
    return raw


def read_query(args: MultiDict[str, str], params: tuple[QueryParam, ...]) -> dict[str, Any]:
    """The declared parameters' values (defaults filled in); unknown names and bad values raise a 400 naming them."""
    declared = {p.name: p for p in params}
    for name in args.keys():
        if name not in declared:
            raise bad_parameter(name, "unknown parameter" if declared else "unknown parameter (this endpoint takes none)")
    values: dict[str, Any] = {}
    for param in params:
        raws = args.getlist(param.name)
        if param.repeatable:
            items = [v.strip() for raw in raws for v in raw.split(",") if v.strip()]
            values[param.name] = [_one(param.name, item, param.schema["items"]) for item in items]
            continue
        if len(raws) > 1:
            raise bad_parameter(param.name, "given more than once")
        if not raws or raws[0] == "":
            if param.required:
                raise bad_parameter(param.name, "is required")
            values[param.name] = param.schema.get("default")
            continue
        values[param.name] = _one(param.name, raws[0], param.schema)
    return values
