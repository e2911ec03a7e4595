"""OAI-PMH 2.0: the six verbs over the catalogue, oai_dc records, sets per kind, language and theme, resumption tokens.

Every answer is an OAI-PMH document with HTTP 200, errors included (the protocol's own codes); nothing a
harvester sends can make it fail otherwise. Records that were published and no longer are reported as
deleted (a harvester must drop them); drafts that were never published are not in the repository at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from .kinds import KIND_NAMES, LANGUAGES, kind_of
from .licences import licence_of
from .models import Record, Theme
from .xmldoc import NOT_XML as _NOT_XML
from .xmldoc import document, serialise, sub

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

METADATA_FORMATS = {"oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS)}
# Arguments each verb takes besides `verb`: (required, optional); a resumption token excludes all others.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}
SET_GROUPS = ("kind", "lang", "theme")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TOKEN_SALT = "oai-resumption"


class OaiError(Exception):
    """A protocol error: its code is one of OAI-PMH's (badArgument, idDoesNotExist, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Repository:
    """What the protocol needs from the service: names, addresses and how to sign resumption tokens."""

    name: str
    base_url: str
    admin_email: str
    identifier_prefix: str  # "oai:<host>:" put before each record's external id
    secret: str
    page_size: int
    record_url: Any  # callable: external id -> the record's permanent link


def _utc(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(name: str, value: str, *, upper: bool) -> tuple[datetime, str]:
    """(the moment, its granularity); a day as `until` means the end of that day."""
    try:
        if _SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ"), "second"
        if _DAY.match(value):
            day = datetime.strptime(value, "%Y-%m-%d")
            return (day + timedelta(days=1) - timedelta(microseconds=1) if upper else day), "day"
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} must be a UTC date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


# -- which records are in the repository ------------------------------------------------------------------

def in_repository() -> ColumnElement[bool]:
    """Published records, and those published once and withdrawn since (reported as deleted)."""
    return or_(Record.status == "published", Record.published_at.is_not(None))


def set_condition(session: Session, spec: str | None) -> ColumnElement[bool]:
    if not spec:
        return true()
    group, _, value = spec.partition(":")
    if group not in SET_GROUPS or (value and ":" in value):
        raise OaiError("badArgument", f"unknown set {spec[:80]!r}")
    if not value:
        return true()  # every record has a kind, a language and (the set of) themes
    if group == "kind":
        return Record.kind == value if value in KIND_NAMES else false()
    if group == "lang":
        return Record.lang == value if value in LANGUAGES else false()
    return Record.themes.any(Theme.slug == value)


def _sets(session: Session) -> list[tuple[str, str]]:
    """(setSpec, setName) of every set, the three groups first."""
    out = [("kind", "Records by kind"), ("lang", "Records by language"), ("theme", "Records by theme")]
    out += [(f"kind:{name}", str(kind_of(name).label)) for name in KIND_NAMES]  # type: ignore[union-attr]
    out += [(f"lang:{code}", f"Records in {code}") for code in LANGUAGES]
    out += [(f"theme:{t.slug}", t.label("en")) for t in session.scalars(select(Theme).order_by(Theme.slug))]
    return out


# -- the document ---------------------------------------------------------------------------------------

def _sub(parent: Any, tag: str, text: Any = None, ns: str = OAI_NS, **attrs: str) -> Any:
    return sub(parent, f"{{{ns}}}{tag}", text, attrs)


