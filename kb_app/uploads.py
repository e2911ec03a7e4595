"""Attachment files: the type is read from the content (never the name), files are kept under random names."""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Content type -> the extension a stored and downloaded file gets.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
ACCEPT_ATTRIBUTE = ".pdf,.docx,.odt,.png,.jpg,.jpeg"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Path and control characters, and direction controls (U+202A-U+202E, U+2066-U+2069: "cv\u202efdp.exe" reads as "cvexe.pdf").
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|\u202a-\u202e\u2066-\u2069]+")
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]{3,4}")  # also the `.part` a file is written to first
# A file is written before the row that refers to it is committed. A file without a row is only removed once it is
# this old: a younger one may belong to an upload being saved right now (by this server or another sharing the folder).
ORPHAN_GRACE_SECONDS = 3600


class UploadRefused(ValueError):
    """A file was not stored; `reason` is one of: empty, too_large, unknown_type."""

    def __init__(self, reason: str, filename: str):
        super().__init__(f"{filename}: {reason}")
        self.reason = reason
        self.filename = filename


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    stored_name: str


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def sniff_content_type(data: bytes) -> str | None:
    """The allowed type the bytes really are, or None (an HTML page called report.pdf is None)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        archive = _open_zip(data)
        if archive is None:
            return None
        with archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "mimetype" in names and "content.xml" in names:
                info = archive.getinfo("mimetype")
                # Read only a tiny entry: a crafted archive must not make us inflate gigabytes.
                if info.file_size <= 100 and archive.read("mimetype").strip() == ODT_MIMETYPE:
                    return "application/vnd.oasis.opendocument.text"
    return None


def display_name(filename: str, content_type: str) -> str:
    """The name shown and offered for download: no path or control characters, and the extension of its real type."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .") or "attachment"
    extension = ALLOWED_TYPES[content_type]
    stem, dot, ext = name.rpartition(".")
    has_right_ext = dot and (f".{ext.lower()}" == extension or (extension == ".jpg" and ext.lower() == "jpeg"))
    if not has_right_ext:
        name = f"{name}{extension}"
    if len(name) > 200:
        name = name[: 200 - len(extension)] + extension
    return name


def upload_dir(data_dir: Path | str) -> Path:
    folder = Path(data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(data_dir: Path | str, stored_name: str) -> Path:
    if not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a stored attachment name")
    return upload_dir(data_dir) / stored_name


def store_upload(data_dir: Path | str, filename: str, stream: BinaryIO, max_bytes: int) -> StoredFile:
    """Check and keep one uploaded file; raise UploadRefused saying why it was not kept."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise UploadRefused("empty", filename)
    if len(data) > max_bytes:
        raise UploadRefused("too_large", filename)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise UploadRefused("unknown_type", filename)
    stored_name = secrets.token_hex(16) + ALLOWED_TYPES[content_type]
    target = stored_path(data_dir, stored_name)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return StoredFile(filename=display_name(filename, content_type), content_type=content_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), stored_name=stored_name)


def remove_upload(data_dir: Path | str, stored_name: str) -> None:
    try:
        stored_path(data_dir, stored_name).unlink(missing_ok=True)
    except ValueError:
        pass


def remove_orphans(data_dir: Path | str, referenced: Collection[str], older_than: float = ORPHAN_GRACE_SECONDS) -> list[str]:
    """Remove stored files (and half-written `.part` files) that no attachment row refers to and that are older than
    `older_than` seconds: what a server killed between writing an upload and committing its row leaves behind.
    Returns the names removed."""
    folder = Path(data_dir) / "uploads"
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than
    removed = []
    for path in folder.iterdir():
        if not _STORED_NAME.fullmatch(path.name) or path.name in referenced:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue
    return removed


def has_uploads(data_dir: Path | str) -> bool:
    folder = Path(data_dir) / "uploads"
    return folder.is_dir() and any(folder.iterdir())
