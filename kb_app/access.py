"""Who is asking: the signed-in user (browser session) or the owner of an API token, and role checks."""
from __future__ import annotations

import functools
from typing import Any, Callable

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .api_tokens import hash_token
from .db import get_session
from .models import ApiToken, User, utcnow
from .sessions import end_session, open_session, session_user

ROLE_RANK = {"learner": 0, "trainer": 1, "partner": 1, "editor": 2, "admin": 3}


def _user_from_token() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    db = get_session()
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or not row.user.active:
        abort(401, description=_("The API token is not valid."))
    now = utcnow()
    # One write a minute per token is enough to show "last used"; one per API call would be wasteful.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        db.commit()
    g.auth_via_token = True
    return row.user


def _user_from_session() -> User | None:
    key = session.get("sid")
    if not isinstance(key, str):
        return None
    user = session_user(get_session(), key, current_app.permanent_session_lifetime)
    if user is None:  # signed out elsewhere, expired, or the account was deactivated
        _clear_session()
    return user


def current_user() -> User | None:
    """The user behind this request (cached per request): API token first, then the browser session."""
    if "current_user" not in g:
        g.current_user = _user_from_token() or _user_from_session()
    return g.current_user


# Session keys that outlive signing in and out: the visitor's choice of interface language.
KEPT_ON_SIGN_IN = ("ui_lang",)


def _clear_session() -> None:
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def sign_in(user: User) -> None:
    # A fresh session (no keys from before) so a planted session cannot be carried into the signed-in one.
    _clear_session()
    session.permanent = True
    session["sid"] = open_session(get_session(), user, current_app.permanent_session_lifetime,
                                  request.user_agent.string)
    g.current_user = user


def current_session_key() -> str | None:
    """The key of this browser's sign-in session (to keep it when ending the account's other sessions)."""
    key = session.get("sid")
    return key if isinstance(key, str) else None


def sign_out() -> None:
    """End this browser's session on the server, so a copy of the cookie no longer opens it."""
    key = current_session_key()
    if key:
        end_session(get_session(), key)
    _clear_session()
    g.pop("current_user", None)


def has_role(user: User | None, *roles: str) -> bool:
    return user is not None and (user.role in roles or user.role == "admin")


# Who may write practices and resources (admins always); the menu offers "Submit" only to them and to visitors.
SUBMITTER_ROLES = ("partner", "editor")


def may_submit(user: User | None) -> bool:
    return has_role(user, *SUBMITTER_ROLES)


def landing_endpoint(user: User) -> str:
    """Where a sign-in without a `next` address lands: learners on their learning page, others on their account."""
    return "learning.mine" if user.role == "learner" else "auth.account"


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send anonymous browsers to the sign-in page (API clients get 401)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.path.startswith("/api/"):
                abort(401, description=_("Sign in or send an API token."))
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow only these roles (admins always); others get 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user(), *roles):
                abort(403)  # the 403 explanation says it in the interface language
            return view(*args, **kwargs)

        return wrapped

    return decorator
