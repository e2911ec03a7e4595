"""Everything templates get beyond a view's own data: the filters and the helpers every page may call."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from . import i18n
from .access import current_user, may_submit
from .attachment_files import max_upload_mb
from .kinds import field_label
from .list_access import add_to_list_panel
from .models import User
from .vocabulary import (
    action_label,
    audience_label,
    competence_area_label,
    event_audience_label,
    event_type_label,
    format_label,
    kind_label,
    level_label,
    mode_label,
    role_label,
    status_label,
)


def objectives(text: str | None) -> list[str]:
    """Learning objectives as a list: one per line, or separated by semicolons as the corpus writes them."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").strip()
    parts = text.split("\n") if "\n" in text else text.split(";")
    return [part.strip(" -•\t") for part in parts if part.strip(" -•\t")]


def web_link(url: str | None) -> str | None:
    """The URL if it is a plain web address; anything else (javascript:, data:) is not linked."""
    if url and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _nav_user() -> User | None:
    try:
        return current_user()
    except HTTPException:
        return None


def _nav_offers_submit() -> bool:
    user = _nav_user()
    return user is None or may_submit(user)


def _helpers() -> dict[str, Any]:
    return {
        # coded values in the interface language
        "kind_label": kind_label, "audience_label": audience_label, "level_label": level_label,
        "format_label": format_label, "competence_area_label": competence_area_label, "status_label": status_label,
        "action_label": action_label, "role_label": role_label, "field_label": field_label,
        "event_type_label": event_type_label, "event_audience_label": event_audience_label, "mode_label": mode_label,
        # the signed-in account, forms and reading lists
        "account_nav_user": _nav_user, "nav_offers_submit": _nav_offers_submit, "csrf_token": generate_csrf, "lists_csrf_token": generate_csrf,
        "add_to_list_panel": add_to_list_panel, "max_upload_mb": max_upload_mb(),
    }


def init_app(app: Flask) -> None:
    """Register the template filters and the helpers (the interface-language ones come from i18n) on the app."""
    app.add_template_filter(objectives, "objectives")
    app.add_template_filter(web_link, "web_link")
    app.context_processor(i18n.template_context)
    app.context_processor(_helpers)
