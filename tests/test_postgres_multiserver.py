"""Two `kb serve` processes on one PostgreSQL database: what one publishes the other finds, and a reindex stops neither."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import POSTGRES_URL, FreshDatabase
from multiworker import HOST, free_port, prepare_kb, request

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="KB_TEST_DATABASE_URL is not set (e.g. postgresql://root@127.0.0.1:5432/test)"),
]

ROOT = Path(__file__).resolve().parent.parent
SEED_RECORDS = [
    {"id": "ms-it-1", "kind": "practice", "lang": "it", "title": "Sportello di microcredito per donne migranti a Torino",
     "body": "Uno sportello settimanale accompagna le donne migranti nella richiesta di un microcredito imprenditoriale."},
    {"id": "ms-de-1", "kind": "practice", "lang": "de", "title": "Bürgschaftsfonds für Gründende ohne Kreditgeschichte",
     "body": "Ein lokaler Bürgschaftsfonds ersetzt die persönliche Bürgschaft für kleine Gründungskredite in Leipzig."},
    {"id": "ms-fr-1", "kind": "resource", "lang": "fr", "title": "Construire un plan d'affaires pas à pas",
     "body": "Un module court pour rédiger le plan d'affaires d'une petite entreprise, avec des exemples chiffrés."},
]
PUBLISHED = {"id": "ms-es-1", "kind": "practice", "lang": "es", "country": "ES", "city": "Zaragoza",
             "title": "Cooperativa de panaderas inmigrantes en Zaragoza",
             "body": "Un grupo de panaderas inmigrantes abrió un obrador cooperativo con un microcrédito y la tutoría "
                     "de una asociación del barrio."}
SEARCH = "/api/v1/search?" + urlencode({"q": "cooperativa de panaderas inmigrantes", "mode": "hybrid"})


def found_ids(port: int) -> list[str]:
    status, data = request(port, "GET", SEARCH)
    assert status == 200, f"search answered {status}: {data}"
    return [hit["external_id"] for hit in data["results"]]


class Server:
    """`kb serve` as a child process on a free port, logging to a file for the failure message."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path):
        self.name = name
        self.port = free_port()
        self.log = log_dir / f"serve-{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kb_app.cli", "serve", "--host", HOST, "--port", str(self.port), "--threads", "4"],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server {self.name} exited:\n{self.tail()}"
            try:
                if request(self.port, "GET", "/api/v1/health", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server {self.name} did not answer within {timeout:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_env(data_dir: Path, database_url: str, secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "KB_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "KB_SECRET_KEY": secret_key,
        "KB_AUTO_INIT": "false", "KB_LOG_LEVEL": "WARNING",
        # The test polls search several times a second from one address.
        "KB_RATE_LIMIT_PER_MINUTE": "0",
    })
    env.pop("KB_INDEX_SYNC_SECONDS", None)  # the shipped default is what the 5-second promise is about
    return env


@pytest.fixture()
def shared_database(tmp_path: Path, databases: FreshDatabase) -> Iterator[tuple[str, str, str]]:
    """A fresh PostgreSQL database initialised through server A's data dir: (url, secret key, editor's API token)."""
    prepared = prepare_kb(tmp_path / "a", databases.url(), SEED_RECORDS)
    yield prepared.database_url, prepared.secret_key, prepared.editor_token


@pytest.fixture()
def two_servers(tmp_path: Path, shared_database: tuple[str, str, str]) -> Iterator[tuple[Server, Server, str, dict[str, str]]]:
    url, secret_key, token = shared_database
    env_a = server_env(tmp_path / "a", url, secret_key)
    env_b = server_env(tmp_path / "b", url, secret_key)
    (tmp_path / "b").mkdir()
    servers: list[Server] = []
    try:
        servers.append(Server("A", env_a, tmp_path))
        servers.append(Server("B", env_b, tmp_path))
        for server in servers:
            server.wait_ready(timeout=180)
        yield servers[0], servers[1], token, env_a
    finally:
        for server in servers:
            server.stop()


def test_record_published_through_one_server_is_found_through_the_other(two_servers) -> None:
    server_a, server_b, token, env_a = two_servers
    assert PUBLISHED["id"] not in found_ids(server_b.port)

    status, body = request(server_a.port, "POST", "/api/v1/records", PUBLISHED,
                           {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert status == 201, body
    published_at = time.monotonic()
    while PUBLISHED["id"] not in found_ids(server_b.port):
        waited = time.monotonic() - published_at
        assert waited < 5, f"server B still does not find the record {waited:.1f} s after server A published it"
        time.sleep(0.2)

    # A full reindex through server A's data dir while server B keeps being asked.
    reindex = subprocess.Popen([sys.executable, "-m", "kb_app.cli", "reindex"], env=env_a, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answered = 0
    try:
        while reindex.poll() is None:
            try:
                ids = found_ids(server_b.port)
            except OSError as exc:
                pytest.fail(f"server B stopped answering during the reindex of A: {exc}\n{server_b.tail()}")
            assert PUBLISHED["id"] in ids, "server B lost the record during the reindex of A"
            answered += 1
            time.sleep(0.1)
    finally:
        if reindex.poll() is None:
            reindex.kill()
        out, err = reindex.communicate(timeout=30)
    assert reindex.returncode == 0, err
    assert f"reindexed {len(SEED_RECORDS) + 1} records" in out
    assert answered > 0, "the reindex ended before server B could be asked"
    assert PUBLISHED["id"] in found_ids(server_a.port)
    assert PUBLISHED["id"] in found_ids(server_b.port)
