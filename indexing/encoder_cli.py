"""`kb encoder` commands: train the multilingual student and benchmark encoders on Tatoeba."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

SHIPPED_MODEL = Path(__file__).resolve().parent / "models" / "micro-static-multilingual"


def _offline() -> None:
    # Models come from local folders; never let a typo turn into a hub download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@click.group("encoder")
def encoder() -> None:
    """Build and measure sentence encoders."""


@encoder.command("train")
@click.option("--parallel", "parallel_dir", required=True, type=click.Path(file_okay=False),
              help="Folder of en-XX.tsv sentence pairs (english<TAB>other).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Where to save the model.")
@click.option("--domain", "domain_dir", type=click.Path(file_okay=False), default=None,
              help="Corpus folder: thesaurus.jsonl labels and record titles are added.")
@click.option("--cache-dir", default=None, help="Teacher embeddings cache (default $KB_CACHE_DIR or $KB_DATA_DIR/cache).")
@click.option("--epochs", default=8, show_default=True, type=int)
@click.option("--languages", default=None, help="Comma-separated codes (default: every en-XX.tsv).")
@click.option("--max-pairs-per-lang", default=None, type=int)
@click.option("--vocab-size", default=60000, show_default=True, type=int)
@click.option("--tokenizer", "tokenizer_kind", default="wordpiece", type=click.Choice(["wordpiece", "unigram"]),
              show_default=True)
@click.option("--batch-size", default=512, show_default=True, type=int)
@click.option("--learning-rate", default=0.1, show_default=True, type=float)
@click.option("--oversample", default="it=3,ar=3", show_default=True,
              help="Per-language repeat factors, e.g. it=3,ar=3.")
@click.option("--threads", default=2, show_default=True, type=int)
@click.option("--seed", default=12, show_default=True, type=int)
def train(parallel_dir: str, out_dir: str, domain_dir: str | None, cache_dir: str | None, epochs: int,
          languages: str | None, max_pairs_per_lang: int | None, vocab_size: int, tokenizer_kind: str,
          batch_size: int, learning_rate: float, oversample: str, threads: int, seed: int) -> None:
    """Distil the English teacher into a static multilingual student."""
    from indexing.encoder_training import TrainingConfig, cache_root, train_encoder

    _offline()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    factors = {}
    for item in filter(None, oversample.split(",")):
        lang, _, value = item.partition("=")
        factors[lang.strip()] = float(value)
    config = TrainingConfig(
        parallel_dir=parallel_dir,
        out_dir=out_dir,
        cache_dir=str(cache_root(cache_dir)),
        languages=[code.strip() for code in languages.split(",")] if languages else None,
        max_pairs_per_lang=max_pairs_per_lang,
        oversample=factors,
        domain_dir=domain_dir,
        vocab_size=vocab_size,
        tokenizer_kind=tokenizer_kind,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        threads=threads,
    )
    stats = train_encoder(config)
    click.echo(f"saved {out_dir}: {stats['vocabulary']} tokens, {stats['bytes'] / 1e6:.1f} MB, "
               f"{stats['minutes']} min")


@encoder.command("bench")
@click.option("--tatoeba", "tatoeba_dir", required=True, type=click.Path(), help="Folder of tatoeba.XXX-eng.* files.")
@click.option("--model", "model_name", default=None, help="Model folder or name (default: the shipped student).")
@click.option("--teacher/--no-teacher", default=False, help="Also run the English teacher, for accuracy and speed.")
@click.option("--threads", default=2, show_default=True, type=int)
@click.option("--update-card", is_flag=True, help="Write the figures into the model folder's README.md.")
def bench(tatoeba_dir: str, model_name: str | None, teacher: bool, threads: int, update_card: bool) -> None:
    """Nearest-English-neighbour accuracy per language, and encoding speed."""
    if not Path(tatoeba_dir).is_dir():
        click.echo(f"Tatoeba folder not found: {tatoeba_dir} (skipped)")
        return
    import torch
    from sentence_transformers import SentenceTransformer

    from indexing.encoder_training import load_teacher
    from indexing.tatoeba import evaluate, format_table, machine_info

    _offline()
    torch.set_num_threads(threads)
    name = model_name or str(SHIPPED_MODEL)
    results = [evaluate(SentenceTransformer(name, device="cpu"), tatoeba_dir, name=Path(name).name)]
    if teacher:
        results.append(evaluate(load_teacher(), tatoeba_dir, name="teacher"))
    table = format_table(results)
    machine = "machine: " + ", ".join(f"{key} {value}" for key, value in machine_info().items())
    click.echo(table)
    click.echo(machine)
    if update_card:
        _write_card(Path(name), f"Tatoeba nearest-English accuracy and encoding speed "
                                f"(`kb encoder bench --tatoeba DIR --teacher --threads {threads}`):\n\n"
                                f"```\n{table}\n{machine}\n```")


def _write_card(model_dir: Path, benchmark: str) -> None:
    """Regenerate README.md from the training record saved beside the weights, with the figures."""
    import json

    from indexing.encoder_training import TrainingConfig, folder_bytes, model_card

    record = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    record["stats"].setdefault("bytes", folder_bytes(model_dir))
    card = model_card(TrainingConfig(**record["config"]), record["stats"], benchmark)
    (model_dir / "README.md").write_text(card, encoding="utf-8")
    click.echo(f"updated {model_dir / 'README.md'}")
