"""`kb serve --workers N`: N server processes answering on one listening socket, kept running by a supervisor.

Search is pure-Python work held by one interpreter lock per process, so threads alone use one
core. The supervisor binds the socket, starts each worker as a fresh `kb serve --listen-fd`
process (spawned, not forked: the model and index are loaded in the worker, never shared
across a fork), restarts a worker that dies, and stops them all on SIGTERM or Ctrl-C.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

RESTART_WINDOW_SECONDS = 60.0  # a worker that dies this soon after starting, too often, stops the server
MAX_QUICK_DEATHS = 5
STOP_GRACE_SECONDS = 10.0


def bind_listener(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """The listening socket every worker accepts from (the kernel spreads connections over them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


@dataclass
class Supervisor:
    """Starts `count` workers with `worker_args` (the `kb serve` options), restarts them, stops them."""

    listener: socket.socket
    count: int
    worker_args: list[str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    quick_deaths: list[float] = field(default_factory=list)
    stopping: bool = False

    def _spawn(self) -> subprocess.Popen[bytes]:
        fd = self.listener.fileno()
        command = [sys.executable, "-m", "kb_app.cli", "serve", "--listen-fd", str(fd), *self.worker_args]
        process = subprocess.Popen(command, pass_fds=(fd,))
        process.started_at = time.monotonic()  # type: ignore[attr-defined]
        return process

    def _stop(self, *_signal: object) -> None:
        self.stopping = True

    def run(self) -> int:
        """Serve until told to stop; returns the exit status for the `kb serve` process."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.processes = [self._spawn() for _ in range(self.count)]
            while not self.stopping:
                time.sleep(0.2)
                for slot, process in enumerate(self.processes):
                    if process.poll() is None or self.stopping:
                        continue
                    now = time.monotonic()
                    if now - process.started_at < RESTART_WINDOW_SECONDS:  # type: ignore[attr-defined]
                        self.quick_deaths = [t for t in self.quick_deaths if now - t < RESTART_WINDOW_SECONDS] + [now]
                        if len(self.quick_deaths) >= MAX_QUICK_DEATHS:
                            log.error("workers keep exiting at start (last status %s); stopping", process.returncode)
                            return 1
                    log.warning("worker %d (pid %d) exited with status %s; starting another",
                                slot, process.pid, process.returncode)
                    self.processes[slot] = self._spawn()
            return 0
        finally:
            self._terminate_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _terminate_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def listener_from_fd(fd: int) -> socket.socket:
    """The supervisor's listening socket, inherited by a worker."""
    sock = socket.socket(fileno=fd)
    os.set_inheritable(fd, False)
    return sock
