"""Extraction in a process of its own: a file that is huge, hostile or crashes a parser costs that process only.

The child gets a memory ceiling, a CPU-time ceiling and a wall-clock timeout, runs at low priority, and
answers with one JSON object on stdout; whatever happens to it, the caller gets an Outcome.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .extract import Extracted, ExtractionRefused, Limits, OutOfTime, extract

HARD_STOP_GRACE = 3.0  # seconds past the limit before a child that did not stop itself is killed


@dataclass
class Outcome:
    """The result for one file: `extracted` when read (status ok or no_text), else the refusal `code`."""

    extracted: Extracted | None = None
    code: str | None = None
    detail: str = ""
    seconds: float = 0.0


def _limit_child(limits: Limits) -> None:  # runs in the child between fork and exec
    import resource

    memory = int(limits.max_memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.max_seconds + HARD_STOP_GRACE) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(10)


def extract_isolated(path: Path | str, content_type: str, limits: Limits | None = None) -> Outcome:
    """Read one stored file in a child process; never raises for anything the file does."""
    import time

    limits = limits or Limits()
    started = time.monotonic()
    command = [sys.executable, "-m", "kb_app.documents.isolation", str(path), content_type,
               json.dumps(asdict(limits))]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "HOME")}
    env["OMP_NUM_THREADS"] = "1"
    try:
        # The child stops itself when its time is up (keeping what it read); this is for a parser stuck in C code.
        child = subprocess.run(command, capture_output=True, check=False, timeout=limits.max_seconds + HARD_STOP_GRACE, env=env,
                               preexec_fn=lambda: _limit_child(limits), cwd=str(Path(__file__).resolve().parents[2]))
    except subprocess.TimeoutExpired:
        return Outcome(code="timeout", detail=f"more than {limits.max_seconds:g} s", seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    if child.returncode != 0:
        if child.returncode in (-9, -24) or child.returncode == 128 + 24:  # SIGKILL / SIGXCPU: a ceiling was hit
            return Outcome(code="timeout", detail=f"stopped after {seconds:.0f} s", seconds=seconds)
        last = (child.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
        code = "too_complex" if "MemoryError" in last else "failed"
        return Outcome(code=code, detail=f"exit {child.returncode}: {last[:200]}", seconds=seconds)
    try:
        answer = json.loads(child.stdout)
    except ValueError:
        return Outcome(code="failed", detail="no answer from the extraction process", seconds=seconds)
    if "refused" in answer:
        return Outcome(code=answer["refused"], detail=answer.get("detail", ""), seconds=seconds)
    return Outcome(extracted=Extracted.from_dict(answer), seconds=seconds)


def _main(argv: list[str]) -> int:
    path, content_type, limits_json = argv
    limits = Limits(**json.loads(limits_json))
    import signal

    def out_of_time(_signum: int, _frame: object) -> None:
        raise OutOfTime

    signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, max(limits.max_seconds, 0.01))
    try:
        data = Path(path).read_bytes()
        result = extract(data, content_type, limits)
        answer: dict = result.as_dict()
    except ExtractionRefused as exc:
        answer = {"refused": exc.code, "detail": exc.detail}
    except OutOfTime:
        answer = {"refused": "timeout", "detail": f"more than {limits.max_seconds:g} s"}
    except MemoryError:
        answer = {"refused": "too_complex", "detail": "needed more memory than allowed"}
    except RecursionError:
        answer = {"refused": "malformed", "detail": "nested too deeply"}
    signal.setitimer(signal.ITIMER_REAL, 0)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
