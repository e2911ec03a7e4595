"""kill -9 in the middle of `kb import` and `kb reindex`: nothing half-written, indexes agree with the database."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import Kb

ROUNDS = int(os.environ.get("KB_CRASH_ROUNDS", "10"))  # per command; CI runs 10 + 10 = 20 kill -9 rounds


def batch(prefix: str, n: int) -> str:
    rows = []
    for i in range(n):
        rows.append(json.dumps({
            "id": f"{prefix}-{i}", "kind": "practice", "lang": ("it", "es", "de")[i % 3],
            "title": f"Pratica {prefix} {i}: microcredito e fondo di garanzia",
            "body": "Un servizio di tutoraggio accompagna le persone migranti nella richiesta di un microcredito. " * 5,
            "themes": ["access-to-credit"], "country": "IT",
        }, ensure_ascii=False))
    return "\n".join(rows) + "\n"


def kb_process(kb: Kb, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **kb.env}
    return subprocess.Popen([sys.executable, "-m", "kb_app.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def record_ids(kb: Kb) -> list[str]:
    out = kb("export")
    assert out.exit_code == 0, out.output
    return [json.loads(line)["id"] for line in out.stdout.splitlines() if line.strip()]


def kill_at_random(proc: subprocess.Popen[bytes], rng: random.Random, longest: float) -> bool:
    """Kill the process at a random moment; True when it was killed before finishing by itself."""
    deadline = time.monotonic() + rng.uniform(0.5, longest)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@pytest.mark.slow
def test_kill_during_import_and_reindex_loses_nothing(kb: Kb, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    first = tmp_path / "first.jsonl"
    first.write_text(batch("base", 60), encoding="utf-8")
    assert kb("import", str(first)).exit_code == 0
    expected = set(record_ids(kb))
    outcomes: list[dict[str, Any]] = []
    for round_no in range(ROUNDS):
        path = tmp_path / f"round-{round_no}.jsonl"
        path.write_text(batch(f"r{round_no}", 150), encoding="utf-8")
        killed = kill_at_random(kb_process(kb, "import", str(path)), rng, longest=12.0)
        ids = set(record_ids(kb))
        added = ids - expected
        # All or nothing: either the whole file is in, or none of it.
        assert added in (set(), {f"r{round_no}-{i}" for i in range(150)}), f"round {round_no}: partial import"
        expected = ids
        check = kb("check")
        assert check.exit_code == 0, f"round {round_no} (killed={killed}): {check.output}"
        outcomes.append({"round": round_no, "killed": killed, "imported": bool(added)})

    for round_no in range(ROUNDS):
        killed = kill_at_random(kb_process(kb, "reindex"), rng, longest=10.0)
        check = kb("check")
        assert check.exit_code == 0, f"reindex round {round_no} (killed={killed}): {check.output}"
        outcomes.append({"round": f"reindex-{round_no}", "killed": killed})

    assert set(record_ids(kb)) == expected
    search = kb("check")
    assert "consistent" in search.output
    assert sum(1 for o in outcomes if o["killed"]) >= ROUNDS  # most rounds really were interrupted
