"""Search latency through HTTP: p50/p95/p99 and requests/s of GET /api/v1/search per mode and concurrency.

Starts `kb serve` (waitress, --threads) on 127.0.0.1 over a data dir holding --records synthetic
records (prepared on first use, or an existing one with --data-dir), then, for each mode
(hybrid, semantic, keyword) and each number of concurrent clients, runs keep-alive clients
(threads with http.client) over a query mix in six languages until --duration seconds or
--max-requests requests, whichever comes first. Finally prints the server's resident memory.
Usage:

    python bench/http_latency.py [--records 10000] [--data-dir DIR] [--threads 8] [--workers 2]
                                 [--concurrency 1,4,16] [--duration 20] [--max-requests 5000]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_runs import HOST, ROOT, KbServer, get_json, kb_env, prepare_data_dir, server_memory_mb  # noqa: E402
from report import markdown_table, percentile, print_machine  # noqa: E402

MODES = ("hybrid", "semantic", "keyword")
# Used when the development evaluation set is missing: a few needs of the field in each language.
FALLBACK_QUERIES = [
    ("it", "microcredito per donne migranti"), ("it", "fondo di garanzia"),
    ("en", "business plan training for refugees"), ("en", "mentoring after the loan"),
    ("fr", "microcrédit pour les femmes migrantes"), ("fr", "titre de séjour et création d'entreprise"),
    ("es", "educación financiera para inmigrantes"), ("es", "fondo de garantía"),
    ("de", "Mikrokredit für Gründerinnen"), ("de", "Businessplan erstellen"),
    ("ar", "القروض الصغيرة للمهاجرين"), ("ar", "خطة العمل"),
]


def query_mix(path: Path = ROOT / "corpus" / "eval" / "queries.jsonl") -> list[tuple[str, str]]:
    """(language, text) pairs: the development evaluation queries, interleaved by language."""
    if not path.exists():
        return FALLBACK_QUERIES
    by_lang: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            query = json.loads(line)
            by_lang.setdefault(query["lang"], []).append(query["text"])
    # Interleaved so that any run of six consecutive requests covers every language.
    rounds = itertools.zip_longest(*[[(lang, text) for text in texts] for lang, texts in sorted(by_lang.items())])
    return [pair for group in rounds for pair in group if pair is not None]


@dataclass
class Cell:
    """The outcome of one mode at one concurrency."""

    mode: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def drive(port: int, paths: list[str], cell: Cell, duration: float, max_requests: int) -> Cell:
    """`cell.clients` keep-alive clients sending `paths` in turn until the time or request budget runs out."""
    budget = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        done: list[float] = []
        failed = 0
        for turn in itertools.count(offset):
            if time.monotonic() >= deadline or next(budget) >= max_requests:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", paths[turn % len(paths)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
            if ok:
                done.append(time.perf_counter() - started)
            else:
                failed += 1
        conn.close()
        with lock:
            cell.latencies.extend(done)
            cell.errors += failed

    step = max(1, len(paths) // cell.clients)
    threads = [threading.Thread(target=client, args=(i * step,), daemon=True) for i in range(cell.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - started
    return cell


def search_paths(mode: str, queries: list[tuple[str, str]]) -> list[str]:
    return [f"/api/v1/search?{urlencode({'q': text, 'mode': mode})}" for _, text in queries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="synthetic records in a newly prepared data dir")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data dir to serve: prepared with --records when empty or missing, else served as it is "
                             "(default: a temporary one)")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads of `kb serve`")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of `kb serve`")
    parser.add_argument("--port", type=int, default=None, help="port of `kb serve` (default: any free one)")
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--duration", type=float, default=20, help="seconds per mode and concurrency (upper bound)")
    parser.add_argument("--max-requests", type=int, default=5000, help="requests per mode and concurrency (upper bound)")
    parser.add_argument("--warmup", type=int, default=12, help="untimed requests per mode before measuring")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown mode {', '.join(sorted(unknown))}")
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]

    print_machine()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kb-bench-http-"))
    try:
        started = time.perf_counter()
        if prepare_data_dir(data_dir, args.records):
            print(f"prepared {data_dir} with {args.records} synthetic records in {time.perf_counter() - started:.0f} s")
        queries = query_mix()
        print(f"query mix: {len(queries)} queries in {len({lang for lang, _ in queries})} languages; "
              f"server: kb serve --workers {args.workers} --threads {args.threads} on {HOST}")
        with KbServer(kb_env(data_dir), port=args.port, threads=args.threads, workers=args.workers) as server:
            ready = server.wait_until("/api/v1/health")
            _, health = get_json(server.port, "/api/v1/health")
            records = health["records"]["total"]
            print(f"server ready after {ready:.1f} s (pid {server.pid}, port {server.port}), {records} records, "
                  f"encoder {health['encoder']['name']}", flush=True)
            cells = []
            for mode in modes:
                paths = search_paths(mode, queries)
                drive(server.port, paths, Cell(mode, 1), duration=60, max_requests=args.warmup)
                for clients in levels:
                    cell = drive(server.port, paths, Cell(mode, clients), args.duration, args.max_requests)
                    cells.append(cell)
                    print(f"{mode:<8} {clients:>3} clients: {len(cell.latencies)} ok, {cell.errors} failed, "
                          f"p95 {percentile(cell.latencies, 0.95) * 1000:.0f} ms", flush=True)
            memory = server_memory_mb(server.pid)
        print()
        rows = [[c.mode, c.clients, len(c.latencies), c.errors,
                 *(f"{percentile(c.latencies, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99)), f"{c.per_second:.1f}"]
                for c in cells]
        print(markdown_table(["mode", "clients", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "requests/s"], rows))
        print(f"\nserver resident memory after the run, {records} records: largest process {memory['largest_rss']:.0f} MB "
              f"(peak {memory['largest_peak']:.0f} MB); all {memory['processes']} processes {memory['total_rss']:.0f} MB")
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
