"""View and download counts per record and month, for the partners' dissemination reports: counts, nothing personal.

Each count is one upsert in a transaction of its own, so counting never touches (or fails) the request's work.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models import Record, RecordUsage, utcnow

log = logging.getLogger(__name__)
KINDS_OF_USE = ("views", "downloads")


def count_use(record_id: int, use: str) -> None:
    """Add one view or download to the record's count for this month."""
    if use not in KINDS_OF_USE:
        raise ValueError(use)
    engine = current_app.extensions["kb_engine"]
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    values = {"record_id": record_id, "period": utcnow().strftime("%Y-%m"), "views": 0, "downloads": 0}
    values[use] = 1
    statement = insert(RecordUsage).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["record_id", "period"],
        set_={use: getattr(RecordUsage, use) + 1})
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    except Exception:  # noqa: BLE001 - a lost count must never cost the visitor the page
        log.exception("could not count a %s of record %s", use, record_id)


def usage_of_organisation(session: Session, organisation_id: int) -> list[dict[str, Any]]:
    """Each published record of the organisation with its views and downloads, in total and this month."""
    month = utcnow().strftime("%Y-%m")
    totals = (select(RecordUsage.record_id, func.sum(RecordUsage.views).label("views"),
                     func.sum(RecordUsage.downloads).label("downloads"))
              .group_by(RecordUsage.record_id).subquery())
    current = select(RecordUsage).where(RecordUsage.period == month).subquery()
    rows = session.execute(
        select(Record, totals.c.views, totals.c.downloads, current.c.views, current.c.downloads)
        .outerjoin(totals, totals.c.record_id == Record.id)
        .outerjoin(current, current.c.record_id == Record.id)
        .where(Record.organisation_id == organisation_id, Record.status == "published")
        .order_by(func.coalesce(totals.c.views, 0).desc(), Record.id)
    )
    return [{"record": record, "views": int(views or 0), "downloads": int(downloads or 0),
             "views_this_month": int(month_views or 0), "downloads_this_month": int(month_downloads or 0)}
            for record, views, downloads, month_views, month_downloads in rows]