def _envelope(repo: Repository, args: Mapping[str, str] | None) -> Any:
    root = document(f"{{{OAI_NS}}}OAI-PMH", {None: OAI_NS, "xsi": XSI_NS},
                    {f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} {OAI_SCHEMA}"})
    _sub(root, "responseDate", _utc(datetime.now(timezone.utc)))
    # After badVerb or badArgument the request element carries no attributes (the protocol's rule).
    _sub(root, "request", repo.base_url, **dict(args or {}))
    return root


def _serialise(root: Any) -> bytes:
    return serialise(root)


def _header(parent: Any, repo: Repository, record: Record) -> None:
    deleted = record.status != "published"
    header = _sub(parent, "header", **({"status": "deleted"} if deleted else {}))
    _sub(header, "identifier", repo.identifier_prefix + (record.external_id or str(record.id)))
    _sub(header, "datestamp", _utc(record.updated_at))
    _sub(header, "setSpec", f"kind:{record.kind}")
    _sub(header, "setSpec", f"lang:{record.lang}")
    for theme in record.themes:
        _sub(header, "setSpec", f"theme:{theme.slug}")


def _dublin_core(parent: Any, repo: Repository, record: Record) -> None:
    dc = sub(parent, f"{{{OAI_DC_NS}}}dc", attrs={f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}"},
             nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})

    def add(tag: str, value: Any) -> None:
        if value not in (None, ""):
            _sub(dc, tag, value, ns=DC_NS)

    add("title", record.title)
    if record.organisation is not None:
        add("creator", record.organisation.name)
        add("publisher", record.organisation.name)
    for theme in record.themes:
        add("subject", theme.label("en"))
    add("description", record.summary)
    add("date", str(record.year) if record.year else (record.published_at.date().isoformat() if record.published_at else None))
    add("type", "Text")
    add("type", str(kind_of(record.kind).label) if kind_of(record.kind) else record.kind)  # type: ignore[union-attr]
    add("format", "text/html")
    add("identifier", repo.record_url(record.external_id) if record.external_id else None)
    add("language", record.lang)
    if record.translation_of is not None and record.translation_of.external_id:
        add("relation", repo.record_url(record.translation_of.external_id))
    add("coverage", ", ".join(p for p in (record.city, record.country) if p))
    licence = licence_of(record.licence)
    add("rights", licence.url)


# -- verbs ------------------------------------------------------------------------------------------------

def _check_arguments(args: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    verbs = args.get("verb") or []
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "verb is missing, repeated or not one of " + ", ".join(VERBS))
    verb = verbs[0]
    required, optional = VERBS[verb]
    single: dict[str, str] = {}
    for name, values in args.items():
        if name == "verb":
            continue
        if name not in required | optional:
            raise OaiError("badArgument", f"{verb} takes no argument {_NOT_XML.sub('?', name[:40])!r}")
        if len(values) != 1:
            raise OaiError("badArgument", f"{name} is repeated")
        if _NOT_XML.search(values[0]) or len(values[0]) > 2000:
            raise OaiError("badArgument", f"{name} is not a value this protocol can carry")
        single[name] = values[0]
    if "resumptionToken" in single:
        if len(single) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, single
    missing = sorted(required - set(single))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    return verb, single


def _record_by_identifier(session: Session, repo: Repository, identifier: str) -> Record:
    if identifier.startswith(repo.identifier_prefix):
        external_id = identifier[len(repo.identifier_prefix):]
        record = session.scalar(select(Record).where(Record.external_id == external_id, in_repository()))
        if record is not None:
            return record
    raise OaiError("idDoesNotExist", f"no record {identifier[:120]!r} in this repository")


def _check_prefix(prefix: str) -> None:
    if prefix not in METADATA_FORMATS:
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix[:40]!r} is not served (only oai_dc)")


def _earliest(session: Session) -> datetime:
    return session.scalar(select(func.min(Record.updated_at)).where(in_repository())) or datetime(2020, 1, 1)


