"""The bridge between the database and the search library: keeps the index replica current and answers searches."""
from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from indexing import EngineSettings, IndexDoc, SearchEngine, SearchQuery, SearchResults
from indexing.engine import MODES

from .db import latest_change_seq
from .documents.reading import attachment_passages
from .kinds import EVENT_DETAIL_FIELDS, kind_of
from .models import Attachment, EventDetails, IndexChange, Organisation, Record, Theme, record_themes

log = logging.getLogger(__name__)
# Searched before serving (KB_WARM_UP): a Latin-script and an Arabic query touch every analyser path and model.
WARM_UP_QUERIES = ("microcredito per donne migranti", "قرض صغير للمهاجرين")

SEQ_MARKER = "change_seq"  # saved inside each index generation: the last index_changes.seq it reflects
SYNC_BATCH = 500  # records encoded and written per step when replaying many changes


def searched_text(value: Any) -> str:
    """A field's searched text: text as it is; a list (a programme's sessions, lines) item by item, a session by
    its title and speakers, so a word said only in the programme finds the event."""
    if isinstance(value, list):
        return "\n".join(searched_text(item) for item in value)
    if isinstance(value, dict):
        return " · ".join(str(value[key]) for key in ("title", "speakers") if value.get(key))
    return str(value) if value else ""


def record_to_doc(record: "Record | _RecordRows") -> IndexDoc:
    """What the search library sees of a record: its text by field, its attached files' text (read once and
    stored, see kb_app.documents) as passages in their own language, and the facets it is filtered on."""
    kind = kind_of(record.kind)
    extra = [getattr(record, f) for f in kind.indexed_extra_fields] if kind is not None else []
    body = "\n\n".join(text for text in map(searched_text, [record.body, *extra]) if text)
    return IndexDoc(
        id=record.id, kind=record.kind, lang=record.lang, title=record.title, summary=record.summary or "",
        body=body, themes=[t.slug for t in record.themes], country=record.country, audience=record.audience,
        level=record.level, organisation=record.organisation.name if record.organisation else None,
        year=record.year, external_id=record.external_id, passages=attachment_passages(record),
        # The days an event runs (its local dates), so a search by dates finds the events that overlap them.
        starts_on=(record.starts_at or "")[:10] or None if record.kind == "event" else None,
        ends_on=(record.ends_at or record.starts_at or "")[:10] or None if record.kind == "event" else None,
    )


class _RecordRows:
    """A record as record_to_doc reads it, from plain rows: its columns, theme slugs, organisation name, attached
    files and event details. The index reads every published record back after an import, and building an ORM
    object with its relationships per record cost more than analysing it (issue 16)."""

    __slots__ = ("_row", "_details", "themes", "organisation", "attachments")

    def __init__(self, row: Row, themes: list[Row], organisation: Row | None, attachments: list[Row],
                 details: Row | None):
        self._row, self._details = row, details
        self.themes, self.organisation, self.attachments = themes, organisation, attachments

    def __getattr__(self, name: str) -> Any:
        if name in EVENT_DETAIL_FIELDS:
            return getattr(self._details, name) if self._details is not None else None
        return getattr(self._row, name)


def _published_rows(session: Session, rows: list[Row]) -> list[_RecordRows]:
    """The rows of a batch of records joined with their children: one query per child table."""
    ids = [row.id for row in rows]
    themes: dict[int, list[Row]] = {}
    links = record_themes.c
    for link in session.execute(select(links.record_id, Theme.slug).join(Theme, Theme.id == links.theme_id)
                                .where(links.record_id.in_(ids)).order_by(links.record_id, Theme.slug)):
        themes.setdefault(link.record_id, []).append(link)
    wanted = {row.organisation_id for row in rows if row.organisation_id is not None}
    organisations = {o.id: o for o in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))} if wanted else {}
    attachments: dict[int, list[Row]] = {}
    for attachment in session.execute(
            select(Attachment.record_id, Attachment.filename, Attachment.lang, Attachment.text_status,
                   Attachment.text_content).where(Attachment.record_id.in_(ids)).order_by(Attachment.id)):
        attachments.setdefault(attachment.record_id, []).append(attachment)
    events = [row.id for row in rows if row.kind == "event"]
    details = {d.record_id: d for d in session.execute(
        select(EventDetails.__table__).where(EventDetails.record_id.in_(events)))} if events else {}
    return [_RecordRows(row, themes.get(row.id, []), organisations.get(row.organisation_id),
                        attachments.get(row.id, []), details.get(row.id)) for row in rows]


