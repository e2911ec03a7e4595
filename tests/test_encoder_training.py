"""The distillation recipe runs end to end on a tiny parallel folder and yields a loadable model."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from indexing.encoder_training import (
    TrainingConfig,
    load_parallel,
    pair_files,
    read_pairs,
    swap_in,
    token_coverage,
    train_encoder,
    train_tokenizer,
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


def test_broken_lines_are_skipped_and_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "en-it.tsv"
    path.write_bytes(
        b"I need a small loan\tHo bisogno di un piccolo prestito\n"
        + b"The bank\tLa banca\textra column\n"
        + b"\tsolo italiano\n"
        + b"only English\t   \n"
        + b"no tab at all\n"
        + "Latin-1 text\tcaff\xe8 e t\xe8\n".encode("latin-1")
        + b"The course lasts two weeks\tIl corso dura due settimane\r\n"
    )
    skipped = Counter()
    pairs = read_pairs(path, skipped)
    assert pairs == [("I need a small loan", "Ho bisogno di un piccolo prestito"),
                     ("The course lasts two weeks", "Il corso dura due settimane")]
    assert skipped == {"not two columns": 2, "an empty side": 2, "not UTF-8": 1}
    per_language: dict[str, Counter] = {}
    assert load_parallel(tmp_path, skipped=per_language)["it"]
    assert sum(per_language["it"].values()) == 5


def test_a_run_that_stops_leaves_the_shipped_model_whole(parallel_dir: Path, tmp_path: Path) -> None:
    shipped = tmp_path / "student"
    shipped.mkdir()
    (shipped / "model.safetensors").write_bytes(b"the shipped weights")
    config = TrainingConfig(parallel_dir=str(parallel_dir), out_dir=str(shipped), cache_dir=str(tmp_path / "cache"),
                            vocab_size=300, epochs=1, batch_size=8, tokenizer_kind="no-such-kind", threads=1)
    with pytest.raises(ValueError, match="tokenizer"):
        train_encoder(config)
    assert [p.name for p in shipped.iterdir()] == ["model.safetensors"]
    assert (shipped / "model.safetensors").read_bytes() == b"the shipped weights"
    # A finished folder replaces the old one whole, and nothing is left beside it.
    staging = tmp_path / ".student.new-1"
    staging.mkdir()
    (staging / "kb_encoder.json").write_text("{}", encoding="utf-8")
    swap_in(staging, shipped)
    assert [p.name for p in shipped.iterdir()] == ["kb_encoder.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "parallel", "student"]


def test_token_coverage_shows_a_script_the_vocabulary_lacks() -> None:
    latin = [it for _, it in ITALIAN] + [de for _, de in GERMAN]
    tokenizer = train_tokenizer(latin * 5, vocab_size=200)
    italian = token_coverage(tokenizer, ["Ho bisogno di un piccolo prestito"])
    arabic = token_coverage(tokenizer, ["أحتاج إلى قرض صغير لفتح متجر"])
    assert italian["unknown"] < 0.2
    assert arabic["unknown"] + arabic["single_letter"] > 0.8


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
