"""The Tatoeba benchmark scores nearest-English-neighbour retrieval per language."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from indexing.encoder_cli import SHIPPED_MODEL, encoder
from indexing.tatoeba import (
    evaluate,
    format_table,
    nearest_english_accuracy,
    read_tatoeba,
)

ITALIAN = ["Il gatto dorme sul divano.", "Domani piove a Roma.", "Mi piace il caffè.", "Dove si trova la stazione?"]
ENGLISH = ["The cat sleeps on the sofa.", "Tomorrow it rains in Rome.", "I like coffee.", "Where is the station?"]


@pytest.fixture
def tatoeba_dir(tmp_path: Path) -> Path:
    (tmp_path / "tatoeba.ita-eng.ita").write_text("\n".join(ITALIAN) + "\n", encoding="utf-8")
    (tmp_path / "tatoeba.ita-eng.eng").write_text("\n".join(ENGLISH) + "\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a pair file", encoding="utf-8")
    return tmp_path


def test_accuracy_counts_rows_whose_nearest_english_is_their_own() -> None:
    english = np.eye(3, dtype=np.float32)
    foreign = np.array([[1, 0.1, 0], [0.9, 0.2, 0], [0, 0, 2]], dtype=np.float32)  # row 1 lands on row 0
    assert nearest_english_accuracy(foreign, english) == pytest.approx(2 / 3)


def test_folder_is_read_as_aligned_pairs(tatoeba_dir: Path) -> None:
    assert read_tatoeba(tatoeba_dir) == {"ita": (ITALIAN, ENGLISH)}
    (tatoeba_dir / "tatoeba.ita-eng.eng").write_text("one line\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lines"):
        read_tatoeba(tatoeba_dir)


def test_shipped_encoder_finds_the_translations(tatoeba_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    result = evaluate(SentenceTransformer(str(SHIPPED_MODEL), device="cpu"), tatoeba_dir, name="student")
    assert result.accuracy == {"ita": 1.0}
    assert result.partner_mean == 1.0
    assert result.speed > 0
    assert "ita" in format_table([result])


def test_bench_command_skips_a_missing_folder(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(encoder, ["bench", "--tatoeba", str(tmp_path / "absent")])
    assert outcome.exit_code == 0
    assert "not found" in outcome.output


def test_bench_command_prints_a_table(tatoeba_dir: Path) -> None:
    outcome = CliRunner().invoke(encoder, ["bench", "--tatoeba", str(tatoeba_dir), "--threads", "1"])
    assert outcome.exit_code == 0, outcome.output
    assert "ita" in outcome.output and "sent/s" in outcome.output and "machine:" in outcome.output


def test_shipped_encoder_on_the_real_tatoeba_set() -> None:
    folder = os.environ.get("KB_TATOEBA_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.skip("set KB_TATOEBA_DIR to the Tatoeba benchmark folder to run this test")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(SHIPPED_MODEL), device="cpu")
    result = evaluate(model, folder, languages=["ita", "fra", "spa", "deu"])
    # Figures of the shipped weights (model card), with a little slack.
    assert result.partner_mean >= 0.80
