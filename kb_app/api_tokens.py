"""API tokens: created by a user, shown once, stored only as a SHA-256 digest, revocable."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import ApiToken, User

TOKEN_PREFIX = "kb_"
MAX_TOKENS_PER_USER = 20
MAX_NAME = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenError(ValueError):
    """Why a token could not be created, in one line."""


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Store a new token for `user` and return it with its secret: the only time the secret exists in clear."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("give the token a name, so that you can recognise it later")
    if len(name) > MAX_NAME:
        raise TokenError(f"the name is {len(name)} characters long; the limit is {MAX_NAME}")
    count = count_tokens(session, user)
    if count >= MAX_TOKENS_PER_USER:
        raise TokenError(f"you have {count} tokens already; revoke one you no longer use first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret))
    session.add(token)
    session.commit()
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; False when the user has no token with that id."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return False
    session.delete(token)
    session.commit()
    return True


def revoke_all(session: Session, user: User) -> int:
    """Delete every token of `user` (a new password, an administrator's reset); returns how many. The caller commits."""
    return session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0


def count_tokens(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) or 0
