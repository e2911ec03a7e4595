"""Anonymous API reads are limited per IP (429 with Retry-After); token holders get ten times more."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FreshDatabase, dispose, make_app
from flask import Flask

from kb_app.cli import initialise
from kb_app.rate_limit import WindowRateLimiter

REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "")  # .ci/run's Redis leg sets it; the tests then run on both stores
STORES = ["memory://", *([REDIS_URL] if REDIS_URL else [])]


@pytest.fixture(params=STORES, ids=lambda uri: uri.split(":")[0])
def limiter(request: pytest.FixtureRequest) -> Iterator[WindowRateLimiter]:
    store = WindowRateLimiter(request.param)
    store.reset()
    yield store
    store.reset()


@pytest.fixture(autouse=True)
def _fresh_shared_counts() -> Iterator[None]:
    if REDIS_URL:
        WindowRateLimiter(REDIS_URL).reset()
    yield


def test_past_the_limit_an_address_gets_429_with_retry_after_in_the_error_shape(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 3
    client = app.test_client()
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/themes")
        assert response.status_code == 200
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    refused = client.get("/api/v1/records")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.get_json()["error"]
    assert error["status"] == 429 and error["code"] == "rate_limited"
    assert "token" in error["message"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def test_each_address_has_its_own_allowance(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 2
    first = app.test_client()
    for _ in range(2):
        first.get("/api/v1/themes")
    assert first.get("/api/v1/themes").status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert other.get("/api/v1/themes").status_code == 200


def test_preflight_requests_are_not_counted(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 1
    client = app.test_client()
    for _ in range(5):
        preflight = client.options("/api/v1/search", headers={"Origin": "https://notebook.example",
                                                               "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 200
    assert client.get("/api/v1/themes").status_code == 200
    assert client.get("/api/v1/themes").status_code == 429


def test_html_pages_are_not_limited_by_the_api_allowance(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 1
    client = app.test_client()
    client.get("/api/v1/themes")
    assert client.get("/api/v1/themes").status_code == 429
    assert client.get("/api/v1/docs").status_code == 429
    assert client.get("/").status_code == 200


def test_the_window_slides_and_retry_after_is_exact(limiter: WindowRateLimiter) -> None:
    assert limiter.hit("ip:a", 2, 3).allowed
    time.sleep(1.2)
    assert limiter.hit("ip:a", 2, 3).allowed
    refused = limiter.hit("ip:a", 2, 3)
    assert not refused.allowed and refused.retry_after == 2  # the first request leaves the window in 1.8 s
    time.sleep(1.9)
    assert limiter.hit("ip:a", 2, 3).allowed  # the first request has left the window
    refused = limiter.hit("ip:a", 2, 3)
    assert not refused.allowed and refused.retry_after == 2  # now the second one, 1.3 s from now


def test_refused_requests_do_not_extend_the_wait(limiter: WindowRateLimiter) -> None:
    assert limiter.hit("ip:a", 1, 2).allowed
    for _ in range(10):
        time.sleep(0.1)
        assert not limiter.hit("ip:a", 1, 2).allowed
    time.sleep(1.1)
    assert limiter.hit("ip:a", 1, 2).allowed


def test_each_key_counts_apart(limiter: WindowRateLimiter) -> None:
    assert [limiter.hit("ip:a", 2).allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("ip:b", 2).allowed and limiter.hit("user:7", 2).remaining == 1


def test_search_pages_are_limited_per_address_in_the_interface_language(app: Flask) -> None:
    app.config["KB_SEARCH_PAGES_PER_MINUTE"] = 2
    client = app.test_client()
    for _ in range(2):
        assert client.get("/search?q=microcredito").status_code == 200
    refused = client.get("/search?q=microcredito", headers={"Accept-Language": "it"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Più di 2 ricerche" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the home page and other pages are not searches
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert other.get("/search?q=microcredito").status_code == 200


def test_an_unreachable_redis_lets_requests_through_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    limiter = WindowRateLimiter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert all(limiter.hit("ip:a", 1).allowed for _ in range(3))
    assert "not being limited" in caplog.text


@pytest.mark.skipif(not REDIS_URL, reason="KB_TEST_REDIS_URL is not set")
def test_two_servers_on_one_redis_share_one_allowance(tmp_path: Path, databases: FreshDatabase) -> None:
    servers = [make_app(tmp_path / f"server-{n}", databases, KB_REDIS_URL=REDIS_URL, KB_RATE_LIMIT_PER_MINUTE=4)
               for n in (1, 2)]
    for server in servers:
        with server.app_context():
            initialise(server, load_seed=False)
    first, second = (server.test_client() for server in servers)
    assert [first.get("/api/v1/themes").status_code for _ in range(2)] == [200, 200]
    assert [second.get("/api/v1/themes").status_code for _ in range(3)] == [200, 200, 429]
    assert first.get("/api/v1/themes").status_code == 429
    for server in servers:
        dispose(server)
