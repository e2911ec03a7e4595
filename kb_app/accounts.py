"""Accounts: creating users with hashed passwords and checking credentials."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .catalogue import find_organisation
from .models import ROLES, User

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s]{2,}$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    """Why an account could not be created or changed, in one line."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(session: Session, *, email: str, password: str, role: str, name: str = "",
                organisation: str | None = None) -> User:
    """Create and commit an account; raise AccountError with the reason when the input is not acceptable."""
    email = email.strip()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    validate_password(password)
    if find_user(session, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    org = None
    if organisation:
        org = find_organisation(session, organisation)
        if org is None:
            raise AccountError(f"no organisation {organisation!r}")
    elif role == "partner":
        raise AccountError("a partner account needs --organisation")
    user = User(email=email, name=name.strip(), role=role, organisation=org, password_hash=hash_password(password))
    session.add(user)
    session.commit()
    return user