WRITER_LOCK_FILE = "writer.lock"


@contextlib.contextmanager
def index_writer_lock(index_dir: Path, wait: bool, shared: bool = False) -> Iterator[bool]:
    """Exclusive right to write the index folder, across processes (server workers, `kb import`).

    With shared=True, the right to open it while no one writes: a Whoosh commit deletes the files it
    replaced, so a generation opened in the middle of another process's save can name files that are
    gone, or pair the new keyword index with the old dense one. Readers share the lock with each other.
    Yields False, without the lock, when `wait` is false and another process holds it.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / WRITER_LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SearchService:
    """One per app: opens the engine lazily, replays the index-change log, rebuilds on demand."""

    def __init__(self, index_dir: Path, encoder: str | None, thesaurus: Path | None,
                 sessions: sessionmaker[Session], sync_seconds: float = 2.0, keyword_backend: str | None = None,
                 settings: EngineSettings | None = None):
        self.index_dir = index_dir
        self.encoder_name = encoder
        self.keyword_backend = keyword_backend
        self.settings = settings
        self.thesaurus = thesaurus
        self.sessions = sessions
        self.sync_seconds = sync_seconds
        self._engine: SearchEngine | None = None
        self._lock = threading.RLock()
        self._last_check = 0.0
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None

    # -- state ---------------------------------------------------------------------------------------
    def applied_seq(self) -> int:
        """Position in the database's change log that the served index generation reflects (-1: unknown)."""
        if self._engine is None:
            return -1
        value = self._engine.marker(SEQ_MARKER)
        return int(value) if isinstance(value, int) else -1

    # -- engine --------------------------------------------------------------------------------------
    def _open_engine(self) -> SearchEngine:
        # An index built by another model or keyword backend is never queried: the engine starts empty and we
        # rebuild from the database.
        # Settings are always given, so an index is searched with the configured floors, not older saved ones.
        settings = self.settings or (
            EngineSettings(keyword_backend=self.keyword_backend) if self.keyword_backend else EngineSettings())
        engine = SearchEngine.open(self.index_dir, encoder=self.encoder_name, thesaurus_path=self.thesaurus,
                                   settings=settings, on_mismatch="reset")
        if engine.needs_rebuild:
            log.warning("index in %s was built with other settings; rebuilding it from the database", self.index_dir)
        return engine

    @property
    def engine(self) -> SearchEngine:
        engine = self._engine
        if engine is not None:
            # Searches never wait for a sync or reload in another thread: the engine has its own
            # reader/writer lock and swaps in what a reload built only when it is ready.
            return engine
        return self.catch_up()

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> SearchEngine:
        """Open the engine if needed and apply every logged change; `progress(done, total)` follows the changes."""
        with self._lock:
            if self._engine is None:
                # Exclusively: workers starting together on an empty folder must not each start (and
                # clean up) generations of their own; the first builds the index, the others open it.
                with index_writer_lock(self.index_dir, wait=True):
                    self._engine = self._open_engine()
                    if self.applied_seq() < 0:
                        self.rebuild()
            self.sync(progress=progress)
            return self._engine

    def _published_docs(self, session: Session, ids: list[int] | None = None) -> Iterator[IndexDoc]:
        query = select(Record.__table__).where(Record.status == "published").order_by(Record.id)
        if ids is not None:
            query = query.where(Record.id.in_(ids))
        last = 0
        while True:
            rows = session.execute(query.where(Record.id > last).limit(500)).all()
            if not rows:
                return
            yield from map(record_to_doc, _published_rows(session, rows))
            last = rows[-1].id

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

    def sync(self, wait: bool = True, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply every logged change this replica has not seen yet; returns how many records changed.

        Processes sharing the index folder take turns through a file lock, and each first reloads
        what the others saved. With wait=False a busy lock means "not now": the holder, or the
        next periodic sync, applies the change.
        """
        with self._lock, index_writer_lock(self.index_dir, wait) as locked:
            if self._engine is None or not locked:
                return 0
            self._engine.reload_if_changed()
            with self.sessions() as session:
                applied = self.applied_seq()
                latest = latest_change_seq(session)
                if latest <= applied:
                    return 0
                changed = sorted(set(session.scalars(
                    select(IndexChange.record_id).where(IndexChange.seq > applied, IndexChange.seq <= latest))))
                ends: list[int] = []  # where in `changed` each chunk yielded ends, for progress

                def published() -> Iterator[list[IndexDoc]]:
                    for start in range(0, len(changed), SYNC_BATCH):
                        chunk = changed[start:start + SYNC_BATCH]
                        docs = list(self._published_docs(session, chunk))
                        present = {d.id for d in docs}
                        gone = [rid for rid in chunk if rid not in present]
                        if gone:
                            self._engine.delete(gone, save=False)
                        if docs:
                            ends.append(start + len(chunk))
                            yield docs
                        elif progress and not ends:
                            progress(start + len(chunk), len(changed))

                def done(_batch: Sequence[IndexDoc]) -> None:
                    if progress:
                        progress(ends.pop(0), len(changed))

                # One save at the end: the change-log position moves only once everything is written. A large
                # sync (an import) analyses the next chunk on a worker process while this one is written.
                self._engine.upsert_batches(published(), total=len(changed), done=done)
                self._engine.save(markers={SEQ_MARKER: latest})
                return len(changed)

    def maybe_sync(self) -> None:
        """Cheap check, at most every few seconds, for changes made through other servers or processes."""
        now = time.monotonic()
        if now - self._last_check >= self.sync_seconds:
            self._last_check = now
            self.follow_once(wait=False)

    def follow_once(self, wait: bool = True) -> None:
        """Load what other processes saved to the index, then apply changes logged in the database.

        With wait=False (the search path) nothing happens while another thread of this process is
        already doing it.
        """
        if not self._lock.acquire(blocking=wait):
            return
        try:
            with index_writer_lock(self.index_dir, wait=False, shared=True) as unwritten:
                # While another process saves, keep serving what is loaded; the next round reloads.
                if unwritten and self._engine is not None and self._engine.reload_if_changed():
                    log.info("reloaded the index saved by another process")
            self.sync(wait=False)
        finally:
            self._lock.release()

    def start_following(self) -> None:
        """Keep this replica current in the background (served processes), even while no one searches."""
        if self._follower is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.sync_seconds):
                try:
                    self.follow_once()
                except Exception:  # noqa: BLE001 - keep following; the next round retries
                    log.exception("background index sync failed; retrying in %.0f s", self.sync_seconds)

        self._follower = threading.Thread(target=loop, name="kb-index-follower", daemon=True)
        self._follower.start()

    def warm_up(self) -> float:
        """Search once in every mode and a few languages: loads the language detector, runs the encoder and reads
        the index files now, so the first visitor does not wait for them. Returns the seconds it took."""
        started = time.perf_counter()
        for text in WARM_UP_QUERIES:
            for mode in MODES:
                self.engine.search(SearchQuery(text=text, mode=mode, per_page=1))
        return time.perf_counter() - started

    def search(self, query: SearchQuery) -> SearchResults:
        engine = self.engine
        self.maybe_sync()
        return engine.search(query)

    def related(self, record_id: int, k: int = 6) -> list[Any]:
        engine = self.engine
        return engine.related(record_id, k=k)

    def key_terms(self, record_id: int, lang: str, limit: int = 8) -> list[str]:
        """Thesaurus labels in `lang` of the record's main concepts (empty if it is not indexed)."""
        return self.engine.key_terms(record_id, lang, limit=limit)

    def state(self) -> dict[str, Any]:
        engine = self.engine
        stats = dict(engine.stats())
        stats["applied_change_seq"] = self.applied_seq()
        return stats

    def close(self) -> None:
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=30)
            self._follower = None
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def init_app(app: Flask) -> None:
    from .corpus import thesaurus_path
    from .settings import engine_settings

    data_dir = Path(app.config["KB_DATA_DIR"])
    service = SearchService(
        index_dir=data_dir / "index",
        encoder=app.config.get("KB_EMBEDDING_MODEL") or None,
        thesaurus=thesaurus_path(Path(app.config["KB_CORPUS_DIR"])),
        sessions=app.extensions["kb_sessions"],
        sync_seconds=float(app.config.get("KB_INDEX_SYNC_SECONDS", 2)),
        keyword_backend=app.config.get("KB_KEYWORD_BACKEND") or None,
        settings=engine_settings(app.config),
    )
    app.extensions["kb_search"] = service


def get_search_service(app: Flask) -> SearchService:
    return app.extensions["kb_search"]
