"""Shared parts of every benchmark report: the machine it ran on, percentiles and a Markdown table."""
from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def machine_lines() -> list[str]:
    """What a reader needs to compare figures: cores, CPU, RAM, load at the start, software versions."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _memory_gb()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    lines = [
        f"machine: {cores} usable cores (nproc), {_cpu_model()}, "
        f"{f'{memory:.1f} GB RAM' if memory else 'RAM unknown'}, {platform.system()} {platform.release()}",
        # The machine may be shared: the load average says how much of it the benchmark really had.
        f"load average at start: {load}; Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
    ]
    versions = []
    for package in ("torch", "sentence-transformers", "faiss-cpu", "tantivy", "whoosh-reloaded", "waitress"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    if versions:
        lines.append(", ".join(versions))
    return lines


def print_machine() -> None:
    for line in machine_lines():
        print(line)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between the closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
