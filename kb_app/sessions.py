"""Server-side sign-in sessions: the cookie holds a random key, the database the session, and signing out ends it.

A signed cookie alone cannot be taken back: a copy keeps working until it expires. Here the cookie only
names a row; deleting the row (sign-out, a new password, deactivation, an administrator's reset) ends
that browser's session on every server at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import SignInSession, User, utcnow

TOUCH_EVERY = timedelta(minutes=5)  # how stale "last seen" may get: one write per browser per five minutes


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(db: Session, user: User, lifetime: timedelta, user_agent: str = "") -> str:
    """Store a new session for `user` and return its key (for the cookie; only its digest is stored); commits."""
    key = secrets.token_urlsafe(32)
    db.execute(delete(SignInSession).where(SignInSession.last_seen_at < utcnow() - lifetime))
    db.add(SignInSession(key_hash=_digest(key), user_id=user.id, user_agent=(user_agent or "")[:200]))
    db.commit()
    return key


def session_user(db: Session, key: str, lifetime: timedelta) -> User | None:
    """The active account whose session this key opens, or None when it was ended or has expired."""
    row = db.scalar(select(SignInSession).where(SignInSession.key_hash == _digest(key)))
    if row is None:
        return None
    now = utcnow()
    if row.created_at + lifetime < now or not row.user.active:
        db.delete(row)
        db.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    return row.user


def end_session(db: Session, key: str) -> None:
    """Sign this one browser out; commits."""
    db.execute(delete(SignInSession).where(SignInSession.key_hash == _digest(key)))
    db.commit()


def end_sessions(db: Session, user: User, keep: str | None = None) -> int:
    """End every session of `user` (but the one whose key is `keep`); returns how many ended. The caller commits."""
    query = delete(SignInSession).where(SignInSession.user_id == user.id)
    if keep:
        query = query.where(SignInSession.key_hash != _digest(keep))
    return db.execute(query).rowcount or 0


def other_sessions(db: Session, user: User, current: str | None) -> list[SignInSession]:
    """The account's sessions in other browsers, most recently seen first (for the account page)."""
    query = select(SignInSession).where(SignInSession.user_id == user.id)
    if current:
        query = query.where(SignInSession.key_hash != _digest(current))
    return list(db.scalars(query.order_by(SignInSession.last_seen_at.desc())))
