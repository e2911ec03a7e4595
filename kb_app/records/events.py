"""The events pages: upcoming and past events with filters, and each event (or the upcoming ones) as an .ics file."""
from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from ..api_errors import ApiError
from ..countries import COUNTRY_CODES
from ..db import get_session
from ..discovery import date_range, record_card
from ..event_calendar import calendar_for, list_events, local_times
from ..models import Record
from . import bp

ICS_TYPE = "text/calendar; charset=utf-8"


def _country_arg() -> str | None:
    raw = (request.args.get("country") or "").strip().upper()
    if raw and raw not in COUNTRY_CODES:
        raise ApiError(400, "invalid_parameter", _("Unknown country code."))
    return raw or None


def _event_url(event: Record) -> str:
    return url_for("records.show", record_id=event.id, _external=True)


def _card(event: Record) -> dict:
    card = record_card(event)
    card.update(event_type=event.event_type, starts_at=event.starts_at, ends_at=event.ends_at,
                timezone=event.timezone, venue=event.venue,
                ics_url=url_for("records.event_ics", record_id=event.id))
    return card


@bp.get("/events")
def events() -> str:
    """Upcoming events (soonest first) and past ones (latest first), by country and dates."""
    session = get_session()
    start, end = date_range(request.args)
    filters = {"country": _country_arg(), "start": start, "end": end}
    upcoming = [_card(e) for e in list_events(session, upcoming=True, **filters)]
    past = [_card(e) for e in list_events(session, upcoming=False, **filters)]
    countries = sorted({c for c in COUNTRY_CODES if len(c) == 2})
    return render_template("records/events.html", upcoming=upcoming, past=past, filters=filters,
                           countries=countries, feed_url=url_for("records.events_ics"))


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/events/<int:record_id>.ics")
def event_ics(record_id: int) -> Response:
    """One published event as an iCalendar file; 404 for anything else (a draft, a practice, no time set)."""
    event = get_session().get(Record, record_id)
    if event is None or event.kind != "event" or not event.is_published or local_times(event) is None:
        raise ApiError(404, "not_found", _("There is no published event with id %(id)s.", id=record_id))
    return _ics(calendar_for([event], _event_url, event.title), f"{event.external_id or event.id}.ics")


@bp.get("/events.ics")
def events_ics() -> Response:
    """The upcoming published events as one calendar a calendar application can subscribe to."""
    events = list_events(get_session(), upcoming=True)
    return _ics(calendar_for(events, _event_url, _("M.I.C.R.O. events")), "micro-events.ics")
