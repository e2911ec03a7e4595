"""`kb serve --workers N` as a child process for tests: prepare a knowledge base, start, find and address workers, stop.

Shared by tests/test_serve_workers.py, tests/test_concurrent_submissions.py and
tests/test_postgres_concurrent_submissions.py (not a test module itself).
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import dispose

from kb_app import create_app
from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.cli import initialise
from kb_app.importer import import_records

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PARTNER_ORGANISATION = "enm"  # one of the partner organisations `kb init --no-corpus` loads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, Any]:
    """One request on a fresh connection (so the kernel may hand it to any worker); JSON in and out."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")
        return response.status, data
    finally:
        conn.close()


def children(pid: int) -> set[int]:
    """Live child processes of `pid` (from /proc/<pid>/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(p) for p in (task / "children").read_text().split())
    return {p for p in found if alive(p)}


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class PreparedKb:
    data_dir: Path
    database_url: str  # "" for SQLite in the data dir
    secret_key: str
    editor_token: str
    partner_email: str
    partner_password: str


def prepare_kb(data_dir: Path, database_url: str, seed_records: list[dict[str, Any]] = ()) -> PreparedKb:
    """What `kb init --no-corpus` does, plus seed records, an editor with an API token and a partner account."""
    secret_key = secrets.token_hex(32)
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
                      "KB_SECRET_KEY": secret_key})
    partner_password = secrets.token_urlsafe(16)
    try:
        with app.app_context():
            initialise(app, load_seed=False)
            sessions = app.extensions["kb_sessions"]
            if seed_records:
                with sessions() as session:
                    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in seed_records)
                    assert import_records(session, data).created == len(seed_records)
            with sessions() as session:
                editor = create_user(session, email="editor@example.org", password=secrets.token_urlsafe(16),
                                     role="editor", name="Editor")
                _, token = create_token(session, editor, "workers test")
            with sessions() as session:
                create_user(session, email="partner@example.org", password=partner_password, role="partner",
                            name="Partner", organisation=PARTNER_ORGANISATION)
    finally:
        dispose(app)  # let go of the index before the workers open it
    return PreparedKb(data_dir, database_url, secret_key, token, "partner@example.org", partner_password)


def server_env(kb: PreparedKb, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "KB_DATA_DIR": str(kb.data_dir), "DATABASE_URL": kb.database_url, "KB_SECRET_KEY": kb.secret_key,
        "KB_AUTO_INIT": "false", "KB_LOG_LEVEL": "WARNING",
        "KB_RATE_LIMIT_PER_MINUTE": "0",  # the tests send far more than a person would from one address
    })
    env.pop("KB_INDEX_SYNC_SECONDS", None)  # the shipped default (2 s) is what the promises are about
    env.update(extra)
    return env


def run_kb(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` as a separate process, as an operator would run it."""
    return subprocess.run([sys.executable, "-m", "kb_app.cli", *args], check=False, env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


class WorkerServer:
    """`kb serve --workers N` on a free port, in a session of its own (so cleanup can reach every worker)."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.count = workers
        self.log = log_dir / "serve-workers.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kb_app.cli", "serve", "--host", HOST, "--port", str(self.port),
                 "--workers", str(workers), "--threads", str(threads)],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        self.pid = self.process.pid

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def workers(self) -> set[int]:
        return children(self.pid)

    def wait_workers(self, timeout: float, exclude: set[int] = frozenset()) -> set[int]:
        """The supervisor's `count` live workers (none of `exclude`), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"the supervisor exited:\n{self.tail()}"
            found = self.workers() - set(exclude)
            if len(found) >= self.count:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"{len(found)} of {self.count} workers after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    @contextlib.contextmanager
    def only(self, pid: int) -> Iterator[None]:
        """Connections made inside are answered by worker `pid`: every other worker is stopped (SIGSTOP) meanwhile.

        Workers share one listening socket, and a stopped process accepts nothing, so the kernel's queue
        is drained by `pid` alone. Use it only while no other requests are in flight.
        """
        others = self.workers() - {pid}
        for other in others:
            os.kill(other, signal.SIGSTOP)
        try:
            yield
        finally:
            for other in others:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(other, signal.SIGCONT)

    def wait_ready(self, timeout: float) -> set[int]:
        """Every worker answers /api/v1/health (each asked on its own); returns their pids.

        Workers load the index one at a time (under the index folder's lock), so a worker asked alone may be
        waiting for one that `only` has stopped: each is asked for a short while in turn, with the others
        running in between, until all have answered.
        """
        deadline = time.monotonic() + timeout
        pids = self.wait_workers(timeout)
        pending = set(pids)
        while pending:
            for pid in sorted(pending):
                assert self.process.poll() is None, f"the supervisor exited:\n{self.tail()}"
                assert alive(pid), f"worker {pid} died while starting:\n{self.tail()}"
                if time.monotonic() > deadline:
                    pytest.fail(f"workers {sorted(pending)} did not answer within {timeout:.0f} s:\n{self.tail()}")
                with self.only(pid):
                    try:
                        if request(self.port, "GET", "/api/v1/health", timeout=2)[0] == 200:
                            pending.discard(pid)
                    except OSError:
                        pass
                time.sleep(0.3)  # every worker runs a moment, so the one holding the index lock can go on
        return pids

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the supervisor; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def cleanup(self) -> None:
        """After a failure: whatever is left of this server's process group is killed."""
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            if self.process.poll() is None:
                self.stop(timeout=20)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # the group the supervisor leads (start_new_session)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
