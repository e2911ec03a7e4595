"""Interface words for coded values (kinds, levels, facets, statuses, revision actions, roles) in the visitor's language."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _

from .event_fields import local_time_text, session_line
from .i18n import country_name, language_name, resolve_ui_lang
from .kinds import CHOICE_FIELDS, DATETIME_FIELDS, MULTI_CHOICE_FIELDS, kind_of
from .models import Theme


def kind_label(kind: str | None) -> str:
    declared = kind_of(kind)
    return str(declared.label) if declared is not None else kind or ""


def audience_label(value: str | None) -> str:
    return {"operator": _("Operators"), "entrepreneur": _("Entrepreneurs")}.get(value or "", value or "")


def level_label(value: str | None) -> str:
    return {"beginner": _("Beginner"), "intermediate": _("Intermediate"),
            "advanced": _("Advanced")}.get(value or "", value or "")


def mode_label(mode: str) -> str:
    return {"hybrid": _("All"), "semantic": _("Meaning"), "keyword": _("Exact words")}.get(mode, mode)


def sort_label(sort: str) -> str:
    return {"relevance": _("Relevance"), "newest": _("Newest"), "year": _("Year")}.get(sort, sort)


def competence_area_label(value: str | None) -> str:
    return {
        "banking-credit": _("Banking and credit"),
        "business-planning": _("Business planning"),
        "digital": _("Digital skills"),
        "economic-financial": _("Economics and finance"),
        "intercultural": _("Intercultural skills"),
        "legal-administrative": _("Legal and administrative matters"),
        "marketing": _("Marketing"),
        "orientation": _("Orientation and guidance"),
        "tax-social-security": _("Tax and social security"),
    }.get(value or "", value or "")


def format_label(value: str | None) -> str:
    return {
        "case study": _("Case study"), "checklist": _("Checklist"), "exercise": _("Exercise"), "quiz": _("Quiz"),
        "reading": _("Reading"), "video": _("Video"), "webinar": _("Webinar"),
    }.get(value or "", value or "")


def facet_title(name: str) -> str:
    return {"kind": _("Type"), "lang": _("Language"), "theme": _("Theme"), "country": _("Country"),
            "audience": _("Audience"), "level": _("Level")}.get(name, name)


def range_title(name: str) -> str:
    """The name of a range parameter as an active filter reads it ("Year from: 2019")."""
    return {"year_from": _("Year from"), "year_to": _("Year to"), "from": _("Events from"),
            "to": _("Events until")}.get(name, name)


def facet_label(name: str, value: str, themes: Mapping[str, Theme]) -> str:
    """How a facet value reads in the interface: a theme's label, a country's name, a level's word."""
    if name == "kind":
        return kind_label(value)
    if name == "lang":
        return language_name(value)
    if name == "theme":
        theme = themes.get(value)
        return theme.label(resolve_ui_lang()) if theme else value
    if name == "country":
        return country_name(value)
    if name == "audience":
        return audience_label(value)
    if name == "level":
        return level_label(value)
    return value


def status_label(status: str | None) -> str:
    return {
        "draft": _("Draft"),
        "submitted": _("Awaiting review"),
        "changes_requested": _("Changes requested"),
        "published": _("Published"),
        "rejected": _("Rejected"),
    }.get(status or "", status or "")


def action_label(action: str | None) -> str:
    return {
        "created": _("Created"),
        "edited": _("Edited"),
        "prefilled": _("Filled in from a file"),
        "submitted": _("Sent for review"),
        "withdrawn": _("Withdrawn from review"),
        "published": _("Published"),
        "changes_requested": _("Changes requested"),
        "rejected": _("Rejected"),
        "unpublished": _("Unpublished"),
        "attachment_added": _("Attachment added"),
        "attachment_removed": _("Attachment removed"),
        "translation_linked": _("Linked to the original"),
        "imported": _("Imported"),
        "updated by import": _("Updated by import"),
    }.get(action or "", action or "")


def frequency_label(frequency: str) -> str:
    """How often a saved search's digest is sent, in the interface language."""
    return {"daily": _("Daily"), "weekly": _("Weekly")}.get(frequency, frequency)


def role_label(role: str | None) -> str:
    return {"admin": _("Administrator"), "editor": _("Editor"), "partner": _("Partner"),
            "trainer": _("Trainer"), "learner": _("Learner")}.get(role or "", role or "")


def snapshot_value(field: str, value: Any) -> Any:
    """A revision's stored value as a reader knows it: language, country and status names instead of codes."""
    if value in (None, "", []):
        return value
    if field == "status":
        return status_label(value)
    if field == "lang":
        return language_name(value)
    if field == "country":
        return country_name(value)
    if field in CHOICE_FIELDS:  # coded values, as the kinds declare them
        return choice_label(field, value)
    if field in MULTI_CHOICE_FIELDS:
        return [choice_label(field, v) for v in value]
    if field in DATETIME_FIELDS:
        return local_time_text(value)
    if field == "programme":
        # One line per session as the form writes it, so a diff shows which session changed.
        return "\n".join(session_line(session) for session in value)
    return value


def event_type_label(value: str | None) -> str:
    return {"conference": _("Conference"), "training_course": _("Training course"),
            "exchange_meeting": _("Exchange meeting"), "webinar": _("Webinar")}.get(value or "", value or "")


def event_audience_label(value: str | None) -> str:
    return {
        "stakeholders": _("Stakeholders"), "local_decision_makers": _("Local decision makers"), "press": _("Press"),
        "microcredit_operators": _("Microcredit operators"), "ngos": _("NGOs"), "migrants": _("Migrants"),
    }.get(value or "", value or "")


def choice_label(field: str, value: str) -> str:
    """A declared field's coded value in the interface language."""
    labels = {"event_type": event_type_label, "audiences": event_audience_label, "languages": language_name,
              "audience": audience_label, "level": level_label}
    return str(labels.get(field, lambda v: v)(value))
