"""A real SMTP server for tests (aiosmtpd on a port of the harvest range) that keeps every message it receives."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message

from aiosmtpd.controller import Controller

PORTS = range(5170, 5180)


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class Mailbox:
    """The messages the server received, in order; `server` is the KB_MAIL_SERVER value that reaches it."""

    def __init__(self, keeper: _Keeper, port: int) -> None:
        self._keeper = keeper
        self.server = f"127.0.0.1:{port}"

    @property
    def messages(self) -> list[Message]:
        with self._keeper.lock:
            return list(self._keeper.messages)

    def wait_for(self, count: int, timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5170-5179 for the test SMTP server")


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    keeper = _Keeper()
    port = _free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(keeper, port)
    finally:
        controller.stop()
