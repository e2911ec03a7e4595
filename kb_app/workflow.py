"""The moderation workflow: who may see or change a record, and the status each action leads to."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .catalogue import add_revision, publish
from .kinds import kind_of
from .models import Record, Revision, User
from .notifications import queue_for_action

# Statuses in which the partner who owns a record may still change its text.
OWNER_EDITABLE = ("draft", "changes_requested")
REVIEWER_ROLES = ("editor", "admin")

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submitted": (("draft", "changes_requested"), "submitted"),
    "withdrawn": (("submitted",), "draft"),
    "published": (("submitted",), "published"),
    "changes_requested": (("submitted",), "changes_requested"),
    "rejected": (("submitted", "changes_requested"), "rejected"),
    # An unpublished record goes back to its authors with the editor's reason, ready to be fixed and resubmitted.
    "unpublished": (("published",), "changes_requested"),
}
OWNER_ACTIONS = ("submitted", "withdrawn")
REVIEW_ACTIONS = ("published", "changes_requested", "rejected", "unpublished")


class WorkflowError(ValueError):
    """The action is not possible from the record's current status."""


def is_reviewer(user: User | None) -> bool:
    return user is not None and user.role in REVIEWER_ROLES


def owns(user: User | None, record: Record) -> bool:
    """Whether the record belongs to the partner's organisation (the organisation that submitted it)."""
    return (user is not None and user.role == "partner" and user.organisation_id is not None
            and record.organisation_id == user.organisation_id)


def has_form(record: Record) -> bool:
    """Whether partners write records of this kind through the form (imported kinds are corrected by import)."""
    kind = kind_of(record.kind)
    return kind is not None and kind.has_form


def can_view(user: User | None, record: Record) -> bool:
    return record.is_published or is_reviewer(user) or owns(user, record)


def can_edit(user: User | None, record: Record) -> bool:
    """Editors correct any record written through a form; its owners only while it is a draft or sent back to them."""
    if not has_form(record):
        return False
    if is_reviewer(user):
        return True
    return owns(user, record) and record.status in OWNER_EDITABLE


def can_act(user: User | None, record: Record, action: str) -> bool:
    """Whether this user may apply this action to the record in its current status."""
    starts, _ = TRANSITIONS[action]
    if record.status not in starts:
        return False
    if action in REVIEW_ACTIONS:
        return is_reviewer(user)
    return is_reviewer(user) or (owns(user, record) and has_form(record))


def apply_action(session: Session, record: Record, action: str, user: User | None,
                 comment: str | None = None) -> Revision:
    """Move the record to the action's status and keep a revision of it; the caller commits."""
    starts, target = TRANSITIONS[action]
    if record.status not in starts:
        raise WorkflowError(f"cannot {action} a record that is {record.status}")
    if target == "published":
        publish(record)
    else:
        record.status = target
    comment = (comment or "").strip() or None
    queue_for_action(session, record, action, user, comment)
    return add_revision(session, record, action, user, comment=comment)


def last_review_comment(record: Record) -> Revision | None:
    """The latest revision in which an editor explained a decision (what the partner needs to read)."""
    for revision in reversed(record.revisions):
        if revision.action in REVIEW_ACTIONS and revision.comment:
            return revision
    return None
