"""Search backends behind small interfaces, chosen by name: keyword (tantivy, Whoosh) and dense (FAISS)."""

from __future__ import annotations

from pathlib import Path

from indexing.backends.base import (
    Clause,
    DenseBackend,
    IndexMismatchError,
    KeywordBackend,
    KeywordHit,
)

# The keyword backends, the default first (kb_app/settings.py's KB_KEYWORD_BACKEND derives from this).
KEYWORD_BACKENDS: tuple[str, ...] = ("tantivy", "whoosh")
DEFAULT_KEYWORD_BACKEND = KEYWORD_BACKENDS[0]
DENSE_BACKENDS: tuple[str, ...] = ("faiss",)


def open_keyword_backend(name: str, folder: Path) -> KeywordBackend:
    """Open (or create) the keyword index in `folder` with backend `name`.

    Raises IndexMismatchError when the folder holds an index another backend built, and
    ValueError for an unknown name.
    """
    if name == "tantivy":
        from indexing.backends.tantivy_backend import TantivyBackend

        return TantivyBackend(folder)
    if name == "whoosh":
        from indexing.backends.whoosh_backend import WhooshBackend

        return WhooshBackend(folder)
    raise ValueError(f"unknown keyword backend {name!r}; use one of {', '.join(KEYWORD_BACKENDS)}")


def new_dense_backend(model: str, dimension: int, settings: dict | None = None, name: str = "faiss") -> DenseBackend:
    """An empty dense index for vectors of `dimension` made by encoder `model`."""
    if name != "faiss":
        raise ValueError(f"unknown dense backend {name!r}; use one of {', '.join(DENSE_BACKENDS)}")
    from indexing.backends.faiss_dense import DenseIndex

    return DenseIndex(model, dimension, settings)


def load_dense_backend(folder: Path, model: str, dimension: int, name: str = "faiss") -> DenseBackend:
    """The dense index saved in `folder`; IndexMismatchError if another model or dimension built it."""
    if name != "faiss":
        raise ValueError(f"unknown dense backend {name!r}; use one of {', '.join(DENSE_BACKENDS)}")
    from indexing.backends.faiss_dense import DenseIndex

    return DenseIndex.load(folder, model, dimension)


def dense_backend_exists(folder: Path, name: str = "faiss") -> bool:
    """True when `folder` holds a saved dense index."""
    from indexing.backends.faiss_dense import DenseIndex

    return DenseIndex.exists(folder)


__all__ = [
    "DEFAULT_KEYWORD_BACKEND",
    "DENSE_BACKENDS",
    "KEYWORD_BACKENDS",
    "Clause",
    "DenseBackend",
    "IndexMismatchError",
    "KeywordBackend",
    "KeywordHit",
    "dense_backend_exists",
    "load_dense_backend",
    "new_dense_backend",
    "open_keyword_backend",
]
