"""Live counts and listings of the published catalogue for the home, browse and overview pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .kinds import LANGUAGES
from .models import CurriculumPath, Module, Organisation, Record, Theme, record_themes
from .progress import module_resources

PUBLISHED = Record.status == "published"


def counts_by_language(session: Session) -> dict[str, int]:
    """Published records per language, every supported language present (zero when it has none)."""
    rows = session.execute(select(Record.lang, func.count()).where(PUBLISHED).group_by(Record.lang))
    found = {lang: n for lang, n in rows}
    return {lang: found.get(lang, 0) for lang in LANGUAGES}


def counts_by_kind(session: Session) -> dict[str, int]:
    rows = session.execute(select(Record.kind, func.count()).where(PUBLISHED).group_by(Record.kind))
    return {kind: n for kind, n in rows}


def counts_by_country(session: Session, kind: str | None = None) -> dict[str, int]:
    """Published records per country code, largest first."""
    query = select(Record.country, func.count()).where(PUBLISHED, Record.country.is_not(None))
    if kind:
        query = query.where(Record.kind == kind)
    rows = session.execute(query.group_by(Record.country))
    return dict(sorted(((c, n) for c, n in rows), key=lambda item: (-item[1], item[0])))


def themes_with_counts(session: Session) -> list[tuple[Theme, int]]:
    """Every theme with its number of published records, in the order of the themes file (by id)."""
    counted = (
        select(record_themes.c.theme_id, func.count().label("n"))
        .join(Record, Record.id == record_themes.c.record_id)
        .where(PUBLISHED).group_by(record_themes.c.theme_id).subquery()
    )
    rows = session.execute(
        select(Theme, func.coalesce(counted.c.n, 0)).outerjoin(counted, counted.c.theme_id == Theme.id).order_by(Theme.id)
    )
    return [(theme, int(n)) for theme, n in rows]


def latest(session: Session, kind: str = "practice", limit: int = 6) -> list[Record]:
    """The most recently published records of a kind."""
    return list(session.scalars(
        select(Record).where(PUBLISHED, Record.kind == kind)
        .options(selectinload(Record.organisation), selectinload(Record.themes))
        .order_by(Record.published_at.desc(), Record.id.desc()).limit(limit)
    ))


@dataclass
class Listing:
    """One page of published records matching a browse filter."""

    records: list[Record]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_published(session: Session, *, theme: Theme | None = None, country: str | None = None,
                   kind: str | None = None, lang: str | None = None, page: int = 1, per_page: int = 20) -> Listing:
    """Published records for a browse page, practices first, newest first."""
    conditions: list[Any] = [PUBLISHED]
    if theme is not None:
        conditions.append(Record.themes.any(Theme.id == theme.id))
    if country:
        conditions.append(Record.country == country)
    if kind:
        conditions.append(Record.kind == kind)
    if lang:
        conditions.append(Record.lang == lang)
    total = session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0
    records = list(session.scalars(
        select(Record).where(*conditions)
        .options(selectinload(Record.organisation), selectinload(Record.themes))
        .order_by(Record.kind, Record.published_at.desc(), Record.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return Listing(records=records, total=total, page=page, per_page=per_page)


def partners_in(session: Session, country: str) -> list[Organisation]:
    return list(session.scalars(
        select(Organisation).where(Organisation.country == country, Organisation.is_partner.is_(True))
        .order_by(Organisation.name)
    ))


@dataclass
class ModuleOutline:
    """A curriculum module with its published resources in path order."""

    module: Module
    resources: list[Record]


def curriculum_paths(session: Session) -> list[tuple[CurriculumPath, int, int]]:
    """Each path with its number of modules and of published resources."""
    out = []
    for path in session.scalars(select(CurriculumPath).options(selectinload(CurriculumPath.modules)).order_by(CurriculumPath.id)):
        n = session.scalar(
            select(func.count()).select_from(Record).join(Module, Record.module_id == Module.id)
            .where(PUBLISHED, Module.path_id == path.id)
        ) or 0
        out.append((path, len(path.modules), n))
    return out


def path_outline(session: Session, path: CurriculumPath) -> list[ModuleOutline]:
    """The modules of a path in order, each with its published resources by position, then language."""
    return [ModuleOutline(module=module, resources=module_resources(session, module)) for module in path.modules]
