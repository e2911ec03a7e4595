"""Who may build, read and change a reading list, and the add-to-list panel a record card offers those who may."""
from __future__ import annotations

import secrets
from typing import Any

from flask import g, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .access import current_user, has_role
from .api_errors import ApiError
from .db import get_session
from .models import ReadingList, ReadingListItem, Record, User

# Admins pass every role check (has_role), so they build lists too.
BUILDER_ROLES = ("trainer", "editor")


def can_build_lists(user: User | None) -> bool:
    return has_role(user, *BUILDER_ROLES)


def can_edit(user: User | None, reading_list: ReadingList) -> bool:
    """Only the owner changes a list; admins may too (moderation)."""
    return user is not None and (user.id == reading_list.owner_id or user.role == "admin")


def token_matches(reading_list: ReadingList, token: str | None) -> bool:
    return bool(token) and secrets.compare_digest(str(token), reading_list.share_token)


def can_read(user: User | None, reading_list: ReadingList, token: str | None = None) -> bool:
    if can_edit(user, reading_list) or reading_list.visibility == "public":
        return True
    return reading_list.visibility == "unlisted" and token_matches(reading_list, token)


def _load(session: Session, list_id: int) -> ReadingList | None:
    return session.get(
        ReadingList, list_id,
        options=[selectinload(ReadingList.items).selectinload(ReadingListItem.record).selectinload(Record.organisation),
                 selectinload(ReadingList.items).selectinload(ReadingListItem.record).selectinload(Record.themes),
                 selectinload(ReadingList.owner)],
    )


def _not_found(list_id: int) -> ApiError:
    # The same answer whether the list is missing or private, so that ids reveal nothing.
    return ApiError(404, "not_found", _("There is no reading list %(id)d that you can see.", id=list_id))


def readable_list(session: Session, list_id: int, token: str | None = None) -> ReadingList:
    """The list if the visitor may read it (owner, admin, public, or unlisted with its token); 404 otherwise."""
    reading_list = _load(session, list_id)
    if reading_list is None or not can_read(current_user(), reading_list, token):
        raise _not_found(list_id)
    return reading_list


def editable_list(session: Session, list_id: int) -> ReadingList:
    """The list if the signed-in user may change it; 404 when they cannot even see it, 403 when they only can read it."""
    reading_list = _load(session, list_id)
    user = current_user()
    if reading_list is None or not can_read(user, reading_list):
        raise _not_found(list_id)
    if not can_edit(user, reading_list):
        raise ApiError(403, "forbidden", _("Only the owner of this reading list may change it."))
    return reading_list


def add_to_list_panel() -> dict[str, Any] | None:
    """What templates/lists/_add_to_list.html needs, once per request; None when this visitor cannot build lists."""
    if "lists_add_panel" not in g:
        user = current_user()
        panel = None
        if can_build_lists(user):
            session = get_session()
            mine = list(session.scalars(select(ReadingList).where(ReadingList.owner_id == user.id)
                                        .order_by(ReadingList.updated_at.desc(), ReadingList.id.desc())))
            on_lists: dict[int, list[str]] = {}
            if mine:
                titles = {rl.id: rl.title for rl in mine}
                rows = session.execute(select(ReadingListItem.record_id, ReadingListItem.list_id).where(
                    ReadingListItem.list_id.in_(list(titles)), ReadingListItem.record_id.is_not(None)))
                for record_id, list_id in rows:
                    on_lists.setdefault(record_id, []).append(titles[list_id])
            panel = {"action": url_for("lists.add"), "lists": [(rl.id, rl.title) for rl in mine],
                     "on_lists": on_lists, "csrf_token": generate_csrf(), "next": request.full_path.rstrip("?")}
        g.lists_add_panel = panel
    return g.lists_add_panel
