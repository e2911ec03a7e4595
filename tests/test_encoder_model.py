"""The shipped multilingual encoder loads offline and brings translations together."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexing.encoder_cli import SHIPPED_MODEL

PAIRS = [
    (
        "I need a small loan to open a shop",
        "Ho bisogno di un piccolo prestito per aprire un negozio",
        "أحتاج إلى قرض صغير لفتح متجر",
    ),
    (
        "The training course teaches accounting to women",
        "Il corso di formazione insegna la contabilità alle donne",
        "تعلم الدورة التدريبية المحاسبة للنساء",
    ),
]
UNRELATED = ["The cat is sleeping on the sofa", "It will rain in the mountains tomorrow"]


@pytest.fixture(scope="module")
def model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(SHIPPED_MODEL), device="cpu", local_files_only=True)


def _encode(model, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts), dtype=np.float32)


def test_folder_is_small_and_describes_itself() -> None:
    size = sum(path.stat().st_size for path in SHIPPED_MODEL.rglob("*") if path.is_file())
    assert size <= 50 * 1000 * 1000
    meta = json.loads((SHIPPED_MODEL / "kb_encoder.json").read_text(encoding="utf-8"))
    assert meta["multilingual"] is True and meta["dimension"] == 384
    assert {"en", "it", "fr", "es", "de", "ar"} <= set(meta["languages"])
    assert "CC BY-SA 4.0" in (SHIPPED_MODEL / "README.md").read_text(encoding="utf-8")


def test_vectors_are_384_dimensional_and_normalised(model) -> None:
    vectors = _encode(model, ["microcredito per migranti", ""])
    assert vectors.shape == (2, 384)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-2)


@pytest.mark.parametrize("pair", PAIRS, ids=["loan", "training"])
def test_translations_are_closer_than_unrelated_sentences(model, pair: tuple[str, str, str]) -> None:
    english, italian, arabic = _encode(model, list(pair))
    unrelated = _encode(model, UNRELATED)
    for translation in (italian, arabic):
        assert float(english @ translation) > float(np.max(unrelated @ translation))
    assert float(italian @ arabic) > float(np.max(unrelated @ italian))


def test_numpy_encoder_gives_the_sentence_transformers_vectors(model) -> None:
    """The server encodes with NumPy (no PyTorch); its vectors must be the library's own."""
    from indexing.encoders import StaticEmbeddingEncoder, load_encoder

    texts = [PAIRS[0][0], PAIRS[1][2], "Existenzgründung " * 400, "", "🙂"]
    ours = StaticEmbeddingEncoder(str(SHIPPED_MODEL)).encode(texts)
    theirs = _encode(model, texts)
    # PyTorch sums the fp16 rows in fp16, NumPy in float32: long texts differ in the fourth decimal.
    for row in (0, 1, 2):
        assert float(ours[row] @ theirs[row]) > 0.999
    assert not np.any(ours[3]), "an empty text is a zero vector, not NaN"
    assert isinstance(load_encoder(str(SHIPPED_MODEL)), StaticEmbeddingEncoder)


def test_a_batch_gives_each_text_the_vector_it_gets_alone() -> None:
    """An import encodes records in batches and a search encodes one query: a text gets one vector either way."""
    from indexing.encoders import StaticEmbeddingEncoder

    encoder = StaticEmbeddingEncoder(str(SHIPPED_MODEL))
    texts = ["Microcredito per donne migranti, a Torino.", "قروض صغيرة\tللنساء المهاجرات", "l'´accent e\u0301 ﬁnal\u00a0ici",
             "中文字abc中def", "a\x1cb  c\r\nd\u2028e", "  ", "Existenzgründung—Beratung!!", "🙂🙂 x", ""]
    alone = np.vstack([encoder.encode([text]) for text in texts])
    for _ in range(2):  # the second batch reuses the chunks the first one tokenized
        assert np.array_equal(encoder.encode(texts), alone)
