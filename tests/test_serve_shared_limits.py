"""`kb serve --workers 2` with KB_REDIS_URL: a client gets the configured allowance, not the allowance times the workers."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from multiworker import PreparedKb, WorkerServer, prepare_kb, request, server_env

from kb_app.rate_limit import WindowRateLimiter

REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "")
ALLOWANCE = 6
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not REDIS_URL, reason="KB_TEST_REDIS_URL is not set")]


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[WorkerServer]:
    kb: PreparedKb = prepare_kb(tmp_path / "data", "")
    env = server_env(kb, KB_REDIS_URL=REDIS_URL, KB_RATE_LIMIT_PER_MINUTE=str(ALLOWANCE))
    served = WorkerServer(env, tmp_path, workers=2, threads=2)
    try:
        yield served
    finally:
        served.cleanup()
        WindowRateLimiter(REDIS_URL).reset()


def test_two_workers_draw_on_one_allowance(server: WorkerServer) -> None:
    first, second = sorted(server.wait_ready(timeout=120))
    WindowRateLimiter(REDIS_URL).reset()  # forget the readiness probes
    answers = []
    with server.only(first):
        answers += [request(server.port, "GET", "/api/v1/themes")[0] for _ in range(ALLOWANCE // 2)]
    with server.only(second):
        answers += [request(server.port, "GET", "/api/v1/themes")[0] for _ in range(ALLOWANCE)]
    with server.only(first):
        answers.append(request(server.port, "GET", "/api/v1/themes")[0])
    assert answers.count(200) == ALLOWANCE, answers
    assert answers == [200] * ALLOWANCE + [429] * (len(answers) - ALLOWANCE)
