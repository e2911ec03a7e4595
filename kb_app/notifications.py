"""Review notifications: partners hear when their submission is published, rejected or sent back, editors when one arrives.

The mails are composed when the action is applied (in each recipient's interface language) and sent only
once the transaction commits, so an action that is rolled back mails nobody.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .i18n import DEFAULT_UI_LANG, resolve_ui_lang
from .mail import send_mail
from .models import Record, User

log = logging.getLogger(__name__)
OUTBOX = "kb_outbox"
EDITOR_ROLES = ("editor",)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _compose(record: Record, action: str, comment: str | None, lang: str) -> tuple[str, str] | None:
    """(subject, body) of the mail about this action, in this language; None for actions nobody hears of."""
    with force_locale(lang):
        title = record.title
        if action == "submitted":
            organisation = record.organisation.name if record.organisation else _("A partner")
            return (_("New submission to review: %(title)s", title=title),
                    _("%(organisation)s sent “%(title)s” for review.", organisation=organisation, title=title)
                    + "\n\n" + url_for("review.show", record_id=record.id, _external=True))
        if action == "published":
            return (_("Published: %(title)s", title=title),
                    _("Your practice “%(title)s” is published in the knowledge base.", title=title)
                    + "\n\n" + url_for("records.show", record_id=record.id, _external=True))
        reason = ("\n\n" + _("The editor's comment:") + "\n" + comment) if comment else ""
        link = "\n\n" + url_for("submit.show", record_id=record.id, _external=True)
        if action in ("changes_requested", "unpublished"):
            return (_("Changes requested: %(title)s", title=title),
                    _("An editor sent “%(title)s” back to you for changes.", title=title) + reason + link)
        if action == "rejected":
            return (_("Not accepted: %(title)s", title=title),
                    _("An editor decided not to publish “%(title)s”.", title=title) + reason + link)
    return None


def _recipients(session: Session, record: Record, action: str) -> list[User]:
    if action == "submitted":
        return list(session.scalars(select(User).where(User.role.in_(EDITOR_ROLES), User.active.is_(True))))
    if record.organisation_id is None:
        return []
    return list(session.scalars(select(User).where(User.role == "partner", User.active.is_(True),
                                                   User.organisation_id == record.organisation_id)))


def queue_for_action(session: Session, record: Record, action: str, actor: User | None,
                     comment: str | None = None) -> None:
    """Compose the mails this workflow action causes; they go out when the session commits."""
    if not has_request_context():
        return  # links need the request's address; actions outside a request (imports) mail nobody
    if actor is not None:
        actor.ui_lang = resolve_ui_lang()  # the language a person last worked in is the one they are written to
    mails = session.info.setdefault(OUTBOX, [])
    for user in _recipients(session, record, action):
        if actor is not None and user.id == actor.id:
            continue
        composed = _compose(record, action, comment, user.ui_lang or DEFAULT_UI_LANG)
        if composed is not None:
            mails.append(Mail(user.email, *composed))


def init_app(app: Flask) -> None:
    """Send the queued mails after each commit of this app's sessions; drop them on rollback."""
    factory = app.extensions["kb_sessions"]

    def _send(session: Session) -> None:
        for mail in session.info.pop(OUTBOX, []):
            send_mail(app.config, mail.to, mail.subject, mail.body)

    def _drop(session: Session) -> None:
        session.info.pop(OUTBOX, None)

    event.listen(factory, "after_commit", _send)
    event.listen(factory, "after_soft_rollback", lambda session, _transaction: _drop(session))
