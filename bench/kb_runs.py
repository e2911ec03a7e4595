"""Running `kb` as a user would, for the benchmarks: init and import a data dir, and `kb serve` as a child process."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"  # the benchmarks only ever talk to a server they started on this machine


def kb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kb_app.cli", *args]


def kb_env(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a benchmark `kb`: its own data dir, an explicit database, no rate limit, quiet logs."""
    env = dict(os.environ)
    env.update({
        "KB_DATA_DIR": str(data_dir),
        # Explicit, so that a DATABASE_URL in the caller's shell is never written to by a benchmark.
        "DATABASE_URL": database_url,
        # The load generator is one client IP sending thousands of requests a minute.
        "KB_RATE_LIMIT_PER_MINUTE": "0",
        "KB_AUTO_INIT": "false",
        "KB_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    })
    env.update(extra)
    return env


def run_kb(env: dict[str, str], *args: str, timeout: float | None = None) -> str:
    """Run one `kb` command; return its standard output, or raise with the reason it gave."""
    result = subprocess.run(kb_command(*args), env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"kb {' '.join(args)} failed (exit {result.returncode}): {reason}")
    return result.stdout


def prepare_data_dir(data_dir: Path, records: int, database_url: str = "", seed: int = 7) -> bool:
    """Initialise an empty or missing data dir with `records` synthetic records; True if it did.

    A data dir with anything in it is served as it is (a knowledge base prepared earlier, or
    your own), so a benchmark never imports synthetic records into an existing catalogue.
    """
    from synthetic import synthetic_records, write_jsonl

    if data_dir.exists() and any(data_dir.iterdir()):
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    env = kb_env(data_dir, database_url)
    run_kb(env, "init", "--no-corpus")
    if records:
        source = data_dir / "bench-records.jsonl"
        write_jsonl(synthetic_records(records, seed=seed), source)
        run_kb(env, "import", str(source))
        source.unlink()
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def process_memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of a process, in MB."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (the workers of `kb serve --workers N`)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def server_memory_mb(pid: int) -> dict[str, float]:
    """Memory of a `kb serve` and its worker processes: the largest process, and all of them together."""
    processes = [process_memory_mb(p) for p in [pid, *child_pids(pid)]]
    processes = [m for m in processes if m]
    return {
        "processes": len(processes),
        "largest_rss": max((m.get("VmRSS", 0) for m in processes), default=0),
        "largest_peak": max((m.get("VmHWM", 0) for m in processes), default=0),
        "total_rss": sum(m.get("VmRSS", 0) for m in processes),
    }


def get_json(port: int, path: str, timeout: float = 30) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, None
    finally:
        conn.close()


class KbServer:
    """`kb serve` on 127.0.0.1 as a child process, its output going to a log file in the data dir."""

    def __init__(self, env: dict[str, str], port: int | None = None, threads: int = 8, workers: int = 1):
        self.env = env
        self.port = port or free_port()
        self.threads = threads
        self.workers = workers
        self.log_path = Path(env["KB_DATA_DIR"]) / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> "KbServer":
        log = self.log_path.open("wb")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            kb_command("serve", "--host", HOST, "--port", str(self.port), "--threads", str(self.threads),
                       "--workers", str(self.workers)),
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_until(self, path: str, timeout: float = 600, interval: float = 0.05) -> float:
        """Poll `path` until it answers 200; return the seconds since launch. Raises if the server dies."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kb serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = get_json(self.port, path, timeout=60)
                if status == 200:
                    return time.perf_counter() - self.started_at
            except OSError:
                pass
            time.sleep(interval)
        raise RuntimeError(f"kb serve did not answer {path} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace: float = 10) -> None:
        """Terminate, and kill when it does not stop within `grace` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=grace)

    def __enter__(self) -> "KbServer":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
