"""Everything templates get beyond a view's own data: the filters and the helpers every page may call."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, request, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from . import i18n
from .access import current_user, may_submit
from .attachment_files import max_upload_mb
from .digests import FREQUENCIES
from .documents.vocabulary import text_status_label
from .kinds import field_label
from .list_access import add_to_list_panel
from .models import CurriculumPath, User
from .progress import Step
from .richtext import code_spans, text_blocks
from .vocabulary import (
    action_label,
    audience_label,
    competence_area_label,
    event_audience_label,
    event_type_label,
    format_label,
    frequency_label,
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


def save_search_panel() -> dict[str, Any] | None:
    """What the results page's "e-mail me new records" form needs; None for visitors who are not signed in."""
    if "alerts_panel" not in g:
        user = _nav_user()
        g.alerts_panel = None if user is None else {
            "action": url_for("alerts.create"), "csrf_token": generate_csrf(),
            "search": request.query_string.decode("utf-8", "replace"),
            "frequencies": [(f, frequency_label(f)) for f in FREQUENCIES]}
    return g.alerts_panel


def learning_step_url(step: Step, path: CurriculumPath) -> str:
    """The page of a learner's next step: the resource, the module's self-check, or the certificate."""
    if step.kind == "resource" and step.record is not None:
        return url_for("records.show", record_id=step.record.id)
    if step.kind == "self_check" and step.module is not None:
        return url_for("learning.self_check", slug=step.module.slug)
    return url_for("learning.certificate", slug=path.slug)


def _helpers() -> dict[str, Any]:
    return {
        # coded values in the interface language
        "kind_label": kind_label, "audience_label": audience_label, "level_label": level_label,
        "format_label": format_label, "competence_area_label": competence_area_label, "status_label": status_label,
        "action_label": action_label, "role_label": role_label, "field_label": field_label,
        "event_type_label": event_type_label, "event_audience_label": event_audience_label, "mode_label": mode_label,
        "text_status_label": text_status_label,
        # the signed-in account, forms and reading lists
        "account_nav_user": _nav_user, "nav_offers_submit": _nav_offers_submit, "csrf_token": generate_csrf, "lists_csrf_token": generate_csrf,
        "add_to_list_panel": add_to_list_panel, "max_upload_mb": max_upload_mb(),
        # the panels and links of single areas (saved-search alerts, learning paths)
        "save_search_panel": save_search_panel, "learning_step_url": learning_step_url,
    }


def init_app(app: Flask) -> None:
    """Register every template filter and helper on the app (the interface-language ones come from i18n); the
    blueprints register none of their own."""
    app.add_template_filter(objectives, "objectives")
    app.add_template_filter(web_link, "web_link")
    # Stored text is rendered with the `rich_text` macro of templates/_text.html, which reads these blocks.
    app.add_template_filter(text_blocks, "text_blocks")
    app.add_template_filter(code_spans, "code_spans")
    app.context_processor(i18n.template_context)
    app.context_processor(_helpers)
