"""Reading the fields only events have: dates with a time zone, lists of codes and names, the programme, materials."""
from __future__ import annotations

import functools
import json
import re
import zoneinfo
from datetime import datetime
from typing import Any

from .kinds import DATETIME_FIELDS, LANGUAGES, LINES_LIMITS, MULTI_CHOICE_FIELDS

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,119}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$")
MAX_SESSIONS = 200
MAX_MATERIALS = 100
SESSION_TITLE_LIMIT = 300
SPEAKERS_LIMIT = 500


@functools.lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def parse_local(value: Any) -> str | None:
    """A wall-clock date and time as YYYY-MM-DDTHH:MM (a space for the T is fine), or None when it is not one."""
    match = _DATETIME.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        return None
    text = f"{match[1]}T{match[2]}"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


def _as_list(value: Any, separators: str) -> list[Any] | None:
    """A list as given, or split from text (what a form or a CSV cell sends); None for anything else."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(separators, value) if part.strip()]
    return value if isinstance(value, list) else None


def local_time_text(value: str) -> str:
    """A stored wall-clock time (2027-02-18T09:30) as a person types it (2027-02-18 09:30)."""
    return str(value).replace("T", " ", 1)


def session_line(session: dict[str, Any]) -> str:
    """A session as one line of the form, `start – end | title | speakers | language` (what `_session` reads),
    an end on the day of the start written as its time only."""
    start, end = local_time_text(session.get("start") or ""), local_time_text(session.get("end") or "")
    when = f"{start} – {end[11:] if end[:10] == start[:10] else end}" if end else start
    return " | ".join((when, *(str(session.get(k) or "") for k in ("title", "speakers", "lang")))).rstrip(" |")


_SESSION_END = re.compile(r"\s+[–-]\s+")  # spaced, so the hyphens of a date are not taken for it


def _line_session(line: str) -> dict[str, str]:
    """The fields of a line `start[ – end] | title | speakers | language`; an end of HH:MM is on the start's day."""
    parts = [p.strip() for p in line.split("|")]
    raw = {k: v for k, v in zip(("start", "title", "speakers", "lang"), parts) if v}
    when = _SESSION_END.split(raw.get("start", ""), maxsplit=1)
    if len(when) == 2:
        start, end = when
        raw["start"] = start
        raw["end"] = f"{start[:10]} {end}" if re.fullmatch(r"\d{1,2}:\d{2}", end) else end
    return raw


