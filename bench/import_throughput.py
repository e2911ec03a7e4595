"""Import and indexing throughput of `kb import` (records/s) and its peak memory, at several catalogue sizes.

For each size: a fresh data dir (SQLite, or an empty PostgreSQL database with --database-url),
`kb init --no-corpus`, synthetic records (bench/synthetic.py), then `kb import` in a child
process that times its two phases apart: writing to the database (validation, one
transaction) and bringing the index replica up to date (encoding, FAISS, Whoosh). The
encoder is loaded before the clock starts and reported on its own line. Usage:

    python bench/import_throughput.py [--sizes 1000,10000,100000] [--reindex] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_runs import ROOT, kb_env, run_kb  # noqa: E402
from report import markdown_table, print_machine  # noqa: E402
from synthetic import load_seed_records, synthetic_records, write_jsonl  # noqa: E402


def timed_import(path: Path) -> dict[str, Any]:
    """Run `kb import PATH` in this process (the worker) and time its phases; called with --worker."""
    started = time.perf_counter()
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from indexing.encoders import load_encoder
    from kb_app.cli import main as kb_main

    load_encoder(os.environ.get("KB_EMBEDDING_MODEL") or None)  # cached per process: `kb import` reuses it
    model_loaded = time.perf_counter()
    commits: list[float] = []
    # The import writes everything in one transaction; the index replica is brought up to date after it.
    event.listen(Session, "after_commit", lambda _session: commits.append(time.perf_counter()))
    begin = time.perf_counter()
    kb_main(["import", str(path)], standalone_mode=False)
    end = time.perf_counter()
    committed = commits[-1] if commits else end
    return {
        "startup_s": model_loaded - started,
        "database_s": committed - begin,
        "index_s": end - committed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(env: dict[str, str], source: Path) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--worker", str(source)], env=env, capture_output=True,
                            text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"kb import failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]), wall


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 / 1024 if path.exists() else 0.0


def measure(size: int, work: Path, database_url: str, seeds: list[dict[str, Any]], reindex: bool) -> dict[str, Any]:
    data_dir = work / f"kb-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = kb_env(data_dir, database_url)
    source = work / f"synthetic-{size}.jsonl"
    write_jsonl(synthetic_records(size, seeds), source)

    started = time.perf_counter()
    run_kb(env, "init", "--no-corpus")
    init_s = time.perf_counter() - started
    phases, wall = run_worker(env, source)
    row = {"records": size, "init_s": init_s, "wall_s": wall, **phases,
           "index_mb": disk_mb(data_dir / "index"), "sqlite_mb": sum(f.stat().st_size for f in data_dir.glob("kb.sqlite3*")) / 1024 / 1024}
    if reindex:
        started = time.perf_counter()
        run_kb(env, "reindex")
        row["reindex_s"] = time.perf_counter() - started
    source.unlink()
    return row


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated record counts (e.g. 1000,10000,100000)")
    parser.add_argument("--database-url", default="",
                        help="an EMPTY PostgreSQL database to import into (default: SQLite in each fresh data dir)")
    parser.add_argument("--reindex", action="store_true", help="also time `kb reindex` (full rebuild) at each size")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep the data dirs")
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(timed_import(args.worker)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.database_url and len(sizes) > 1:
        parser.error("with --database-url give one size per run (each run needs an empty database)")
    print_machine()
    print(f"database: {'PostgreSQL (given)' if args.database_url else 'SQLite in a fresh data dir per size'}")
    seeds = load_seed_records()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kb-bench-import-"))
    rows = []
    try:
        for size in sizes:
            row = measure(size, work, args.database_url, seeds, args.reindex)
            rows.append(row)
            print(f"{size} records: database {row['database_s']:.1f} s ({rate(size, row['database_s'])} rec/s), "
                  f"index {row['index_s']:.1f} s ({rate(size, row['index_s'])} rec/s), "
                  f"peak RSS {row['peak_rss_mb']:.0f} MB", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    header = ["records", "database rec/s", "index rec/s", "import rec/s (both)", "import s", "peak RSS MB",
              "encoder+startup s", "kb init s", "index MB", "SQLite MB"]
    if args.reindex:
        header.append("reindex rec/s")
    table = []
    for row in rows:
        both = row["database_s"] + row["index_s"]
        cells = [f"{row['records']:,}", rate(row["records"], row["database_s"]), rate(row["records"], row["index_s"]),
                 rate(row["records"], both), f"{both:.1f}", f"{row['peak_rss_mb']:.0f}", f"{row['startup_s']:.1f}",
                 f"{row['init_s']:.1f}", f"{row['index_mb']:.0f}", f"{row['sqlite_mb']:.0f}"]
        if args.reindex:
            cells.append(rate(row["records"], row["reindex_s"]))
        table.append(cells)
    print()
    print(markdown_table(header, table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
