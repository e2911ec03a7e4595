"""Cold start: seconds from launching `kb serve` on an initialised data dir to its first answered search.

Each run launches a new `kb serve` on 127.0.0.1 and polls GET /api/v1/search every 50 ms; it
reports when the port first answered anything, when the first search answered 200, and how
long one more (warm) search takes. It measures a process restart: a start before the timed
runs reads the model and index files, so they are in the operating system's page cache. Usage:

    python bench/cold_start.py [--data-dir DIR | --records 1000] [--runs 3]
"""
from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_runs import KbServer, get_json, kb_env, prepare_data_dir, process_memory_mb  # noqa: E402
from report import markdown_table, print_machine  # noqa: E402

QUERY = "/api/v1/search?" + urlencode({"q": "microcredito per donne migranti", "mode": "hybrid"})


def first_answers(server: KbServer, timeout: float = 600) -> tuple[float, float]:
    """Seconds from launch until the port answered anything, and until a search answered 200."""
    port_open = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            status, _ = get_json(server.port, QUERY, timeout=120)
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
            continue
        now = time.perf_counter() - server.started_at
        port_open = port_open if port_open is not None else now
        if status == 200:
            return port_open, now
        time.sleep(0.05)
    raise RuntimeError(f"no answered search within {timeout:.0f} s:\n{server.log_tail()}")


def one_run(data_dir: Path, threads: int) -> dict[str, float]:
    with KbServer(kb_env(data_dir), threads=threads) as server:
        port_open, first = first_answers(server)
        started = time.perf_counter()
        status, _ = get_json(server.port, QUERY)
        warm = time.perf_counter() - started
        memory = process_memory_mb(server.pid)
        if status != 200:
            raise RuntimeError(f"the second search answered {status}")
    return {"port_open_s": port_open, "first_search_s": first, "warm_search_ms": warm * 1000,
            "rss_mb": memory.get("VmRSS", 0.0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="an initialised data dir to serve (default: a temporary one with --records records)")
    parser.add_argument("--records", type=int, default=1000, help="synthetic records when preparing a data dir")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads of `kb serve`")
    args = parser.parse_args(argv)

    print_machine()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kb-bench-cold-"))
    try:
        if prepare_data_dir(data_dir, args.records):
            print(f"prepared {data_dir} with {args.records} synthetic records")
        with KbServer(kb_env(data_dir), threads=args.threads) as server:
            server.wait_until("/api/v1/health")
            _, health = get_json(server.port, "/api/v1/health")
        print(f"data dir {data_dir}: {health['records']['total']} records, encoder {health['encoder']['name']}")
        runs = []
        for number in range(1, args.runs + 1):
            run = one_run(data_dir, args.threads)
            runs.append(run)
            print(f"run {number}: first search answered after {run['first_search_s']:.1f} s", flush=True)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    rows = [[n, f"{r['port_open_s']:.1f}", f"{r['first_search_s']:.1f}", f"{r['warm_search_ms']:.0f}", f"{r['rss_mb']:.0f}"]
            for n, r in enumerate(runs, start=1)]
    rows.append(["median", *(f"{statistics.median(r[k] for r in runs):.1f}" for k in ("port_open_s", "first_search_s")),
                 f"{statistics.median(r['warm_search_ms'] for r in runs):.0f}",
                 f"{statistics.median(r['rss_mb'] for r in runs):.0f}"])
    print()
    print(markdown_table(["run", "port answers s", "first search s", "next search ms", "RSS MB"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
