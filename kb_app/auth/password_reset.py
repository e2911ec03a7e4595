"""Password-reset links: signed, expiring tokens tied to the account's security stamp, sent by mail or logged."""
from __future__ import annotations

import logging

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..mail import send_mail
from ..models import User

log = logging.getLogger(__name__)
SALT = "kb-password-reset"
VALID_SECONDS = 2 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    # The stamp changes with every new password, so a link works once and dies with the old password.
    return _serializer().dumps({"u": user.id, "s": user.security_stamp})


def user_for_token(session: Session, token: str, max_age: int = VALID_SECONDS) -> User | None:
    """The active account a token was made for, if it is genuine, fresh, and the password is unchanged since."""
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user = session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active or payload.get("s") != user.security_stamp:
        return None
    return user


def send_reset_link(user: User, link: str, subject: str, text: str) -> bool:
    """Mail the link, or without KB_MAIL_SERVER write it to the log (the documented no-mail behaviour).

    True when the link was sent or logged.
    """
    server = str(current_app.config.get("KB_MAIL_SERVER") or "").strip()
    if not server:
        log.warning("KB_MAIL_SERVER is empty, so the password reset link for %s is written here: %s", user.email, link)
        return True
    # The one mail sender (headers that keep non-ASCII subjects whole); a failure is logged without the body,
    # so the link, a secret once mail is configured, never reaches the log.
    return send_mail(current_app.config, user.email, subject, f"{text}\n\n{link}\n")
