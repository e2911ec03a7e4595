"""First search after a start: how long a visitor waits for the first results page once `kb serve` is ready.

Each run launches `kb serve` on an initialised data dir, waits until its port accepts connections (the server
is ready: it listens only after loading, and after warming up unless KB_WARM_UP=false), then times the first
results page, the first API search, and five more of each. Runs alternate with the warm-up off and on, so the
table shows the before and after. Usage:

    python bench/first_search.py [--data-dir DIR | --records 1000] [--runs 2] [--port 5190]
"""
from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_runs import HOST, KbServer, kb_env, prepare_data_dir
from report import markdown_table, print_machine

# A different query each time, so no cache answers the later ones.
QUERIES = ("microcredito per donne migranti", "business plan for a small shop", "garantía para un préstamo",
           "Mikrokredit ohne Sicherheiten", "ouvrir un compte bancaire", "قرض صغير", "mentoring after the loan")


def wait_for_port(server: KbServer, timeout: float = 600) -> float:
    """Seconds from launch until the port accepts a connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with socket.create_connection((HOST, server.port), timeout=1):
                return time.perf_counter() - server.started_at
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"the port did not open within {timeout:.0f} s:\n{server.log_tail()}")


def timed_get(port: int, path: str) -> float:
    """Milliseconds for one GET answered 200."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers={"Accept-Language": "it"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def one_run(data_dir: Path, port: int, warm_up: bool) -> dict[str, object]:
    env = kb_env(data_dir, KB_WARM_UP="true" if warm_up else "false")
    with KbServer(env, port=port) as server:
        ready = wait_for_port(server)
        page = [timed_get(port, "/search?" + urlencode({"q": q})) for q in QUERIES[:6]]
        api = [timed_get(port, "/api/v1/search?" + urlencode({"q": q})) for q in QUERIES[1:]]
    return {"warm-up": "on" if warm_up else "off", "ready after s": round(ready, 1),
            "first page ms": round(page[0]), "later pages ms (median)": round(statistics.median(page[1:])),
            "first API ms (after the page)": round(api[0]), "later API ms (median)": round(statistics.median(api[1:]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="an initialised data dir to serve (default: a temporary one with --records records)")
    parser.add_argument("--records", type=int, default=1000, help="synthetic records when preparing a data dir")
    parser.add_argument("--runs", type=int, default=2, help="runs with the warm-up off and as many with it on")
    parser.add_argument("--port", type=int, default=5190)
    args = parser.parse_args(argv)

    print_machine()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kb-bench-first-"))
    try:
        if prepare_data_dir(data_dir, args.records):
            print(f"prepared {data_dir} with {args.records} synthetic records")
        rows = [one_run(data_dir, args.port, warm_up) for _ in range(args.runs) for warm_up in (False, True)]
        print(markdown_table(list(rows[0]), [list(row.values()) for row in rows]))
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
