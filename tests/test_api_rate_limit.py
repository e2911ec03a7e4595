"""Anonymous API reads are limited per IP (429 with Retry-After); token holders get ten times more."""
from __future__ import annotations

from flask import Flask

from kb_app.rate_limit import MemoryRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


def test_the_window_slides_and_retry_after_is_exact() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    assert limiter.hit("ip:a", 2, 60).allowed
    clock.now += 20
    assert limiter.hit("ip:a", 2, 60).allowed
    clock.now += 10
    refused = limiter.hit("ip:a", 2, 60)
    assert not refused.allowed and refused.retry_after == 30
    clock.now += 30
    assert limiter.hit("ip:a", 2, 60).allowed  # the first request has left the window
    refused = limiter.hit("ip:a", 2, 60)
    assert not refused.allowed and refused.retry_after == 20


def test_refused_requests_do_not_extend_the_wait() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    limiter.hit("ip:a", 1, 60)
    for _ in range(10):
        clock.now += 5
        limiter.hit("ip:a", 1, 60)
    clock.now += 10.5
    assert limiter.hit("ip:a", 1, 60).allowed


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    for n in range(50):
        limiter.hit(f"ip:{n}", 5, 60)
    clock.now += 120
    limiter.hit("ip:new", 5, 60)
    assert len(limiter) == 1
