"""Slowing down password guessing: failed sign-ins counted per account and client address in the database."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import LoginAttempt, utcnow

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Throttle:
    """How many failures one key may have within WINDOW before further attempts are refused."""

    limit: int
    window: timedelta = WINDOW


def attempt_key(email: str, address: str | None) -> str:
    """One key per account and client address, so one guesser cannot lock an account out for everyone."""
    return f"{email.strip().lower()[:254]}|{address or '-'}"


def failures(session: Session, key: str, throttle: Throttle) -> int:
    since = utcnow() - throttle.window
    return session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
    ) or 0


def is_blocked(session: Session, key: str, throttle: Throttle) -> bool:
    return failures(session, key, throttle) >= throttle.limit


def retry_after_seconds(session: Session, key: str, throttle: Throttle) -> int:
    """Seconds until the oldest failure in the window expires and one more attempt is allowed."""
    since = utcnow() - throttle.window
    oldest = session.scalar(
        select(func.min(LoginAttempt.created_at)).where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
    )
    if oldest is None:
        return 0
    return max(1, math.ceil((oldest + throttle.window - utcnow()).total_seconds()))


def record_failure(session: Session, key: str, throttle: Throttle) -> None:
    """Log one failure and forget the ones older than the window (the table stays small); commits."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - throttle.window))
    session.add(LoginAttempt(key=key, created_at=utcnow()))
    session.commit()


def clear_failures(session: Session, key: str) -> None:
    """A successful sign-in starts the count afresh for this account and address; commits."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
    session.commit()
