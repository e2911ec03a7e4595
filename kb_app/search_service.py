"""The bridge between the database and the search library: keeps the index replica current and answers searches."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from indexing import IndexDoc, SearchEngine, SearchQuery, SearchResults

from .db import latest_change_seq
from .models import PRACTICE_FIELDS, IndexChange, Record

log = logging.getLogger(__name__)

SEQ_MARKER = "change_seq"  # saved inside each index generation: the last index_changes.seq it reflects
SYNC_BATCH = 500  # records encoded and written per step when replaying many changes


def record_to_doc(record: Record) -> IndexDoc:
    """What the search library sees of a record: its text by field and the facets it is filtered on."""
    extra = [getattr(record, f) for f in PRACTICE_FIELDS] + [record.learning_objectives, record.city]
    body = "\n\n".join(part for part in [record.body, *extra] if part)
    return IndexDoc(
        id=record.id, kind=record.kind, lang=record.lang, title=record.title, summary=record.summary or "",
        body=body, themes=[t.slug for t in record.themes], country=record.country, audience=record.audience,
        level=record.level, organisation=record.organisation.name if record.organisation else None,
        year=record.year, external_id=record.external_id,
    )


class SearchService:
    """One per app: opens the engine lazily, replays the index-change log, rebuilds on demand."""

    def __init__(self, index_dir: Path, encoder: str | None, thesaurus: Path | None,
                 sessions: sessionmaker[Session], sync_seconds: float = 2.0):
        self.index_dir = index_dir
        self.encoder_name = encoder
        self.thesaurus = thesaurus
        self.sessions = sessions
        self.sync_seconds = sync_seconds
        self._engine: SearchEngine | None = None
        self._lock = threading.RLock()
        self._last_check = 0.0

    # -- state ---------------------------------------------------------------------------------------
    def applied_seq(self) -> int:
        """Position in the database's change log that the served index generation reflects (-1: unknown)."""
        if self._engine is None:
            return -1
        value = self._engine.marker(SEQ_MARKER)
        return int(value) if isinstance(value, int) else -1

    # -- engine --------------------------------------------------------------------------------------
    def _open_engine(self) -> SearchEngine:
        # An index built by another model is never queried: the engine starts empty and we rebuild from the database.
        engine = SearchEngine.open(self.index_dir, encoder=self.encoder_name, thesaurus_path=self.thesaurus,
                                   on_mismatch="reset")
        if engine.needs_rebuild:
            log.warning("index in %s was built with other settings; rebuilding it from the database", self.index_dir)
        return engine

    @property
    def engine(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = self._open_engine()
                if self.applied_seq() < 0:
                    self.rebuild()
                else:
                    self.sync()
            return self._engine

    def _published_docs(self, session: Session, ids: list[int] | None = None) -> Iterator[IndexDoc]:
        query = (select(Record).where(Record.status == "published")
                 .options(selectinload(Record.themes), selectinload(Record.organisation)).order_by(Record.id))
        if ids is not None:
            query = query.where(Record.id.in_(ids))
        last = 0
        while True:
            batch = list(session.scalars(query.where(Record.id > last).limit(500)))
            if not batch:
                return
            for record in batch:
                yield record_to_doc(record)
            last = batch[-1].id

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild every index from the database into a new folder and swap it in; returns the record count."""
        with self._lock, self.sessions() as session:
            seq = latest_change_seq(session)
            engine = self._engine
            if engine is None:
                engine = self._engine = self._open_engine()
            # The change-log position is saved inside the new generation, so it travels with the swap.
            engine.rebuild(self._published_docs(session), progress=progress, markers={SEQ_MARKER: seq})
            return engine.stats()["records"]

    def sync(self) -> int:
        """Apply every logged change this replica has not seen yet; returns how many records changed."""
        with self._lock:
            if self._engine is None:
                return 0
            with self.sessions() as session:
                applied = self.applied_seq()
                latest = latest_change_seq(session)
                if latest <= applied:
                    return 0
                changed = sorted(set(session.scalars(
                    select(IndexChange.record_id).where(IndexChange.seq > applied, IndexChange.seq <= latest))))
                for start in range(0, len(changed), SYNC_BATCH):
                    chunk = changed[start:start + SYNC_BATCH]
                    docs = list(self._published_docs(session, chunk))
                    present = {d.id for d in docs}
                    if docs:
                        self._engine.upsert(docs)
                    gone = [rid for rid in chunk if rid not in present]
                    if gone:
                        self._engine.delete(gone)
                self._engine.save(markers={SEQ_MARKER: latest})
                return len(changed)

    def maybe_sync(self) -> None:
        """Cheap check, at most every few seconds, for changes made through other servers."""
        now = time.monotonic()
        if now - self._last_check >= self.sync_seconds:
            self._last_check = now
            with self._lock:
                if self._engine is not None and self._engine.reload_if_changed():
                    log.info("switched to the index generation built by another process")
            self.sync()

    def search(self, query: SearchQuery) -> SearchResults:
        engine = self.engine
        self.maybe_sync()
        return engine.search(query)

    def related(self, record_id: int, k: int = 6) -> list[Any]:
        engine = self.engine
        return engine.related(record_id, k=k)

    def state(self) -> dict[str, Any]:
        engine = self.engine
        stats = dict(engine.stats())
        stats["applied_change_seq"] = self.applied_seq()
        return stats

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def init_app(app: Flask) -> None:
    from .corpus import thesaurus_path

    data_dir = Path(app.config["KB_DATA_DIR"])
    service = SearchService(
        index_dir=data_dir / "index",
        encoder=app.config.get("KB_EMBEDDING_MODEL") or None,
        thesaurus=thesaurus_path(Path(app.config["KB_CORPUS_DIR"])),
        sessions=app.extensions["kb_sessions"],
        sync_seconds=float(app.config.get("KB_INDEX_SYNC_SECONDS", 2)),
    )
    app.extensions["kb_search"] = service


def get_search_service(app: Flask) -> SearchService:
    return app.extensions["kb_search"]
