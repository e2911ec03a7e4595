"""Tatoeba benchmark of the shipped encoder against the English teacher (accuracy per language, speed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.encoder_cli import bench

if __name__ == "__main__":
    # Usage: python bench/tatoeba.py --tatoeba ../shared/benchmarks/tatoeba [--model PATH] [--teacher]
    bench(prog_name="bench/tatoeba.py")
