"""Events in time: upcoming and past published events, where a record was presented, and iCalendar files."""
from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import EventDetails, Record

PRODUCT_ID = "-//M.I.C.R.O. knowledge base//events//EN"
UID_DOMAIN = "micro-kb"


def _published_events(session: Session):  # noqa: ANN202 - a select() of Record
    return (select(Record).join(EventDetails, EventDetails.record_id == Record.id)
            .where(Record.kind == "event", Record.status == "published")
            .options(selectinload(Record.organisation), selectinload(Record.themes)))


def list_events(session: Session, *, upcoming: bool, today: date | None = None, country: str | None = None,
                start: date | None = None, end: date | None = None, limit: int = 200) -> list[Record]:
    """Published events that end today or later (upcoming, soonest first) or ended before today (past, latest first)."""
    today = today or datetime.now(timezone.utc).date()
    day = today.isoformat()
    query = _published_events(session)
    ends = EventDetails.ends_at
    query = query.where(ends >= day) if upcoming else query.where(ends < day)
    if country:
        query = query.where(Record.country == country)
    if start:
        query = query.where(EventDetails.ends_at >= start.isoformat())
    if end:
        query = query.where(EventDetails.starts_at < (end + timedelta(days=1)).isoformat())
    order = EventDetails.starts_at.asc() if upcoming else EventDetails.starts_at.desc()
    return list(session.scalars(query.order_by(order, Record.id).limit(limit)))


def presented_at(session: Session, record: Record) -> list[Record]:
    """The published events whose materials include this record (by its external id), latest first."""
    if not record.external_id or record.kind == "event":
        return []
    events = session.scalars(_published_events(session).order_by(EventDetails.starts_at.desc()))
    return [event for event in events if record.external_id in (event.materials or [])]


def materials_of(session: Session, event: Record) -> list[Record]:
    """The published records an event's materials name, in the event's order (unknown or withdrawn ones left out)."""
    ids = list(event.materials or [])
    if not ids:
        return []
    found = {r.external_id: r for r in session.scalars(
        select(Record).where(Record.external_id.in_(ids), Record.status == "published"))}
    return [found[i] for i in ids if i in found]


def local_times(event: Record) -> tuple[datetime, datetime] | None:
    """Start and end as aware datetimes in the event's time zone; None when the event lacks them."""
    if not (event.starts_at and event.timezone):
        return None
    try:
        zone = zoneinfo.ZoneInfo(event.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    start = datetime.fromisoformat(event.starts_at).replace(tzinfo=zone)
    end = datetime.fromisoformat(event.ends_at).replace(tzinfo=zone) if event.ends_at else start + timedelta(hours=1)
    return start, end


def calendar_for(events: Iterable[Record], url_of: Callable[[Record], str], name: str) -> bytes:
    """An iCalendar file with one VEVENT per event that has a time (and the VTIMEZONEs they use)."""
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(timezone.utc)
    for event in events:
        times = local_times(event)
        if times is None:
            continue
        item = CalendarEvent()
        item.add("uid", f"{event.external_id or event.id}@{UID_DOMAIN}")
        item.add("dtstamp", stamp)
        item.add("dtstart", times[0])
        item.add("dtend", times[1])
        item.add("summary", event.title)
        if event.summary:
            item.add("description", event.summary)
        place = ", ".join(p for p in (event.venue, event.city, event.country) if p)
        if place:
            item.add("location", place)
        item.add("url", url_of(event))
        if event.published_at:
            item.add("last-modified", event.updated_at.replace(tzinfo=timezone.utc))
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()
