"""Which records a person may see, as a SQL condition for listings (review.workflow.can_view checks one record).

Published records are everyone's; editors and admins see everything; a partner sees what belongs to
their own organisation. Any listing that can reach unpublished records (other language versions,
related drafts) filters with `visible_to`, so one partner never sees another's drafts.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from .models import Record, User
from .workflow import is_reviewer


def visible_to(user: User | None) -> ColumnElement[bool]:
    """SQL condition on Record: the rows this user may see."""
    if is_reviewer(user):
        return true()
    published = Record.status == "published"
    if user is not None and user.role == "partner" and user.organisation_id is not None:
        return or_(published, Record.organisation_id == user.organisation_id)
    return published

