"""Reading attachments' text outside the request: a background thread per server claims files and stores their text.

A file is claimed in the database (pending -> extracting), so servers sharing it never read a file twice; a claim
older than STALE_CLAIM (a server killed mid-read) is taken over. When the text is stored, the record is logged for
the index like any other change, so a published record's attachments become searchable within a sync.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from indexing import detect_language
from indexing.documents import Passage

from ..catalogue import add_revision
from ..kinds import TEXT_LIMITS
from ..models import Attachment, Record, utcnow
from ..uploads import stored_path
from .extract import DOCUMENT_TYPES, Extracted, Limits
from .isolation import Outcome, extract_isolated
from .prefill import draft_fields

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)
LANGUAGE_SAMPLE_CHARS = 5000


def initial_text_status(content_type: str) -> str:
    """What a new attachment's text starts as: waiting to be read, or nothing to read (an image)."""
    return "pending" if content_type in DOCUMENT_TYPES else "none"


def stored_content(extracted: Extracted) -> dict[str, Any]:
    """The blocks as kept in the attachment row: compact lists, read back by `blocks_of`."""
    return {"blocks": [[b.kind, b.level, b.page, b.text] for b in extracted.blocks], "truncated": extracted.truncated}


def blocks_of(attachment: Attachment) -> Extracted:
    content = attachment.text_content or {}
    from .extract import Block

    blocks = [Block(kind, text, page, level) for kind, level, page, text in content.get("blocks", [])]
    return Extracted(attachment.text_status, blocks, attachment.page_count, bool(content.get("truncated")))


def attachment_passages(record: Record) -> list[Passage]:
    """The text of a record's read attachments as passages for the index: one per PDF page, one per other file."""
    found: list[Passage] = []
    for attachment in record.attachments:
        if attachment.text_status != "ok" or not attachment.text_content:
            continue
        lang = attachment.lang or record.lang
        pages: dict[int | None, list[str]] = {}
        for _kind, _level, page, text in attachment.text_content.get("blocks", []):
            pages.setdefault(page, []).append(text)
        for page, texts in pages.items():
            found.append(Passage(attachment.filename, lang, "\n\n".join(texts), page))
    return found


def mark_for_index(session: Session, record_id: int) -> None:
    """Log the record for the index at the next commit even when only its attachments changed."""
    session.info.setdefault("index_touched", set()).add(record_id)
    session.info["index_dirty"] = True


@dataclass
class ReadReport:
    """What reading one file gave, for logs and the `kb import-documents` report."""

    attachment_id: int
    status: str
    problem: str | None = None
    lang: str | None = None
    pages: int | None = None
    chars: int = 0
    prefilled: tuple[str, ...] = ()
    seconds: float = 0.0


