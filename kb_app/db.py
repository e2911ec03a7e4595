"""Database wiring: engine per app, one session per request, and the index-change log hook."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, func, insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter

from .models import MAX_ROW_ID, Base, IndexChange, Record

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message says why in one line."""


def database_url(app_config: dict[str, Any]) -> str:
    url = app_config.get("DATABASE_URL") or ""
    if url:
        # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{Path(app_config['KB_DATA_DIR']) / 'kb.sqlite3'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs for concurrent workers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    return engine


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a one-line reason when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to the database {engine.url.render_as_string(hide_password=True)}: {reason}") from exc


INDEX_LOG_LOCK = 0x6B62_6978  # PostgreSQL advisory lock key ("kbix") that orders commits writing the change log


def _collect_index_changes(session: Session, _flush_context: Any) -> None:
    """Remember the ids of every record touched by this flush; they are logged when the transaction commits."""
    touched = {obj.id for obj in list(session.new) + list(session.dirty) + list(session.deleted)
               if isinstance(obj, Record) and obj.id is not None}
    if touched:
        session.info.setdefault("index_touched", set()).update(touched)


def _log_index_changes(session: Session) -> None:
    """Append the touched record ids to the index-change log, last thing before the commit (same transaction).

    Readers replay the log up to its highest visible seq and then skip everything below it, so seq
    order must be commit order. One SQLite writer at a time guarantees that; on PostgreSQL a seq is
    taken at insert, and a transaction that took seq 10 could commit after another one's seq 11 had
    been replayed: record 10 would never reach the index. So the rows are written at commit, under a
    transaction-scoped advisory lock that PostgreSQL releases only once the commit is visible.
    """
    session.flush()  # before_commit runs before the commit's own flush: collect its records now
    touched = session.info.pop("index_touched", None)
    if not touched:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(INDEX_LOG_LOCK)))
    connection.execute(insert(IndexChange), [{"record_id": rid} for rid in sorted(touched)])


def _forget_index_changes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (rolled back, or committed and logged)
        session.info.pop("index_touched", None)


def _notify_after_commit(session: Session) -> None:
    callback: Callable[[], None] | None = session.info.get("after_commit")
    if callback is not None and session.info.pop("index_dirty", False):
        callback()


def _mark_dirty(session: Session, _flush_context: Any, _instances: Any) -> None:
    if any(isinstance(o, Record) for o in list(session.new) + list(session.dirty) + list(session.deleted)):
        session.info["index_dirty"] = True


def make_session_factory(engine: Engine, after_commit: Callable[[], None] | None = None) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, info={"after_commit": after_commit})
    event.listen(factory, "before_flush", _mark_dirty)
    event.listen(factory, "after_flush", _collect_index_changes)
    event.listen(factory, "before_commit", _log_index_changes)
    event.listen(factory, "after_transaction_end", _forget_index_changes)
    event.listen(factory, "after_commit", _notify_after_commit)
    return factory


class RowIdConverter(IntegerConverter):
    """`<int:...>` in routes (always a row id): a number too large for an id column matches no route, so it is a 404
    instead of an error in the database driver (SQLite: OverflowError; PostgreSQL: integer out of range)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ROW_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Open the engine lazily for this app and close each request's session on teardown."""
    # Before the blueprints add their rules: every `<int:...>` in them is a row id.
    app.url_map.converters["int"] = RowIdConverter
    engine = make_engine(database_url(app.config))
    app.extensions["kb_engine"] = engine
    app.extensions["kb_sessions"] = make_session_factory(engine, after_commit=lambda: _sync_index(app))

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _sync_index(app: Flask) -> None:
    service = app.extensions.get("kb_search")
    if service is None:
        return
    try:
        # Not waiting: when another process (a `kb import`, another worker) holds the index, it or
        # the next periodic sync indexes this change; the request is not held up.
        service.sync(wait=False)
    except Exception:  # noqa: BLE001
        # The commit stands; the change log keeps the record, and the next sync (or `kb check --repair`)
        # brings the index up to date. Failing the request here would report a saved record as lost.
        logging.getLogger(__name__).exception("index update after commit failed; it will be retried")


def get_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["kb_sessions"]()
    return g.db_session


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["kb_engine"]


def schema_exists(engine: Engine) -> bool:
    return inspect(engine).has_table("records")


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def latest_change_seq(session: Session) -> int:
    return session.scalar(select(IndexChange.seq).order_by(IndexChange.seq.desc()).limit(1)) or 0


__all__ = [
    "Base", "DatabaseUnavailable", "check_connection", "database_url", "get_engine",
    "get_session", "init_app", "latest_change_seq", "make_engine", "make_session_factory", "schema_exists",
    "upgrade_schema",
]
