"""Interface words for workflow statuses, revision actions and roles, in the visitor's language."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


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
        "submitted": _("Sent for review"),
        "withdrawn": _("Withdrawn from review"),
        "published": _("Published"),
        "changes_requested": _("Changes requested"),
        "rejected": _("Rejected"),
        "unpublished": _("Unpublished"),
        "attachment_added": _("Attachment added"),
        "attachment_removed": _("Attachment removed"),
        "prefilled": _("Filled in from a file"),
        "translation_linked": _("Linked to the original"),
        "imported": _("Imported"),
        "updated by import": _("Updated by import"),
    }.get(action or "", action or "")


def role_label(role: str | None) -> str:
    return {"admin": _("Administrator"), "editor": _("Editor"), "partner": _("Partner"),
            "trainer": _("Trainer"), "learner": _("Learner")}.get(role or "", role or "")


def snapshot_value(field: str, value: Any) -> Any:
    """A revision's stored value as a reader knows it: language, country and status names instead of codes."""
    from ..i18n import country_name, language_name

    if value in (None, "", []):
        return value
    if field == "status":
        return status_label(value)
    if field == "lang":
        return language_name(value)
    if field == "country":
        return country_name(value)
    return value