def _identify(session: Session, repo: Repository, root: Any) -> None:
    element = _sub(root, "Identify")
    _sub(element, "repositoryName", repo.name)
    _sub(element, "baseURL", repo.base_url)
    _sub(element, "protocolVersion", "2.0")
    _sub(element, "adminEmail", repo.admin_email)
    _sub(element, "earliestDatestamp", _utc(_earliest(session)))
    _sub(element, "deletedRecord", "transient")  # a record deleted outright leaves no trace
    _sub(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def _list_metadata_formats(session: Session, repo: Repository, root: Any, args: dict[str, str]) -> None:
    if "identifier" in args:
        _record_by_identifier(session, repo, args["identifier"])
    element = _sub(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in METADATA_FORMATS.items():
        fmt = _sub(element, "metadataFormat")
        _sub(fmt, "metadataPrefix", prefix)
        _sub(fmt, "schema", schema)
        _sub(fmt, "metadataNamespace", namespace)


def _list_sets(session: Session, root: Any, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets answers in one piece; there is no token to resume")
    element = _sub(root, "ListSets")
    for spec, name in _sets(session):
        item = _sub(element, "set")
        _sub(item, "setSpec", spec)
        _sub(item, "setName", name)


def _serializer(repo: Repository) -> URLSafeSerializer:
    return URLSafeSerializer(repo.secret, salt=TOKEN_SALT)


def _list(session: Session, repo: Repository, root: Any, verb: str, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        try:
            state = _serializer(repo).loads(args["resumptionToken"])
            if not isinstance(state, dict) or state.get("verb") != verb:
                raise BadSignature("for another verb")
            query = {k: state[k] for k in ("metadataPrefix", "from", "until", "set") if state.get(k)}
            after, cursor = int(state["after"]), int(state["cursor"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise OaiError("badResumptionToken", "the resumption token is not one this repository gave") from None
    else:
        query, after, cursor = dict(args), 0, 0
    _check_prefix(query["metadataPrefix"])
    condition = [in_repository(), set_condition(session, query.get("set"))]
    granularities = set()
    if query.get("from"):
        moment, grain = _parse_date("from", query["from"], upper=False)
        condition.append(Record.updated_at >= moment)
        granularities.add(grain)
    if query.get("until"):
        moment, grain = _parse_date("until", query["until"], upper=True)
        condition.append(Record.updated_at <= moment)
        granularities.add(grain)
    if len(granularities) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if query.get("from") and query.get("until") and query["from"] > query["until"]:
        raise OaiError("badArgument", "from is later than until")

    matching = and_(*condition)
    rows = list(session.scalars(
        select(Record).where(matching, Record.id > after)
        .options(selectinload(Record.themes), selectinload(Record.organisation), selectinload(Record.translation_of))
        .order_by(Record.id).limit(repo.page_size + 1)
    ))
    if not rows and after == 0:
        raise OaiError("noRecordsMatch", "no record matches these arguments")
    page, more = rows[:repo.page_size], len(rows) > repo.page_size
    element = _sub(root, verb)
    for record in page:
        if verb == "ListIdentifiers":
            _header(element, repo, record)
            continue
        item = _sub(element, "record")
        _header(item, repo, record)
        if record.status == "published":
            _dublin_core(_sub(item, "metadata"), repo, record)
    if more or after:
        total = session.scalar(select(func.count()).select_from(Record).where(matching))
        token = _serializer(repo).dumps({"verb": verb, **query, "after": page[-1].id if page else after,
                                         "cursor": cursor + len(page)}) if more else None
        _sub(element, "resumptionToken", token, completeListSize=str(total), cursor=str(cursor))


def _get_record(session: Session, repo: Repository, root: Any, args: dict[str, str]) -> None:
    record = _record_by_identifier(session, repo, args["identifier"])
    _check_prefix(args["metadataPrefix"])
    item = _sub(_sub(root, "GetRecord"), "record")
    _header(item, repo, record)
    if record.status == "published":
        _dublin_core(_sub(item, "metadata"), repo, record)


def respond(session: Session, repo: Repository, args: Mapping[str, Sequence[str]]) -> bytes:
    """The OAI-PMH document answering these request arguments (name -> every value given)."""
    try:
        verb, single = _check_arguments(args)
    except OaiError as error:
        root = _envelope(repo, None)
        _sub(root, "error", error.message, code=error.code)
        return _serialise(root)
    root = _envelope(repo, {"verb": verb, **single})
    try:
        if verb == "Identify":
            _identify(session, repo, root)
        elif verb == "ListMetadataFormats":
            _list_metadata_formats(session, repo, root, single)
        elif verb == "ListSets":
            _list_sets(session, root, single)
        elif verb == "GetRecord":
            _get_record(session, repo, root, single)
        else:
            _list(session, repo, root, verb, single)
    except OaiError as error:
        root = _envelope(repo, None if error.code in ("badVerb", "badArgument") else {"verb": verb, **single})
        _sub(root, "error", error.message, code=error.code)
    return _serialise(root)
