"""Index generations: built folders behind a CURRENT pointer, swapped atomically, and the lock that guards one."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from indexing.backends import (
    IndexMismatchError,
    dense_backend_exists,
    load_dense_backend,
    new_dense_backend,
    open_keyword_backend,
)
from indexing.concepts import Thesaurus
from indexing.documents import INDEXED_TEXT_VERSION, UNVERSIONED_INDEX
from indexing.encoders import Encoder
from indexing.record_store import RecordStore

if TYPE_CHECKING:
    from indexing.engine import EngineSettings

POINTER_FILE = "CURRENT"
ENGINE_FILE = "engine.json"


class ReadWriteLock:
    """Many concurrent searches, or one writer (FAISS must not be searched while it changes)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    def read(self):
        return _Held(self, False)

    def write(self):
        return _Held(self, True)

    def _acquire(self, write: bool) -> None:
        with self._cond:
            if write:
                while self._writing or self._readers:
                    self._cond.wait()
                self._writing = True
            else:
                while self._writing:
                    self._cond.wait()
                self._readers += 1

    def _release(self, write: bool) -> None:
        with self._cond:
            if write:
                self._writing = False
            else:
                self._readers -= 1
            self._cond.notify_all()


class _Held:
    def __init__(self, lock: ReadWriteLock, write: bool):
        self._lock, self._write = lock, write

    def __enter__(self):
        self._lock._acquire(self._write)

    def __exit__(self, *exc):
        self._lock._release(self._write)


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """Identity of a file's current version: engine.json is replaced (new inode) on every save."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


class Generation:
    """One built index folder: keyword index, dense index and record store together."""

    def __init__(self, folder: Path, encoder: Encoder, settings: EngineSettings, fresh: bool):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        info_path = folder / ENGINE_FILE
        self.stamp = _file_stamp(info_path)  # taken before reading, so a save made meanwhile is noticed later
        self.info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
        if not fresh:
            check_text_version(folder, self.info)
        dense_settings = {"passage_words": settings.passage_words, "max_passages": settings.max_passages}
        if not fresh:
            if not dense_backend_exists(folder):
                raise IndexMismatchError(
                    f"the index in {folder} is incomplete (no dense index); rebuild it (kb reindex)"
                )
            self.dense = load_dense_backend(folder, encoder.identity, encoder.dimension)
        else:
            self.dense = new_dense_backend(encoder.identity, encoder.dimension, dense_settings)
        # An index another keyword backend built raises IndexMismatchError: rebuilt or refused like the encoder's.
        self.keyword = open_keyword_backend(settings.keyword_backend, folder / "keyword")
        self.store = RecordStore(folder)
        self.dirty = False

    def save(self, thesaurus: Thesaurus, settings: EngineSettings) -> None:
        self.keyword.commit()
        self.dense.save(self.folder)
        self.info.update(
            {
                "settings": settings.to_dict(),  # what the index was built and is searched with
                "encoder": self.dense.model,
                "dimension": self.dense.dimension,
                "keyword_backend": self.keyword.name,
                "text_version": INDEXED_TEXT_VERSION,
                "thesaurus": thesaurus.fingerprint,
                "built_at": self.info.get("built_at") or self.dense.built_at,
                "updated_at": time.time(),
                "records": len(self.store),
            }
        )
        tmp = self.folder / (ENGINE_FILE + ".tmp")
        tmp.write_text(json.dumps(self.info, indent=1), encoding="utf-8")
        os.replace(tmp, self.folder / ENGINE_FILE)
        self.stamp = _file_stamp(self.folder / ENGINE_FILE)
        self.dirty = False

    def saved_elsewhere(self) -> bool:
        """True when another process has saved this generation since this one loaded or saved it."""
        return _file_stamp(self.folder / ENGINE_FILE) != self.stamp

    def close(self) -> None:
        self.keyword.close()
        self.store.close()


def check_text_version(folder: Path, info: dict) -> None:
    """Refuse a generation whose records were indexed with another text or analysis (see INDEXED_TEXT_VERSION)."""
    saved = info.get("text_version", UNVERSIONED_INDEX)
    if saved != INDEXED_TEXT_VERSION:
        raise IndexMismatchError(
            f"the index in {folder} holds indexed-text version {saved}, but this version of the search indexes "
            f"version {INDEXED_TEXT_VERSION} (its analysis or a kind's searched text changed); rebuild it (kb reindex)"
        )


def current_folder(index_dir: Path) -> Path | None:
    """The generation the CURRENT pointer names, if it exists."""
    pointer = index_dir / POINTER_FILE
    if not pointer.exists():
        return None
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    return folder if folder.is_dir() else None


def new_folder(index_dir: Path) -> Path:
    """A fresh, unused generation folder name."""
    return index_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def point_to(index_dir: Path, folder: Path) -> None:
    """Make `folder` the current generation (atomically)."""
    tmp = index_dir / (POINTER_FILE + ".tmp")
    tmp.write_text(folder.name, encoding="utf-8")
    os.replace(tmp, index_dir / POINTER_FILE)


def remove_stale_generations(index_dir: Path, keep: set[str]) -> None:
    """Delete every generation folder but those named in `keep`."""
    # The previous generation is kept: another process may still be reading it.
    for folder in index_dir.glob("gen-*"):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
