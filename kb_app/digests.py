"""Saved searches and their e-mail digests: what `kb notify` sends, once per record and subscription.

A digest lists the records published since the search was saved that match it and that no earlier
digest of the same subscription carried (digest_deliveries remembers them), so running `kb notify`
twice, or from several servers' timers, never sends a record twice to the same subscription.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import MultiDict

from .discovery import SearchParams, parse_search_params
from .following import describe, newest_matches, search_args
from .i18n import language_name
from .mail import send_mail
from .models import DigestDelivery, Record, SavedSearch, User, utcnow

# How long after a digest the next one is due; a little under the period, so a timer at a fixed hour keeps up.
FREQUENCIES: dict[str, timedelta] = {"daily": timedelta(hours=23), "weekly": timedelta(days=6, hours=23)}
DIGEST_SIZE = 50
MAX_SAVED_PER_USER = 50


def search_params(args: dict[str, Any], ui_lang: str | None = None) -> SearchParams:
    """The saved arguments read back as a search (they were checked when saved)."""
    return parse_search_params(MultiDict(args), strict=True, ui_lang=ui_lang)


def save_search(session: Session, user: User, raw_args: MultiDict[str, str], frequency: str, ui_lang: str) -> SavedSearch:
    """Check a search's arguments as the search does (a 400 naming a bad one) and keep it for digests.

    Arguments the search does not take (those of the page around it) are left out, as the results page ignores them.
    """
    params = parse_search_params(raw_args, strict=False, ui_lang=ui_lang)
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    args = {name: value for name, value in search_args(params).items()}
    saved = SavedSearch(user=user, args=args, frequency=frequency, ui_lang=ui_lang, created_at=utcnow())
    session.add(saved)
    return saved


def saved_searches_of(session: Session, user: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)))


def is_due(saved: SavedSearch, now: datetime) -> bool:
    return saved.last_sent_at is None or now - saved.last_sent_at >= FREQUENCIES.get(saved.frequency, FREQUENCIES["weekly"])


@dataclass
class NotifyReport:
    """What one `kb notify` run did."""

    due: int = 0
    digests: int = 0
    records: int = 0
    failed: list[str] = field(default_factory=list)


def _digest(session: Session, saved: SavedSearch, records: list[Record]) -> tuple[str, str]:
    with force_locale(saved.ui_lang):
        described = describe(session, search_params(saved.args, saved.ui_lang), saved.ui_lang) or _("every new record")
        subject = _("New in the M.I.C.R.O. knowledge base: %(search)s", search=described)
        lines = [_("New records for your saved search %(search)s:", search=described), ""]
        for record in records:
            facts = [language_name(record.lang, saved.ui_lang)]
            if record.organisation is not None:
                facts.append(record.organisation.name)
            lines += [f"- {record.title} ({', '.join(facts)})", f"  {url_for('records.show', record_id=record.id, _external=True)}"]
        lines += ["", _("See the whole search: %(url)s", url=url_for("search.results", **saved.args, _external=True)),
                  _("Change or stop this alert: %(url)s", url=url_for("alerts.index", _external=True))]
    return subject, "\n".join(lines) + "\n"


def run_digests(app: Flask, session: Session, *, now: datetime | None = None) -> NotifyReport:
    """Send every due digest with the records it has not sent yet; commit after each one."""
    now = now or utcnow()
    report = NotifyReport()
    subscriptions = list(session.scalars(
        select(SavedSearch).options(selectinload(SavedSearch.user)).order_by(SavedSearch.id)))
    for saved in subscriptions:
        if not saved.user.active or not is_due(saved, now):
            continue
        report.due += 1
        sent = set(session.scalars(select(DigestDelivery.record_id).where(DigestDelivery.saved_search_id == saved.id)))
        params = search_params(saved.args, saved.ui_lang)
        fresh = [r for r in newest_matches(session, params, limit=DIGEST_SIZE + len(sent), published_after=saved.created_at)
                 if r.id not in sent][:DIGEST_SIZE]
        if not fresh:
            continue
        subject, body = _digest(session, saved, fresh)
        # Recorded and committed before the mail goes: a crash between the two loses a digest rather than
        # repeating one, and a second `kb notify` running at the same time fails on the deliveries' key.
        session.add_all(DigestDelivery(saved_search_id=saved.id, record_id=r.id, sent_at=now) for r in fresh)
        previous, saved.last_sent_at = saved.last_sent_at, now
        session.commit()
        if not send_mail(app.config, saved.user.email, subject, body):
            session.execute(delete(DigestDelivery).where(DigestDelivery.saved_search_id == saved.id,
                                                         DigestDelivery.sent_at == now))
            saved.last_sent_at = previous
            session.commit()
            report.failed.append(saved.user.email)
            continue
        report.digests += 1
        report.records += len(fresh)
    return report
