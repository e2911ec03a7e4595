"""Language detection: lingua's high- and low-accuracy modes on the dev set, accuracy against memory.

Each mode runs in a fresh process: it builds the detector the way `indexing.language` does, then
detects the language of every dev query (corpus/eval/queries.jsonl; without a hint, and with the
hint of an English interface) and of every seed
record (title, summary and the start of the body, as the engine does for a record without a
language). Printed per mode: accuracy on queries and records, the detector's resident memory
(RSS after detection minus RSS before building it) and the time per detection. Usage:

    python bench/language_detection.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import markdown_table, print_machine  # noqa: E402
from synthetic import ROOT, load_seed_records  # noqa: E402

MODES = ("high", "low")


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(mode: str) -> dict:
    """Accuracy and memory of one mode, in this process (call it in a fresh one)."""
    from indexing import language

    language.DETECTION_MODE = mode

    queries = [json.loads(line) for line in (ROOT / "corpus" / "eval" / "queries.jsonl").read_text().splitlines() if line]
    records = load_seed_records()
    before = _rss_mb()
    language.detect_language("warm up the detector")
    right_queries = sum(language.detect_language(q["text"]) == q["lang"] for q in queries)
    started = time.perf_counter()
    texts = [" ".join((r["title"], r.get("summary") or "", (r.get("body") or "")[:1000])) for r in records]
    right_records = sum(language.detect_language(text) == r["lang"] for text, r in zip(texts, records, strict=True))
    per_detection = (time.perf_counter() - started) / len(records)
    right_hinted = sum(language.detect_language(q["text"], "en") == q["lang"] for q in queries)
    wrong = [q["text"] for q in queries if language.detect_language(q["text"]) != q["lang"]]
    return {"mode": mode, "queries": len(queries), "right_queries": right_queries, "right_hinted": right_hinted, "records": len(records),
            "right_records": right_records, "rss_mb": _rss_mb() - before, "ms": per_detection * 1000, "wrong": wrong}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2])))
        return 0
    print_machine()
    rows = []
    for mode in MODES:
        out = subprocess.run([sys.executable, __file__, "--one", mode], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        found = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append([mode, f"{found['right_queries']}/{found['queries']}", f"{found['right_hinted']}/{found['queries']}",
                     f"{found['right_records']}/{found['records']}",
                     f"{found['rss_mb']:.0f}", f"{found['ms']:.2f}"])
        print(f"{mode}: queries detected wrongly: {found['wrong']}")
    print(markdown_table(["lingua mode", "dev queries right (no hint)",
                          "dev queries right (English UI hint)", "seed records right", "detector RSS MB",
                          "ms per record"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
