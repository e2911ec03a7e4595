"""`kb check`: does every index hold exactly the published records of the database?"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select

from .models import Record
from .search_service import get_search_service


@dataclass
class IndexReport:
    published: int
    indexed: int
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.missing and not self.extra

    def summary(self) -> str:
        text = f"{self.published} published records, {self.indexed} indexed"
        if self.missing:
            text += f"; {len(self.missing)} missing from the index (e.g. {self.missing[:5]})"
        if self.extra:
            text += f"; {len(self.extra)} in the index but not published (e.g. {self.extra[:5]})"
        return text if not self.consistent else text + "; consistent"


def check_index(app: Flask) -> IndexReport:
    """Compare published record ids with the ids each index holds (after replaying pending changes)."""
    service = get_search_service(app)
    engine = service.engine
    with app.extensions["kb_sessions"]() as session:
        published = set(session.scalars(select(Record.id).where(Record.status == "published")))
    indexed = engine.ids()
    return IndexReport(published=len(published), indexed=len(indexed),
                       missing=sorted(published - indexed), extra=sorted(indexed - published))