class TextReader:
    """One per app: reads pending attachments in a background thread, one file at a time, in a child process."""

    def __init__(self, data_dir: Path, sessions: sessionmaker[Session], limits: Limits):
        self.data_dir = data_dir
        self.sessions = sessions
        self.limits = limits
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._stop = threading.Event()

    # -- the background thread ------------------------------------------------------------------------------
    def kick(self) -> None:
        """Make sure pending files get read soon (after an upload commits, or at a server's first request)."""
        with self._lock:
            self._again.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="kb-text-reader", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._again.clear()
            try:
                done = self.read_pending()
            except Exception:
                log.exception("reading attachment text failed; it will be retried")
                return
            with self._lock:
                if not done and not self._again.is_set():
                    self._thread = None
                    return

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no file is being read (tests, and `kb` commands before they exit)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def close(self) -> None:
        self._stop.set()
        self.wait_idle(timeout=30)

    # -- reading ----------------------------------------------------------------------------------------------
    def pending_ids(self, session: Session) -> list[int]:
        stale = utcnow() - STALE_CLAIM
        return list(session.scalars(select(Attachment.id).where(or_(
            Attachment.text_status == "pending",
            (Attachment.text_status == "extracting") & (Attachment.text_claimed_at < stale),
        )).order_by(Attachment.id).limit(100)))

    def read_pending(self) -> int:
        """Read every file waiting to be read; returns how many were read."""
        done = 0
        while not self._stop.is_set():
            with self.sessions() as session:
                ids = self.pending_ids(session)
            if not ids:
                return done
            for attachment_id in ids:
                if self._stop.is_set():
                    return done
                if self.read(attachment_id) is not None:
                    done += 1
        return done

    def _claim(self, session: Session, attachment_id: int) -> bool:
        stale = utcnow() - STALE_CLAIM
        claimed = session.execute(
            update(Attachment)
            .where(Attachment.id == attachment_id, or_(
                Attachment.text_status == "pending",
                (Attachment.text_status == "extracting") & (Attachment.text_claimed_at < stale)))
            .values(text_status="extracting", text_claimed_at=utcnow())
        ).rowcount
        session.commit()
        return claimed == 1

    def read(self, attachment_id: int) -> ReadReport | None:
        """Read one attachment if it is waiting (and no one else took it); None when there was nothing to do."""
        with self.sessions() as session:
            if not self._claim(session, attachment_id):
                return None
            attachment = session.get(Attachment, attachment_id)
            if attachment is None:
                return None
            path = stored_path(self.data_dir, attachment.stored_name)
            content_type = attachment.content_type
        if path.is_file():
            outcome = extract_isolated(path, content_type, self.limits)
        else:
            outcome = Outcome(code="missing", detail="the stored file is gone")
        with self.sessions() as session:
            attachment = session.get(Attachment, attachment_id)
            if attachment is None:  # removed while it was read
                return None
            report = self._store(session, attachment, outcome)
            session.commit()
        log.info("attachment %s read: %s%s in %.1f s", attachment_id, report.status,
                 f" ({report.problem})" if report.problem else "", report.seconds)
        return report

    def _store(self, session: Session, attachment: Attachment, outcome: Outcome) -> ReadReport:
        attachment.text_claimed_at = None
        extracted = outcome.extracted
        if extracted is None:
            attachment.text_status, attachment.text_problem = "refused", outcome.code
            attachment.text_content, attachment.text_chars = None, 0
        else:
            attachment.text_status = extracted.status
            attachment.text_problem = "truncated" if extracted.truncated and extracted.status == "ok" else None
            attachment.page_count = extracted.pages
            attachment.text_content = stored_content(extracted) if extracted.status == "ok" else None
            text = extracted.text
            attachment.text_chars = len(text)
            record = attachment.record
            if extracted.status == "ok":
                attachment.lang = detect_language(text[:LANGUAGE_SAMPLE_CHARS], hint=record.lang if record else None)
        report = ReadReport(attachment.id, attachment.text_status, attachment.text_problem, attachment.lang,
                            attachment.page_count, attachment.text_chars or 0, seconds=outcome.seconds)
        record = attachment.record
        if record is not None:
            if attachment.prefill and extracted is not None and extracted.status == "ok":
                report.prefilled = prefill_draft(session, record, attachment, extracted)
            mark_for_index(session, record.id)
        attachment.prefill = False  # read once: a draft is filled in from its file only then
        return report


def prefill_draft(session: Session, record: Record, attachment: Attachment, extracted: Extracted) -> tuple[str, ...]:
    """Fill a draft started from this file; only fields still empty, and only while it is a draft."""
    from .drafts import placeholder_title

    if record.status != "draft":
        return ()
    draft = draft_fields(extracted, record.kind, fallback_title=record.title)
    filled = []
    if draft.title and (not record.title or record.title == placeholder_title(attachment.filename)):
        record.title = draft.title
        filled.append("title")
    for name, text in draft.fields.items():
        if text and not getattr(record, name, None):
            # Cut to what the form accepts: the partner reviews and shortens, but can save meanwhile.
            setattr(record, name, text[: TEXT_LIMITS.get(name, len(text))])
            filled.append(name)
    if attachment.lang and filled:
        record.lang = attachment.lang
    if filled:
        add_revision(session, record, "prefilled", None, comment=attachment.filename)
    return tuple(filled)


def limits_from_config(config: Any) -> Limits:
    return Limits(max_pages=int(config["KB_EXTRACT_MAX_PAGES"]), max_chars=int(config["KB_EXTRACT_MAX_CHARS"]),
                  max_seconds=float(config["KB_EXTRACT_MAX_SECONDS"]))


def init_app(app: Flask) -> None:
    reader = TextReader(Path(app.config["KB_DATA_DIR"]), app.extensions["kb_sessions"], limits_from_config(app.config))
    app.extensions["kb_text_reader"] = reader

    @app.before_request
    def _read_left_over_files_once() -> None:
        # Files uploaded while a server was down, or whose reader was killed, are read after the next start.
        if not app.extensions.get("kb_text_reader_started"):
            app.extensions["kb_text_reader_started"] = True
            reader.kick()


def get_text_reader(app: Flask) -> TextReader:
    return app.extensions["kb_text_reader"]
