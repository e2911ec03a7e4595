"""The distillation recipe runs end to end on a tiny parallel folder and yields a loadable model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexing.encoder_training import (
    TrainingConfig,
    load_parallel,
    pair_files,
    train_encoder,
)

ITALIAN = [
    ("I need a small loan", "Ho bisogno di un piccolo prestito"),
    ("The bank opens at nine", "La banca apre alle nove"),
    ("She wants to open a shop", "Lei vuole aprire un negozio"),
    ("We teach accounting to women", "Insegniamo contabilità alle donne"),
    ("The course lasts two weeks", "Il corso dura due settimane"),
    ("My business plan is ready", "Il mio piano aziendale è pronto"),
    ("They sell bread and cakes", "Vendono pane e torte"),
    ("The office is closed today", "L'ufficio è chiuso oggi"),
    ("He found a job in Milan", "Ha trovato lavoro a Milano"),
    ("Where is the training centre?", "Dov'è il centro di formazione?"),
    ("I read the contract twice", "Ho letto il contratto due volte"),
    ("The loan was repaid in a year", "Il prestito è stato rimborsato in un anno"),
]
GERMAN = [
    ("I need a small loan", "Ich brauche einen kleinen Kredit"),
    ("The bank opens at nine", "Die Bank öffnet um neun"),
    ("She wants to open a shop", "Sie will einen Laden eröffnen"),
    ("The course lasts two weeks", "Der Kurs dauert zwei Wochen"),
    ("They sell bread and cakes", "Sie verkaufen Brot und Kuchen"),
    ("The office is closed today", "Das Büro ist heute geschlossen"),
    ("He found a job in Berlin", "Er hat eine Arbeit in Berlin gefunden"),
    ("Where is the training centre?", "Wo ist das Ausbildungszentrum?"),
]


@pytest.fixture
def parallel_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "parallel"
    folder.mkdir()
    (folder / "en-it.tsv").write_text("".join(f"{en}\t{it}\n" for en, it in ITALIAN), encoding="utf-8")
    (folder / "en-de.tsv").write_text("".join(f"{en}\t{de}\n" for en, de in GERMAN), encoding="utf-8")
    # Word lists must never be read: a poisoned one would show up in the vocabulary.
    (folder / "dict-en-it.tsv").write_text("zzqxword\tzzqxparola\n" * 50, encoding="utf-8")
    (folder / "extra").mkdir()
    (folder / "extra" / "en-it.ntrex.tsv").write_text("zzqxword\tzzqxparola\n" * 50, encoding="utf-8")
    return folder


def test_only_sentence_pair_files_are_read(parallel_dir: Path) -> None:
    assert sorted(pair_files(parallel_dir)) == ["de", "it"]
    pairs = load_parallel(parallel_dir, max_pairs_per_lang=5)
    assert {lang: len(rows) for lang, rows in pairs.items()} == {"de": 5, "it": 5}
    assert load_parallel(parallel_dir, max_pairs_per_lang=5) == pairs  # same seed, same subset


def test_benchmark_folders_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "benchmarks" / "tatoeba"
    folder.mkdir(parents=True)
    with pytest.raises(ValueError, match="benchmark"):
        pair_files(folder)


def test_recipe_trains_a_loadable_multilingual_student(parallel_dir: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    domain = tmp_path / "corpus"
    domain.mkdir()
    concept = {"id": "microcredit", "labels": {"en": {"pref": "microcredit", "alt": ["microloan"]},
                                               "it": {"pref": "microcredito", "alt": []}}}
    (domain / "thesaurus.jsonl").write_text(json.dumps(concept) + "\n", encoding="utf-8")
    out = tmp_path / "student"
    config = TrainingConfig(
        parallel_dir=str(parallel_dir), out_dir=str(out), cache_dir=str(tmp_path / "cache"),
        domain_dir=str(domain), vocab_size=300, epochs=1, batch_size=8, learning_rate=0.05, threads=1,
    )
    stats = train_encoder(config)

    assert stats["thesaurus_pairs"] == 1
    meta = json.loads((out / "kb_encoder.json").read_text(encoding="utf-8"))
    assert meta == {"multilingual": True, "languages": ["de", "en", "it"],
                    "teacher": "sentence-transformers/all-MiniLM-L6-v2", "dimension": 384}
    assert "zzqx" not in (out / "tokenizer.json").read_text(encoding="utf-8")
    model = SentenceTransformer(str(out), device="cpu")
    vectors = np.asarray(model.encode(["Ho bisogno di un piccolo prestito", "I need a small loan"]), dtype=np.float32)
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    # The teacher cache is reused: a second run encodes nothing new.
    assert any((tmp_path / "cache").rglob("shard-*.npy"))
