"""Attachment files of this app: the configured size limit, and removing files whose save never committed."""
from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import select

from .models import Attachment
from .uploads import has_uploads, remove_orphans

log = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    return int(float(current_app.config["KB_MAX_UPLOAD_MB"]) * 1024 * 1024)


def max_upload_mb() -> str:
    """The size limit as people read it: "10", not "10.0"."""
    return f"{float(current_app.config['KB_MAX_UPLOAD_MB']):g}"


def sweep_orphan_uploads() -> list[str]:
    """Remove the files of uploads whose save never committed (the server was killed in between); see remove_orphans."""
    data_dir = current_app.config["KB_DATA_DIR"]
    if not has_uploads(data_dir):
        return []
    with current_app.extensions["kb_sessions"]() as session:
        referenced = set(session.scalars(select(Attachment.stored_name)))
    removed = remove_orphans(data_dir, referenced)
    if removed:
        log.warning("removed %d uploaded file(s) left behind by saves that never completed", len(removed))
    return removed


def _sweep_once() -> None:
    # Once per server process, at its first request (whatever it is): files a killed server wrote but never committed.
    if current_app.extensions.get("kb_uploads_swept"):
        return
    current_app.extensions["kb_uploads_swept"] = True
    try:
        sweep_orphan_uploads()
    except Exception:  # housekeeping: it must never fail the request that triggered it
        log.warning("could not look for orphan uploads", exc_info=True)


def init_app(app: Flask) -> None:
    """Sweep orphan upload files at the first request of each server process."""
    app.before_request(_sweep_once)
