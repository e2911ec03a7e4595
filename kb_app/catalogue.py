"""Storing records: apply a normalised record to the database, keep revisions, and turn a record back into interchange form."""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .kinds import EVENT_DETAIL_FIELDS, FIELD_ORDER, STORED_FIELDS, allowed_fields, kind_of
from .models import (
    Module,
    Organisation,
    Record,
    Revision,
    Theme,
    User,
    utcnow,
)

SIMPLE_FIELDS = STORED_FIELDS
SNAPSHOT_FIELDS = ("kind", "lang", "status", *SIMPLE_FIELDS, *EVENT_DETAIL_FIELDS)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:70] or "org"


def new_external_id(kind: str, lang: str) -> str:
    declared = kind_of(kind)
    if declared is None:
        raise ValueError(f"unknown record kind {kind!r}")
    return f"{declared.id_prefix}-{lang}-{secrets.token_hex(5)}"


def find_organisation(session: Session, name: str) -> Organisation | None:
    lowered = name.strip().lower()
    return session.scalar(
        select(Organisation).where(
            (func.lower(Organisation.slug) == lowered) | (func.lower(Organisation.name) == lowered)
            | (func.lower(Organisation.short_name) == lowered)
        ).limit(1)
    )


def resolve_organisation(session: Session, name: str) -> Organisation:
    """The organisation a record names, by slug or name; unknown names become new (non-partner) organisations."""
    found = find_organisation(session, name)
    if found is not None:
        return found
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    org = Organisation(slug=slug, name=name.strip(), is_partner=False)
    session.add(org)
    session.flush()
    return org


@dataclass
class Lookups:
    """Themes, modules and organisations loaded once, so a bulk import does not query them per record."""

    themes: dict[str, Theme] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "Lookups":
        lookups = cls(themes={t.slug: t for t in session.scalars(select(Theme))},
                      modules={m.slug: m for m in session.scalars(select(Module))})
        for org in session.scalars(select(Organisation)):
            lookups.remember(org)
        return lookups

    def remember(self, org: Organisation) -> None:
        for key in (org.slug, org.name, org.short_name):
            if key:
                self.organisations.setdefault(key.strip().lower(), org)

    def organisation(self, session: Session, name: str) -> Organisation:
        found = self.organisations.get(name.strip().lower())
        if found is None:
            found = resolve_organisation(session, name)
            self.remember(found)
        return found


def snapshot(record: Record) -> dict[str, Any]:
    """The fields of a record as kept in a revision (for comparing versions)."""
    data = {f: getattr(record, f) for f in SNAPSHOT_FIELDS}
    data["themes"] = [t.slug for t in record.themes]
    data["organisation"] = record.organisation.name if record.organisation else None
    return data


def add_revision(session: Session, record: Record, action: str, user: User | None = None,
                 comment: str | None = None) -> Revision:
    revision = Revision(record=record, user=user, action=action, status=record.status,
                        comment=comment, snapshot=snapshot(record), created_at=utcnow())
    session.add(revision)
    return revision


def new_record(kind: str) -> Record:
    """An empty record of the kind: the model class mapped to it (models.py declares one per kind)."""
    mapper = Record.__mapper__.polymorphic_map.get(kind)
    if mapper is None or kind_of(kind) is None:
        raise ValueError(f"unknown record kind {kind!r}")
    return mapper.class_()


def apply_record(session: Session, record: Record, data: dict[str, Any], lookups: Lookups | None = None) -> Record:
    """Write a normalised record's fields onto a Record (new or existing); fields absent from data are cleared."""
    if lookups is None:
        # The record may already be pending in the session with no fields yet: do not flush it half-made.
        with session.no_autoflush:
            lookups = Lookups.load(session)
    record.lang = data["lang"]
    if not record.external_id:
        record.external_id = data.get("id") or new_external_id(data["kind"], data["lang"])
    for field in (*SIMPLE_FIELDS, *EVENT_DETAIL_FIELDS):
        setattr(record, field, data.get(field))
    record.summary = data.get("summary") or ""
    org_name = data.get("organisation")
    record.organisation = lookups.organisation(session, org_name) if org_name else None
    record.themes = [lookups.themes[s] for s in data.get("themes") or [] if s in lookups.themes]
    module_slug = data.get("module")
    record.module = lookups.modules.get(module_slug) if module_slug else None
    target = data.get("translation_of")
    record.translation_of = (
        session.scalar(select(Record).where(Record.external_id == target)) if target else None
    )
    return record


def publish(record: Record) -> None:
    record.status = "published"
    if record.published_at is None:
        record.published_at = utcnow()


def to_interchange(record: Record) -> dict[str, Any]:
    """A record in the interchange format (what `kb export` writes and `kb import` reads)."""
    out: dict[str, Any] = {"id": record.external_id, "kind": record.kind, "lang": record.lang,
                           "title": record.title, "summary": record.summary or None, "body": record.body}
    out["country"] = record.country
    out["city"] = record.city
    out["organisation"] = record.organisation.slug if record.organisation else None
    out["themes"] = [t.slug for t in record.themes]
    for field in (*STORED_FIELDS, *EVENT_DETAIL_FIELDS):
        if field not in out and field != "position":
            out[field] = getattr(record, field)
    if record.module is not None:
        out["path"] = record.module.path.slug
        out["module"] = record.module.slug
        out["position"] = record.position
    if record.translation_of is not None:
        out["translation_of"] = record.translation_of.external_id
    allowed = allowed_fields(record.kind)  # a column another kind uses is not this record's to export
    return {k: out[k] for k in FIELD_ORDER if k in allowed and out.get(k) not in (None, "", [])}


def language_versions(session: Session, record: Record) -> list[Record]:
    """Other published records that are versions of the same content (linked through translation_of)."""
    root_id = record.translation_of_id or record.id
    rows = session.scalars(
        select(Record).where(
            ((Record.id == root_id) | (Record.translation_of_id == root_id)),
            Record.id != record.id,
            Record.status == "published",
        ).order_by(Record.lang)
    )
    return list(rows)
