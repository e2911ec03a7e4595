"""Tatoeba bitext benchmark: how often a sentence's nearest English neighbour is its translation."""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PAIR_FILE = re.compile(r"^tatoeba\.([a-z]{3})-eng\.\1$")
PARTNER_LANGUAGES = ("ita", "fra", "spa", "deu")


@dataclass
class TatoebaResult:
    """Accuracy per language and encoding speed of one model."""

    model: str
    accuracy: dict[str, float]
    sentences: int
    seconds: float
    pairs: dict[str, int] = field(default_factory=dict)

    @property
    def speed(self) -> float:
        return self.sentences / self.seconds if self.seconds else float("inf")

    @property
    def partner_mean(self) -> float | None:
        scores = [self.accuracy[lang] for lang in PARTNER_LANGUAGES if lang in self.accuracy]
        return sum(scores) / len(scores) if scores else None


def read_tatoeba(folder: str | os.PathLike[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Language -> (foreign sentences, English sentences), line-aligned."""
    result = {}
    for path in sorted(Path(folder).iterdir()):
        match = PAIR_FILE.match(path.name)
        if not match:
            continue
        english_path = path.with_name(f"tatoeba.{match.group(1)}-eng.eng")
        if not english_path.is_file():
            continue
        foreign = path.read_text(encoding="utf-8").splitlines()
        english = english_path.read_text(encoding="utf-8").splitlines()
        if len(foreign) != len(english):
            raise ValueError(f"{path.name}: {len(foreign)} lines but {english_path.name} has {len(english)}")
        result[match.group(1)] = (foreign, english)
    return result


def nearest_english_accuracy(foreign: np.ndarray, english: np.ndarray) -> float:
    """Share of rows i whose most cosine-similar English row is row i."""
    foreign = foreign / np.maximum(np.linalg.norm(foreign, axis=1, keepdims=True), 1e-12)
    english = english / np.maximum(np.linalg.norm(english, axis=1, keepdims=True), 1e-12)
    nearest = np.argmax(foreign @ english.T, axis=1)
    return float(np.mean(nearest == np.arange(len(foreign))))


def evaluate(model, folder: str | os.PathLike[str], name: str = "", batch_size: int = 256,
             languages: Sequence[str] | None = None) -> TatoebaResult:
    """Encode every pair file of the folder with a SentenceTransformer-like model and score it."""
    data = read_tatoeba(folder)
    if languages:
        data = {lang: data[lang] for lang in languages if lang in data}
    accuracy, pairs = {}, {}
    sentences, seconds = 0, 0.0
    for lang, (foreign, english) in data.items():
        started = time.perf_counter()
        vectors = np.asarray(
            model.encode(foreign + english, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False),
            dtype=np.float32,
        )
        seconds += time.perf_counter() - started
        sentences += len(foreign) + len(english)
        accuracy[lang] = nearest_english_accuracy(vectors[: len(foreign)], vectors[len(foreign) :])
        pairs[lang] = len(foreign)
    return TatoebaResult(name, accuracy, sentences, seconds, pairs)


def machine_info() -> dict[str, str]:
    """What the speed figures were measured on."""
    import torch

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def format_table(results: Sequence[TatoebaResult]) -> str:
    """Plain-text table: one row per language, one column per model, then mean and speed."""
    languages = sorted({lang for result in results for lang in result.accuracy})
    width = max([12] + [len(r.model) for r in results])
    header = "lang  pairs " + " ".join(f"{r.model:>{width}}" for r in results)
    lines = [header, "-" * len(header)]
    for lang in languages:
        count = next((r.pairs.get(lang) for r in results if lang in r.pairs), 0)
        cells = " ".join(
            f"{r.accuracy[lang]:>{width}.3f}" if lang in r.accuracy else " " * (width - 1) + "-" for r in results
        )
        lines.append(f"{lang:<5} {count:>5} {cells}")
    lines.append("-" * len(header))
    means = " ".join(
        f"{r.partner_mean:>{width}.3f}" if r.partner_mean is not None else " " * (width - 1) + "-" for r in results
    )
    lines.append(f"{'mean 4*':<11} {means}")
    lines.append(f"{'sent/s':<11} " + " ".join(f"{r.speed:>{width}.0f}" for r in results))
    if len(results) > 1 and results[-1].speed:
        ratio = results[0].speed / results[-1].speed
        lines.append(f"speed {results[0].model} / {results[-1].model}: {ratio:.1f}x")
    lines.append("* mean over " + ", ".join(PARTNER_LANGUAGES))
    return "\n".join(lines)
