"""JSON Schemas of what the API answers, kept next to the routes; the OpenAPI document and the contract tests use them."""
from __future__ import annotations

from typing import Any

from indexing.concepts import CONCEPT_GROUPS

from ..countries import COUNTRY_CODES
from ..citation import CITATION_FORMATS
from ..licences import LICENCE_IDS
from ..interchange import DATE_FIELDS, FIELD_ORDER, INT_FIELDS, REQUIRED, TEXT_LIMITS
from ..kinds import (CHOICE_FIELDS, DATETIME_FIELDS, KIND_NAMES, LANGUAGES, LINES_LIMITS, MULTI_CHOICE_FIELDS,
                     URL_FIELDS, allowed_fields, kinds_with_field)
from ..models import VISIBILITIES

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
DATETIME = {"type": ["string", "null"], "format": "date-time"}
LANG = {"type": "string", "enum": list(LANGUAGES)}
KIND = {"type": "string", "enum": list(KIND_NAMES)}
LOCAL_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,119}$"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, Any], required: list[str] | None = None, description: str = "") -> dict[str, Any]:
    """An object with exactly these properties (all required unless a list is given)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required,
                              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def page_of(item: dict[str, Any], description: str) -> dict[str, Any]:
    return closed({"total": {"type": "integer", "minimum": 0}, "page": {"type": "integer", "minimum": 1},
                   "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                   "results": {"type": "array", "items": item}}, description=description)


def by_language(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": LANG, "additionalProperties": value}


def _interchange_field(name: str) -> dict[str, Any]:
    if name == "id" or name == "translation_of":
        return {"type": "string", "pattern": EXTERNAL_ID_PATTERN}
    if name == "kind":
        return KIND
    if name == "lang":
        return LANG
    if name == "country":
        return {"type": "string", "enum": sorted(COUNTRY_CODES)}
    if name == "themes":
        return {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9\\-]{0,79}$"}}
    if name in INT_FIELDS:
        low, high = INT_FIELDS[name]
        return {"type": "integer", "minimum": low, "maximum": high}
    if name in DATE_FIELDS:
        return {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
    if name in URL_FIELDS:
        return {"type": "string", "maxLength": TEXT_LIMITS[name], "pattern": r"^[hH][tT][tT][pP][sS]?://[^\s<>\"]+$"}
    if name in CHOICE_FIELDS:
        return {"type": "string", "enum": list(CHOICE_FIELDS[name])}
    if name in DATETIME_FIELDS:
        return {"type": "string", "pattern": LOCAL_TIME, "description": "wall-clock time at the venue"}
    if name == "timezone":
        return {"type": "string", "description": "an IANA time zone, such as Europe/Rome"}
    if name in MULTI_CHOICE_FIELDS:
        return {"type": "array", "items": {"type": "string", "enum": list(MULTI_CHOICE_FIELDS[name])}}
    if name in LINES_LIMITS:
        return {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": LINES_LIMITS[name]}}
    if name == "materials":
        return {"type": "array", "items": {"type": "string", "pattern": EXTERNAL_ID_PATTERN},
                "description": "external ids of the records presented"}
    if name == "programme":
        session = {"type": "object", "required": ["start", "title"], "additionalProperties": False,
                   "properties": {"start": {"type": "string", "pattern": LOCAL_TIME},
                                  "end": {"type": "string", "pattern": LOCAL_TIME},
                                  "title": {"type": "string", "minLength": 1, "maxLength": 300},
                                  "speakers": {"type": "string", "maxLength": 500},
                                  "lang": {"type": "string", "enum": list(LANGUAGES)}}}
        return {"type": "array", "items": session, "description": "the sessions in order"}
    # The normaliser reads a number typed into a text field as its digits (a spreadsheet's 2021 for "2021").
    return {"anyOf": [{"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[name]}, {"type": "number"}]}


def _optional(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    # The normaliser reads null (and, but for the id, an empty string) in an optional field as the field left
    # out; the export never writes either.
    absent: list[dict[str, Any]] = [{"type": "null"}] if name == "id" else [{"type": "null"}, {"const": ""}]
    return {"anyOf": [schema, *absent]}


def _interchange_record(kind: str) -> dict[str, Any]:
    """One kind's record: its own fields typed, another kind's fields only as left out (a CSV export has a
    column for every kind's fields, so an empty cell of another kind's column is accepted)."""
    own = allowed_fields(kind)
    properties: dict[str, Any] = {}
    for name in FIELD_ORDER:
        if name == "kind":
            properties[name] = {"type": "string", "const": kind}
        elif name not in own:
            properties[name] = {"anyOf": [{"type": "null"}, {"const": ""}, {"type": "array", "maxItems": 0}],
                                "description": f"a field of {' and '.join(kinds_with_field(name))} records only"}
        elif name in REQUIRED:
            properties[name] = _interchange_field(name)
        else:
            properties[name] = _optional(name, _interchange_field(name))
    return closed(properties, required=list(REQUIRED), description=f"A record of kind {kind} in the interchange format.")


INTERCHANGE_RECORDS: dict[str, dict[str, Any]] = {
    f"InterchangeRecord{kind.capitalize()}": _interchange_record(kind) for kind in KIND_NAMES
}
INTERCHANGE_RECORD: dict[str, Any] = {
    "oneOf": [ref(name) for name in INTERCHANGE_RECORDS],
    "discriminator": {"propertyName": "kind",
                      "mapping": {kind: f"#/components/schemas/InterchangeRecord{kind.capitalize()}"
                                  for kind in KIND_NAMES}},
    "description": "A record in the interchange format: what the export writes, `kb import` reads and POST /records "
                   "takes (null or an empty string in an optional field means the field is left out). Each kind "
                   "carries its own fields; another kind's field is refused unless it is left out.",
}

CARD_PROPERTIES: dict[str, Any] = {
    "id": INT,
    "external_id": NULLABLE_STR,
    "kind": KIND,
    "lang": LANG,
    "title": STR,
    "summary": STR,
    "organisation": NULLABLE_STR,
    "country": NULLABLE_STR,
    "city": NULLABLE_STR,
    "year": NULLABLE_INT,
    "themes": {"type": "array", "items": STR},
    "url": {"type": "string", "description": "The record's page."},
    "api_url": {"type": "string", "description": "The record in this API."},
}

RANKED = {"type": "integer", "minimum": 1}
MATCHED_BY = {
    "type": "object",
    "description": "Which retrieval leg found the result (null: not that one) and, for concepts, "
                   "the thesaurus labels that bridged the languages.",
    "properties": {
        "keyword": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
            "rank": RANKED, "terms": {"type": "array", "items": STR}}, "required": ["rank"]}]},
        "semantic": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
            "rank": RANKED, "score": {"type": "number"}}, "required": ["rank"]}]},
        "concept": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
            # null when the concept list took no part in the ranking (semantic or keyword mode).
            "rank": {"type": ["integer", "null"], "minimum": 1},
            "concepts": {"type": "array", "items": {"type": "object", "properties": {
                "id": STR, "label": STR, "doc_label": STR}, "required": ["id", "label"]}}},
            "required": ["rank", "concepts"]}]},
        "found_in": {"anyOf": [{"type": "null"}, {"type": "object", "description": "The attached file (and PDF page) "
                     "whose text matched, when the record's own text did not.", "properties": {
                         "file": STR, "page": NULLABLE_INT, "lang": STR}, "required": ["file"]}]},
    },
    "required": ["keyword", "semantic", "concept"],
}

CURRICULUM_RESOURCE = closed({"id": INT, "external_id": NULLABLE_STR, "lang": LANG, "title": STR,
                              "position": NULLABLE_INT, "api_url": STR})
CURRICULUM_MODULE = closed({"slug": STR, "position": INT, "titles": by_language(STR),
                            "resources": {"type": "array", "items": CURRICULUM_RESOURCE}})
CURRICULUM_PATH = closed({"slug": STR, "audience": STR, "titles": by_language(STR), "url": NULLABLE_STR,
                          "modules": {"type": "array", "items": CURRICULUM_MODULE}})

SCHEMAS: dict[str, Any] = {
    "ApiIndex": closed({
        "name": STR, "version": STR, "documentation": STR, "openapi": STR,
        "endpoints": {"type": "array", "items": closed({"method": STR, "path": STR, "summary": STR, "tag": STR})},
    }, description="What /api/v1 answers: every endpoint and where the documentation is."),
    "Error": closed({"error": closed({"status": {"type": "integer", "minimum": 400, "maximum": 599},
                                      "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                                      "message": STR})},
                    description="The one error shape of the whole service."),
    "InterchangeRecord": INTERCHANGE_RECORD,
    **INTERCHANGE_RECORDS,
    "RecordCard": closed(CARD_PROPERTIES, description="The short form of a published record."),
    "SearchResult": closed({**CARD_PROPERTIES,
                            "snippet": {"type": "string", "description": "HTML fragment: escaped text with <mark> around matches."},
                            "score": {"type": "number"},
                            "matched_by": MATCHED_BY}),
    "SearchResponse": closed({
        "query": closed({
            "q": STR,
            "mode": {"type": "string", "enum": ["hybrid", "semantic", "keyword"]},
            "sort": {"type": "string", "enum": ["relevance", "newest", "year"]},
            "detected_lang": STR,
            "hint_lang": {"type": ["string", "null"], "description": "The hint_lang the detection leaned towards, if any."},
            "filters": {"type": "object", "additionalProperties": {"type": "array", "items": STR}},
            "concepts": {"type": "array", "items": {
                "type": "object", "description": "A thesaurus concept the query mentions, with its label in every language.",
                "properties": {"id": STR, "label": STR, "matched": STR, "labels": by_language(STR)},
                "required": ["id", "label"]}},
            "suggestion": NULLABLE_STR,
            "year_from": NULLABLE_INT,
            "year_to": NULLABLE_INT,
            "from": {"type": ["string", "null"], "format": "date"},
            "to": {"type": ["string", "null"], "format": "date"},
        }),
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "results": {"type": "array", "items": ref("SearchResult")},
        "facets": {"type": "object",
                   "description": "Per facet (kind, lang, theme, country, audience, level, and year), the number of "
                                  "records of the result set for each value, counted with every other filter applied "
                                  "but not the facet's own (disjunctive faceting): a facet you filter on still shows "
                                  "the counts of its other values, and adding a value to the filter adds that many "
                                  "results. A facet without a filter of its own therefore sums to `total` (a record "
                                  "with several themes counts once per theme); the `year` facet is counted without "
                                  "`year_from` / `year_to` and keyed by the year as text, latest first.",
                   "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}},
    }),
    "RecordPage": page_of(ref("RecordCard"), "One page of published records, in id order."),
    "RecordDetail": closed({
        **CARD_PROPERTIES,
        "fields": ref("InterchangeRecord"),
        "curriculum": closed({"path": STR, "module": STR, "position": NULLABLE_INT},
                             description="Where a curriculum resource sits in its learning path."),
        "versions": {"type": "array", "items": ref("RecordCard"), "description": "The same content in other languages."},
        "related": {"type": "array", "items": ref("RecordCard"), "description": "Related records in any language."},
        "citation": ref("Citation"),
        "attachments": {"type": "array", "description": "Files attached to the record; their text is searched.",
                        "items": closed({"id": INT, "filename": STR, "content_type": STR, "size": INT,
                                         "lang": {"type": ["string", "null"], "enum": [*LANGUAGES, None]},
                                         "pages": NULLABLE_INT,
                                         "text": {"type": "string", "enum": ["pending", "extracting", "ok",
                                                                             "no_text", "refused", "none"]},
                                         "text_problem": NULLABLE_STR, "url": STR})},
    }, required=[*CARD_PROPERTIES, "fields", "versions", "related", "citation", "attachments"]),
    "Citation": closed({
        "permalink": {"type": "string", "description": "The stable address of the record, by its external id."},
        "licence": closed({"id": {"type": "string", "enum": list(LICENCE_IDS)}, "name": STR, "url": STR},
                          description="What the record is published under (SPDX id)."),
        "downloads": {"type": "array", "items": closed({
            "format": {"type": "string", "enum": list(CITATION_FORMATS)}, "label": STR, "mimetype": STR, "url": STR})},
        "references": {"type": "array", "items": closed({"style": STR, "name": STR, "text": STR}),
                       "description": "The reference formatted in each citation style, in the interface language."},
    }, description="How to cite a record."),
    "Theme": closed({"slug": STR, "labels": by_language(STR), "records": {"type": "integer", "minimum": 0},
                     "url": NULLABLE_STR, "search_url": STR}),
    "ThemeList": closed({"themes": {"type": "array", "items": ref("Theme")}}),
    "Organisation": closed({"slug": STR, "name": STR, "short_name": NULLABLE_STR, "country": NULLABLE_STR,
                            "city": NULLABLE_STR, "is_partner": BOOL, "role": NULLABLE_STR,
                            "description": NULLABLE_STR, "records": {"type": "integer", "minimum": 0}}),
    "OrganisationPage": page_of(ref("Organisation"), "Organisations in the order they were added (stable while you page)."),
    "Concept": closed({
        "id": STR,
        "labels": closed({lang: closed({"pref": NULLABLE_STR, "alt": {"type": "array", "items": STR}})
                          for lang in LANGUAGES}, description="Preferred and alternative labels in every language."),
        "broader": {"type": "array", "items": STR},
        "narrower": {"type": "array", "items": STR},
        "related": {"type": "array", "items": STR},
        "themes": {"type": "array", "items": STR},
        "group": {"anyOf": [{"type": "null"}, {"type": "string", "enum": list(CONCEPT_GROUPS)}],
                  "description": "What kind of need the concept names (a target group, a sector, ...), if any."},
        "search_url": STR,
    }),
    "ConceptPage": page_of(ref("Concept"), "Thesaurus concepts in id order."),
    "CurriculumList": closed({"paths": {"type": "array", "items": CURRICULUM_PATH}}),
    "ReadingListSummary": closed({
        "id": INT, "title": STR, "description": STR,
        "audience": NULLABLE_STR, "notes_lang": NULLABLE_STR,
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "owner": NULLABLE_STR, "mine": BOOL, "items": {"type": "integer", "minimum": 0},
        "created_at": DATETIME, "updated_at": DATETIME, "url": NULLABLE_STR, "api_url": STR,
    }),
    "ReadingListPage": page_of(ref("ReadingListSummary"), "Public reading lists, and the caller's own."),
    "ReadingList": closed({
        "list": ref("ReadingListSummary"),
        "entries": {"type": "array", "items": closed({
            "position": INT, "heading": NULLABLE_STR, "note": STR,
            "record": {"anyOf": [{"type": "null"}, ref("RecordCard")]}})},
    }),
    "PathProgress": closed({
        "path": STR, "title": STR, "enrolled_at": DATETIME, "done": BOOL, "completed_at": DATETIME,
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "resources_done": INT, "resources_total": INT, "modules_done": INT, "modules_total": INT,
        "modules": {"type": "array", "items": closed({
            "module": STR, "title": STR,
            "state": {"type": "string", "enum": ["done", "in_progress", "not_started"]},
            "resources_done": INT, "resources_total": INT,
            "done_resources": {"type": "array", "items": INT, "description": "Ids of the resources marked done."},
            "self_check": closed({"questions": INT, "pass_mark": INT, "best_score": NULLABLE_INT,
                                  "passed": {"type": ["boolean", "null"]}}),
        })},
    }, description="One person's progress in one learning path (published resources only)."),
    "MyProgress": closed({
        "user": closed({"name": STR, "email": STR, "role": STR}),
        "paths": {"type": "array", "items": ref("PathProgress")},
    }),
    "CohortProgress": closed({
        "id": INT, "name": STR, "path": STR, "organisation": STR,
        "modules": {"type": "array", "items": closed({"module": STR, "title": STR})},
        "learners": {"type": "array", "items": closed({"name": STR, "email": STR, "progress": ref("PathProgress")})},
    }),
    "Health": closed({
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "records": closed({"total": {"type": "integer", "minimum": 0},
                           "by_kind": {"type": "object", "additionalProperties": INT},
                           "by_language": by_language(INT)}),
        "index": {"type": "object", "description": "The search index's state (record counts, build time, change log position)."},
        "encoder": closed({"name": NULLABLE_STR, "path": NULLABLE_STR, "dimension": NULLABLE_INT,
                           "multilingual": {"type": ["boolean", "null"]}}),
    }),
}