def _session(number: int, raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """One programme session from an object, or from a line `start[ – end] | title | speakers | language`."""
    if isinstance(raw, str):
        raw = _line_session(raw)
    if not isinstance(raw, dict):
        return None, f"session {number} must be an object with start and title"
    unknown = set(raw) - {"start", "end", "title", "speakers", "lang"}
    if unknown:
        return None, f"session {number} has unknown field {sorted(unknown)[0][:40]!r}"
    session: dict[str, Any] = {}
    for key in ("start", "end"):
        if raw.get(key) not in (None, ""):
            parsed = parse_local(raw[key])
            if parsed is None:
                return None, f"session {number}: {key} must be a date and time as YYYY-MM-DD HH:MM"
            session[key] = parsed
    if "start" not in session:
        return None, f"session {number}: start is required"
    if session.get("end", session["start"]) < session["start"]:
        return None, f"session {number} ends before it starts"
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        return None, f"session {number}: title is required"
    if len(title.strip()) > SESSION_TITLE_LIMIT:
        return None, f"session {number}: title is longer than {SESSION_TITLE_LIMIT} characters"
    session["title"] = title.strip()
    speakers = raw.get("speakers")
    if speakers not in (None, ""):
        if not isinstance(speakers, str) or len(speakers) > SPEAKERS_LIMIT:
            return None, f"session {number}: speakers must be text of at most {SPEAKERS_LIMIT} characters"
        session["speakers"] = speakers.strip()
    lang = raw.get("lang")
    if lang not in (None, ""):
        if lang not in LANGUAGES:
            return None, f"session {number}: unknown language code {str(lang)[:20]!r}"
        session["lang"] = lang
    if "end" in session and session["end"] < session["start"]:
        return None, f"session {number}: end is before start"
    return session, None


def check_event_fields(raw: dict[str, Any], out: dict[str, Any]) -> list[tuple[str, str]]:
    """Read the event fields of raw into out; the (field, message) of everything wrong."""
    problems: list[tuple[str, str]] = []
    for field in DATETIME_FIELDS:
        if raw.get(field) not in (None, ""):
            parsed = parse_local(raw[field])
            if parsed is None:
                problems.append((field, "must be a date and time as YYYY-MM-DD HH:MM"))
            else:
                out[field] = parsed
    if out.get("starts_at") and out.get("ends_at") and out["ends_at"] < out["starts_at"]:
        problems.append(("ends_at", "is before starts_at"))

    zone = raw.get("timezone")
    if zone not in (None, ""):
        if not isinstance(zone, str) or zone.strip() not in time_zones():
            problems.append(("timezone", f"unknown time zone {str(zone)[:60]!r} (use a name such as Europe/Rome)"))
        else:
            out["timezone"] = zone.strip()

    for field, allowed in MULTI_CHOICE_FIELDS.items():
        if raw.get(field) in (None, "", []):
            continue
        values = _as_list(raw[field], r"[;,\s]+")
        if values is None or not all(isinstance(v, str) for v in values):
            problems.append((field, "must be a list of codes"))
            continue
        unknown = [v for v in values if v not in allowed]
        if unknown:
            problems.append((field, f"unknown value {unknown[0][:40]!r} (one of {', '.join(allowed)})"))
        elif values:
            out[field] = list(dict.fromkeys(values))

    for field, limit in LINES_LIMITS.items():
        if raw.get(field) in (None, "", []):
            continue
        names = _as_list(raw[field], r"[\n;]+")
        if names is None or not all(isinstance(n, str) for n in names):
            problems.append((field, "must be a list of names"))
        elif any(len(n.strip()) > limit for n in names):
            problems.append((field, f"has a name longer than {limit} characters"))
        elif names:
            out[field] = [n.strip() for n in names if n.strip()]

    programme = raw.get("programme")
    if programme not in (None, "", []):
        if isinstance(programme, str) and programme.lstrip().startswith("["):
            try:  # a CSV cell carries the programme as its JSON text
                programme = json.loads(programme)
            except ValueError:
                pass
        lines = _as_list(programme, r"\n+") if isinstance(programme, str) else programme
        if not isinstance(lines, list):
            problems.append(("programme", "must be a list of sessions"))
        elif len(lines) > MAX_SESSIONS:
            problems.append(("programme", f"has more than {MAX_SESSIONS} sessions"))
        else:
            sessions = []
            for number, item in enumerate(lines, start=1):
                session, problem = _session(number, item)
                if problem:
                    problems.append(("programme", problem))
                    break
                sessions.append(session)
            else:
                first_day = (out.get("starts_at") or "")[:10]
                last_day = (out.get("ends_at") or out.get("starts_at") or "")[:10]
                for number, session in enumerate(sessions, start=1):
                    day = session["start"][:10]
                    if first_day and not first_day <= day <= last_day:
                        problems.append(("programme", f"session {number} is outside the event's dates"))
                        break
                    if number > 1 and session["start"] < sessions[number - 2]["start"]:
                        problems.append(("programme", f"session {number} starts before the session above it"))
                        break
                else:
                    out["programme"] = sessions

    materials = raw.get("materials")
    if materials not in (None, "", []):
        ids = _as_list(materials, r"[\s,;]+")
        if ids is None or not all(isinstance(i, str) and EXTERNAL_ID.match(i) for i in ids):
            problems.append(("materials", "must be a list of record references (external ids)"))
        elif len(ids) > MAX_MATERIALS:
            problems.append(("materials", f"has more than {MAX_MATERIALS} references"))
        elif ids:
            out["materials"] = list(dict.fromkeys(ids))
    return problems
