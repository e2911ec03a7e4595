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
    per_index: dict[str, int] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return not self.missing and not self.extra and len(set(self.per_index.values()) | {self.indexed}) == 1

    def summary(self) -> str:
        text = f"{self.published} published records, {self.indexed} indexed"
        if self.missing:
            text += f"; {len(self.missing)} missing from the index (e.g. {self.missing[:5]})"
        if self.extra:
            text += f"; {len(self.extra)} in the index but not published (e.g. {self.extra[:5]})"
        if len(set(self.per_index.values()) | {self.indexed}) > 1:
            text += "; the indexes hold different counts (" + ", ".join(f"{k} {v}" for k, v in self.per_index.items()) + ")"
        return text if not self.consistent else text + "; consistent"


def check_index(app: Flask) -> IndexReport:
    """Compare published record ids with the ids each index holds (after replaying pending changes)."""
    service = get_search_service(app)
    engine = service.engine
    with app.extensions["kb_sessions"]() as session:
        published = set(session.scalars(select(Record.id).where(Record.status == "published")))
    indexed = engine.ids()
    stats = engine.stats()
    per_index = {"keyword": stats["keyword_records"], "dense": stats["dense_records"], "store": stats["records"]}
    return IndexReport(published=len(published), indexed=len(indexed), missing=sorted(published - indexed),
                       extra=sorted(indexed - published), per_index=per_index)
