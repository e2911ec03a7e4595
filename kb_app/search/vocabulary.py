"""Interface words for the catalogue's coded values (kinds, levels, facets, template fields) in the visitor's language."""
from __future__ import annotations

from typing import Mapping

from flask_babel import gettext as _

from ..i18n import country_name, language_name, resolve_ui_lang
from ..kinds import kind_of
from ..models import Theme


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

