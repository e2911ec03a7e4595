"""Cross-language search library: keyword (tantivy or Whoosh), dense (FAISS) and thesaurus concepts, fused."""

from indexing.backends import KEYWORD_BACKENDS, IndexMismatchError
from indexing.documents import IndexDoc
from indexing.encoders import load_encoder
from indexing.engine import (
    EngineSettings,
    Hit,
    QueryLegs,
    SearchEngine,
    SearchQuery,
    SearchResults,
)
from indexing.fusion import rrf_fuse
from indexing.language import detect_language

__all__ = [
    "KEYWORD_BACKENDS",
    "EngineSettings",
    "Hit",
    "IndexDoc",
    "IndexMismatchError",
    "QueryLegs",
    "SearchEngine",
    "SearchQuery",
    "SearchResults",
    "detect_language",
    "load_encoder",
    "rrf_fuse",
]
