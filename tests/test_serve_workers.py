"""`kb serve --workers 2`: two worker processes on one port, both current with the shared index, restarted, stopped."""
from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from multiworker import PreparedKb, WorkerServer, alive, prepare_kb, request, server_env

pytestmark = pytest.mark.slow

SEED_RECORDS = [
    {"id": "sw-it-1", "kind": "practice", "lang": "it", "title": "Sportello di microcredito per donne migranti a Torino",
     "body": "Uno sportello settimanale accompagna le donne migranti nella richiesta di un microcredito imprenditoriale."},
    {"id": "sw-en-1", "kind": "resource", "lang": "en", "title": "Writing a business plan step by step",
     "body": "A short module on writing the business plan of a small firm, with worked figures."},
]
FOUND_WITHIN = 5.0  # seconds: the promise for a record published through one worker to be found through every one


@pytest.fixture()
def kb(tmp_path: Path) -> PreparedKb:
    return prepare_kb(tmp_path / "data", "", SEED_RECORDS)  # SQLite in the data dir


@pytest.fixture()
def server(tmp_path: Path, kb: PreparedKb) -> Iterator[WorkerServer]:
    served = WorkerServer(server_env(kb), tmp_path, workers=2, threads=4)
    try:
        yield served
    finally:
        served.cleanup()


def found(port: int, word: str) -> list[str]:
    status, data = request(port, "GET", "/api/v1/search?" + urlencode({"q": word, "mode": "keyword"}))
    assert status == 200, f"search answered {status}: {data}"
    return [hit["external_id"] for hit in data["results"]]


def test_two_workers_share_the_index_survive_a_kill_and_stop_together(server: WorkerServer, kb: PreparedKb) -> None:
    started = time.monotonic()
    # (a) Two worker processes under the supervisor, each answering on the one port.
    workers = server.wait_ready(timeout=120)
    assert len(workers) == 2, workers
    ready_after = time.monotonic() - started

    # (b) A record created through the API (whichever worker takes it) is found through every worker within 5 s.
    word = "quokka" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
    record = {"id": f"sw-{word}", "kind": "practice", "lang": "en", "country": "IT", "city": "Torino",
              "title": f"Bakery cooperative of migrant women {word}",
              "body": f"Migrant bakers opened a cooperative bakery with a microloan; code name {word}."}
    for pid in workers:
        with server.only(pid):
            assert record["id"] not in found(server.port, word)
    status, body = request(server.port, "POST", "/api/v1/records", record,
                           {"Authorization": f"Bearer {kb.editor_token}", "Content-Type": "application/json"})
    assert status == 201, body
    created_at = time.monotonic()
    waited: dict[int, float] = {}
    for pid in workers:
        with server.only(pid):
            while record["id"] not in found(server.port, word):
                late = time.monotonic() - created_at
                assert late < FOUND_WITHIN, f"worker {pid} still does not find the record after {late:.1f} s"
                time.sleep(0.1)
        waited[pid] = time.monotonic() - created_at
    # Without singling one out: fresh connections go to either worker, and every answer has the record.
    answers = [record["id"] in found(server.port, word) for _ in range(20)]
    assert all(answers), answers

    # (c) kill -9 one worker: searches go on through the other, and the supervisor starts a replacement.
    victim, survivor = sorted(workers)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    for _ in range(10):
        assert record["id"] in found(server.port, word)
    replacement = server.wait_workers(timeout=30, exclude={victim}) - {survivor}
    assert len(replacement) == 1, replacement
    (new_pid,) = replacement
    replaced_after = time.monotonic() - killed_at
    assert alive(survivor)
    with server.only(new_pid):  # the replacement loads the shared index and answers with the record in it
        assert record["id"] in found(server.port, word)
    serving_after = time.monotonic() - killed_at

    # (d) SIGTERM to the supervisor stops it and every worker.
    stopping = time.monotonic()
    assert server.stop(timeout=30) == 0, server.tail()
    leftovers = [pid for pid in (victim, survivor, new_pid) if alive(pid)]
    assert not leftovers, f"workers still running after the supervisor stopped: {leftovers}"
    print(f"\nworkers ready after {ready_after:.1f} s; record found through each worker after "
          + ", ".join(f"{t:.2f} s" for t in waited.values())
          + f"; replacement started {replaced_after:.1f} s and serving {serving_after:.1f} s after the kill; "
          f"stopped in {time.monotonic() - stopping:.1f} s; total {time.monotonic() - started:.1f} s")


def test_workers_starting_on_an_empty_index_folder_build_it_once(tmp_path: Path, kb: PreparedKb) -> None:
    """Adding a server with a new data dir: the first worker builds the index, the other opens that one."""
    import shutil

    shutil.rmtree(kb.data_dir / "index")
    served = WorkerServer(server_env(kb), tmp_path, workers=2, threads=4)
    try:
        workers = served.wait_ready(timeout=120)
        for pid in workers:
            with served.only(pid):
                assert found(served.port, "microcredito") == ["sw-it-1"], f"worker {pid} serves an incomplete index"
        generations = sorted(p.name for p in (kb.data_dir / "index").glob("gen-*"))
        current = (kb.data_dir / "index" / "CURRENT").read_text(encoding="utf-8").strip()
        assert current in generations and len(generations) <= 2, generations
        assert served.stop() == 0
    finally:
        served.cleanup()
    assert "Traceback" not in served.tail(400)


def test_hup_replaces_every_worker_without_a_failed_request(tmp_path: Path, kb: PreparedKb) -> None:
    """A graceful reload (after an upgrade or a settings change): new workers first, old ones finish and leave."""
    served = WorkerServer(server_env(kb), tmp_path, workers=2, threads=4)
    try:
        old = served.wait_ready(timeout=120)
        os.kill(served.pid, signal.SIGHUP)
        answers = []
        deadline = time.monotonic() + 90
        while (served.workers() & old or len(served.workers()) < 2) and time.monotonic() < deadline:
            answers.append(found(served.port, "microcredito") == ["sw-it-1"])
            time.sleep(0.05)
        new = served.wait_ready(timeout=60)
        assert not new & old, f"old workers {old} still running after the reload: {new}"
        assert answers and all(answers), "every request during the reload was answered in full"
        assert served.stop() == 0
    finally:
        served.cleanup()


def test_a_worker_is_replaced_after_max_requests_and_a_stuck_one_after_the_timeout(tmp_path: Path, kb: PreparedKb) -> None:
    served = WorkerServer(server_env(kb, KB_MAX_REQUESTS="20", KB_WORKER_TIMEOUT="4"), tmp_path, workers=2, threads=2)
    try:
        first = served.wait_ready(timeout=120)
        for _ in range(60):  # between the two workers, more than 20 (+10% jitter) each
            assert found(served.port, "microcredito") == ["sw-it-1"]
        recycled = served.wait_ready(timeout=60)
        assert recycled - first, "a worker past its request allowance was replaced"

        stuck = min(recycled)
        os.kill(stuck, signal.SIGSTOP)  # a worker that stops answering (a request stuck in a loop, say)
        deadline = time.monotonic() + 30
        while alive(stuck) and time.monotonic() < deadline:
            assert found(served.port, "microcredito") == ["sw-it-1"]  # the other worker answers meanwhile
            time.sleep(0.2)
        assert not alive(stuck), "the arbiter killed the worker that stayed silent past KB_WORKER_TIMEOUT"
        assert stuck not in served.wait_ready(timeout=60)
        assert served.stop() == 0
    finally:
        served.cleanup()
