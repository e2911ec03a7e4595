"""Cohorts: a trainer's group of learners on one path, the invitation links that sign learners up, and the progress table."""
from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .accounts import AccountError, EMAIL, find_user, hash_password, validate_password
from .csv_safety import CsvWriter
from .models import Cohort, CurriculumPath, Invitation, Organisation, User, utcnow
from .progress import PathProgress, enrol, path_progress
from .self_checks import best_attempts

NAME_MAX = 200
INVITATION_TOKEN_BYTES = 24


class CohortError(ValueError):
    """A cohort or invitation request that cannot be done (not yours, expired, used...), in one line."""


class InvitationInvalid(CohortError):
    """The invitation link is unknown, expired or used; `reason` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def hash_invitation(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def can_run_cohorts(user: User | None) -> bool:
    return user is not None and user.role in ("trainer", "admin")


def cohorts_of(session: Session, user: User) -> list[Cohort]:
    """The cohorts a trainer runs (an administrator sees every cohort)."""
    query = select(Cohort).order_by(Cohort.created_at.desc(), Cohort.id.desc())
    if user.role != "admin":
        query = query.where(Cohort.trainer_id == user.id)
    return list(session.scalars(query))


def cohort_for(session: Session, user: User, cohort_id: int) -> Cohort:
    """The cohort if this person runs it (or is an administrator); CohortError otherwise, saying nothing of others."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not can_run_cohorts(user) or (user.role != "admin" and cohort.trainer_id != user.id):
        raise CohortError(f"you have no cohort {cohort_id}")
    return cohort


def create_cohort(session: Session, trainer: User, name: str, path: CurriculumPath, organisation: Organisation) -> Cohort:
    name = " ".join(name.split())
    if not name:
        raise CohortError("give the cohort a name")
    if len(name) > NAME_MAX:
        raise CohortError(f"the name is {len(name)} characters long; the limit is {NAME_MAX}")
    cohort = Cohort(name=name, trainer_id=trainer.id, path_id=path.id, organisation_id=organisation.id)
    session.add(cohort)
    session.commit()
    return cohort


def create_invitation(session: Session, cohort: Cohort, creator: User, days: float) -> tuple[Invitation, str]:
    """A new single-use invitation into the cohort, valid for `days`, with its token: the only time it is in clear."""
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    invitation = Invitation(token_hash=hash_invitation(token), cohort_id=cohort.id, created_by_id=creator.id,
                            expires_at=utcnow() + timedelta(days=days))
    session.add(invitation)
    session.commit()
    return invitation, token


def open_invitation(session: Session, token: str) -> Invitation:
    """The invitation behind a link, if it can still be used; InvitationInvalid says why not."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == hash_invitation(token)))
    if invitation is None:
        raise InvitationInvalid("unknown", "this invitation link is not valid")
    if invitation.used_at is not None:
        raise InvitationInvalid("used", "this invitation link has been used already")
    if invitation.expires_at <= utcnow():
        raise InvitationInvalid("expired", "this invitation link has expired")
    return invitation


def sign_up(session: Session, token: str, *, name: str, email: str, password: str, ui_lang: str | None) -> User:
    """Create a learner through an invitation: into the cohort's organisation, the cohort and its path. The
    invitation is taken in the same transaction, so two sign-ups racing on one link cannot both succeed."""
    invitation = open_invitation(session, token)
    email = email.strip()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    validate_password(password)
    if find_user(session, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    cohort = invitation.cohort
    user = User(email=email, name=" ".join(name.split()), role="learner", organisation_id=cohort.organisation_id,
                password_hash=hash_password(password), ui_lang=ui_lang)
    session.add(user)
    session.flush()
    taken = session.execute(update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
                            .values(used_at=utcnow(), used_by_id=user.id))
    if taken.rowcount != 1:
        session.rollback()
        raise InvitationInvalid("used", "this invitation link has been used already")
    cohort.members.append(user)
    enrol(session, user, cohort.path)
    session.commit()
    return user


@dataclass
class CohortTable:
    """The progress table of a cohort: one row per learner, one cell per module."""

    cohort: Cohort
    rows: list[PathProgress]


def cohort_table(session: Session, cohort: Cohort) -> CohortTable:
    members = list(cohort.members)
    best = best_attempts(session, [m.id for m in members])
    return CohortTable(cohort=cohort, rows=[path_progress(session, m, cohort.path, best) for m in members])


def cohort_data(table: CohortTable, lang: str) -> dict[str, Any]:
    """The cohort and its progress table as JSON-ready data (the API and the CSV export)."""
    from .progress import progress_data

    cohort = table.cohort
    return {
        "id": cohort.id,
        "name": cohort.name,
        "path": cohort.path.slug,
        "organisation": cohort.organisation.slug,
        "modules": [{"module": m.slug, "title": m.title(lang)} for m in cohort.path.modules],
        "learners": [{"name": row.user.name, "email": row.user.email, "progress": progress_data(row, lang)}
                     for row in table.rows],
    }


def cohort_csv(table: CohortTable, lang: str, state_label: Any) -> str:
    """The progress table as CSV: a learner per row; per module its state and self-check score (formula-guarded)."""
    modules = table.cohort.path.modules
    columns = ["learner", "email", "resources_done", "resources_total"]
    for module in modules:
        columns += [module.slug, f"{module.slug} self-check"]
    buffer = io.StringIO()
    writer = CsvWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in table.rows:
        line: dict[str, Any] = {"learner": row.user.name, "email": row.user.email,
                                "resources_done": row.resources_done, "resources_total": row.resources_total}
        for item in row.modules:
            line[item.module.slug] = state_label(item.state)
            line[f"{item.module.slug} self-check"] = (f"{item.best.score}/{item.best.total}" if item.best else "")
        writer.writerow(line)
    return buffer.getvalue()
