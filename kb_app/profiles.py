"""An organisation's public profile: who it is, its published records by kind, and how to reach it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .kinds import KINDS
from .models import Organisation, Record


@dataclass
class OrganisationProfile:
    organisation: Organisation
    records_by_kind: list[tuple[Any, list[Record]]] = field(default_factory=list)  # (Kind, records), declared order
    contacts: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(records) for _, records in self.records_by_kind)


def organisation_profile(session: Session, slug: str) -> OrganisationProfile | None:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        return None
    records = list(session.scalars(
        select(Record).where(Record.organisation_id == organisation.id, Record.status == "published")
        .options(selectinload(Record.themes), selectinload(Record.organisation))
        .order_by(Record.published_at.desc(), Record.id.desc())
    ))
    profile = OrganisationProfile(organisation)
    for kind in KINDS:
        of_kind = [r for r in records if r.kind == kind.name]
        if of_kind:
            profile.records_by_kind.append((kind, of_kind))
    # The contacts its published records give (already public on those pages), most used first.
    seen: dict[str, int] = {}
    for record in records:
        if record.contact:
            seen[record.contact] = seen.get(record.contact, 0) + 1
    profile.contacts = sorted(seen, key=lambda c: -seen[c])[:5]
    return profile


def organisations_with_records(session: Session) -> list[tuple[Organisation, int]]:
    """Every organisation with its number of published records, partners first, then by name."""
    counted = (select(Record.organisation_id, func.count().label("n")).where(Record.status == "published")
               .group_by(Record.organisation_id).subquery())
    rows = session.execute(select(Organisation, func.coalesce(counted.c.n, 0))
                           .outerjoin(counted, counted.c.organisation_id == Organisation.id)
                           .order_by(Organisation.is_partner.desc(), Organisation.name))
    return [(org, int(n)) for org, n in rows]
