"""The one normaliser: turns any incoming record (form, JSONL, CSV, API) into the validated interchange shape."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from .countries import COUNTRY_CODES
from .json_input import has_lone_surrogate, printable
from .event_fields import check_event_fields
from .kinds import (CHOICE_FIELDS, DATE_FIELDS, FIELD_ORDER, INT_BOUNDS, KIND_NAMES, LANGUAGES, PATHS, TEXT_LIMITS,
                    URL_FIELDS, allowed_fields, kinds_with_field)

# All derived from the kinds' declarations (kb_app/kinds.py); re-exported for the API schemas and the importer.
__all__ = ["FIELD_ORDER", "TEXT_LIMITS", "INT_FIELDS", "DATE_FIELDS", "PATHS", "REQUIRED", "KNOWN_FIELDS",
           "FieldError", "InvalidRecord", "normalise_record", "clean_text"]
REQUIRED = ("kind", "lang", "title", "body")
INT_FIELDS = INT_BOUNDS
KNOWN_FIELDS = frozenset(FIELD_ORDER)

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,119}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]{0,79}$")
URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field of one record."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidRecord(ValueError):
    """A record failed validation; `errors` lists every field at fault."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def clean_text(value: str) -> str:
    """NFC, unified newlines, no stray control characters, no surrounding white space."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", value).strip()


def _text(field: str, value: Any, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.append(FieldError(field, f"must be text, not {type(value).__name__}"))
        return None
    if "\x00" in value:
        errors.append(FieldError(field, "contains a NUL byte"))
        return None
    if has_lone_surrogate(value):
        # Only JSON can carry one (an unpaired \ud800-\udfff escape); no database or file can store it.
        errors.append(FieldError(field, "contains an unpaired surrogate escape (\\ud800-\\udfff), which is not a character"))
        return None
    cleaned = clean_text(value)
    limit = TEXT_LIMITS.get(field)
    if limit is not None and len(cleaned) > limit:
        errors.append(FieldError(field, f"is {len(cleaned)} characters long; the limit is {limit}"))
        return None
    return cleaned or None


def _integer(field: str, value: Any, errors: list[FieldError]) -> int | None:
    if value is None or value == "":
        return None
    low, high = INT_FIELDS[field]
    try:
        number = int(value) if not isinstance(value, bool) and str(value).strip().lstrip("-").isdigit() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        errors.append(FieldError(field, f"must be a whole number, not {value!r}"[:200]))
        return None
    if not low <= number <= high:
        errors.append(FieldError(field, f"must be between {low} and {high}"))
        return None
    return number


def _iso_date(field: str, value: Any, errors: list[FieldError]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    for pattern in (r"^\d{4}-\d{2}-\d{2}$", r"^\d{4}-\d{2}$", r"^\d{4}$"):
        if re.match(pattern, text):
            padded = (text + "-01-01")[:10] if len(text) == 4 else (text + "-01")[:10]
            try:
                date.fromisoformat(padded)
            except ValueError:
                break
            return text
    errors.append(FieldError(field, f"must be a date as YYYY-MM-DD (or YYYY-MM), not {text[:40]!r}"))
    return None


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _other_kinds_fields(raw: dict[str, Any], kind: str) -> list[FieldError]:
    """A field that another kind declares and this one does not (a practice's `venue`), given a value: an
    error naming the field and the kind. Left empty it is fine (a CSV row has every kind's columns)."""
    allowed = allowed_fields(kind)
    return [
        FieldError(key, f"is a field of {' and '.join(map(_article, kinds_with_field(key)))}, not of {_article(kind)}")
        for key in raw
        if key in KNOWN_FIELDS and key not in allowed and raw[key] not in (None, "", [])
    ]


def normalise_record(
    raw: Any,
    *,
    theme_slugs: Iterable[str] | None = None,
    module_slugs: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Validate and clean one record; raise InvalidRecord listing every bad field."""
    errors: list[FieldError] = []
    if not isinstance(raw, dict):
        raise InvalidRecord([FieldError("record", f"must be a JSON object, not {type(raw).__name__}")])
    out: dict[str, Any] = {}

    for key in raw:
        if key not in KNOWN_FIELDS:
            errors.append(FieldError(printable(str(key))[:60] or "(empty field name)", "unknown field"))

    for field in ("kind", "lang"):
        if raw.get(field) in (None, ""):
            errors.append(FieldError(field, "is required"))

    kind = raw.get("kind")
    if kind is not None and kind not in KIND_NAMES:
        errors.append(FieldError("kind", f"must be one of {', '.join(KIND_NAMES)}, not {str(kind)[:40]!r}"))
    lang = raw.get("lang")
    if lang is not None and lang not in LANGUAGES:
        errors.append(FieldError("lang", f"unknown language code {str(lang)[:20]!r} (supported: {', '.join(LANGUAGES)})"))
    out["kind"], out["lang"] = kind, lang
    if kind in KIND_NAMES:
        errors.extend(_other_kinds_fields(raw, kind))

    ext_id = raw.get("id")
    if ext_id is not None:
        if not isinstance(ext_id, str) or not EXTERNAL_ID.match(ext_id):
            errors.append(FieldError("id", "must be 1-120 letters, digits, '.', '_', ':' or '-'"))
        else:
            out["id"] = ext_id

    for field in TEXT_LIMITS:
        if field in raw:
            value = _text(field, raw[field], errors)
            if value is not None:
                out[field] = value

    text_errors = {e.field for e in errors}
    for field in ("title", "body"):
        if field not in out and field not in text_errors:
            errors.append(FieldError(field, "is required"))

    country = raw.get("country")
    if country not in (None, ""):
        code = str(country).strip().upper()
        if code not in COUNTRY_CODES:
            errors.append(FieldError("country", f"unknown country code {str(country)[:20]!r} (ISO 3166-1 alpha-2 or EU)"))
        else:
            out["country"] = code

    for field in URL_FIELDS:
        if field in out and not URL.match(out[field]):
            errors.append(FieldError(field, "must start with http:// or https://"))
            out.pop(field)

    for field in INT_FIELDS:
        if field in raw:
            value = _integer(field, raw[field], errors)
            if value is not None:
                out[field] = value
    for field in DATE_FIELDS:
        if field in raw:
            value = _iso_date(field, raw[field], errors)
            if value is not None:
                out[field] = value
    if out.get("start_date") and out.get("end_date") and out["end_date"] < out["start_date"]:
        errors.append(FieldError("end_date", "is before start_date"))

    themes = raw.get("themes")
    if themes not in (None, ""):
        if isinstance(themes, str):
            themes = [t for t in re.split(r"[;,]", themes)]
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            errors.append(FieldError("themes", "must be a list of theme slugs"))
        else:
            slugs = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
            known = set(theme_slugs) if theme_slugs is not None else None
            unknown = [t for t in slugs if known is not None and t not in known]
            if unknown:
                errors.append(FieldError("themes", f"unknown theme {', '.join(repr(u[:40]) for u in unknown[:5])}"))
            else:
                out["themes"] = slugs

    for field, allowed in CHOICE_FIELDS.items():
        value = raw.get(field)
        if value not in (None, ""):
            if value not in allowed:
                errors.append(FieldError(field, f"must be one of {', '.join(allowed)}, not {str(value)[:40]!r}"))
            else:
                out[field] = value

    if "module" in out and module_slugs is not None and out["module"] not in set(module_slugs):
        errors.append(FieldError("module", f"unknown curriculum module {out['module']!r}"))
    if "module" in out and "path" not in out:
        errors.append(FieldError("path", "is required when module is given"))

    translation_of = raw.get("translation_of")
    if translation_of not in (None, ""):
        if not isinstance(translation_of, str) or not EXTERNAL_ID.match(translation_of):
            errors.append(FieldError("translation_of", "must be the external id of another record"))
        elif translation_of == out.get("id"):
            errors.append(FieldError("translation_of", "cannot point at the record itself"))
        else:
            out["translation_of"] = translation_of

    errors.extend(FieldError(field, message) for field, message in check_event_fields(raw, out))
    if errors:
        raise InvalidRecord(errors)
    return {k: out[k] for k in FIELD_ORDER if k in out}
