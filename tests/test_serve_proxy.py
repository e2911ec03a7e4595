"""Behind a balancer (`kb serve --trusted-proxy`): the client address comes from X-Forwarded-For only when the balancer sends it."""
from __future__ import annotations

from flask import Flask

from kb_app.gunicorn_server import trust_proxy

BALANCER = "10.9.8.7"


def test_the_balancer_s_forwarded_address_keys_the_limits_and_nobody_else_s(app: Flask) -> None:
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 1
    trust_proxy(app, BALANCER)
    via_balancer = app.test_client()
    via_balancer.environ_base["REMOTE_ADDR"] = BALANCER

    def status(client, forwarded_for: str) -> int:  # noqa: ANN001
        return client.get("/api/v1/themes", headers={"X-Forwarded-For": forwarded_for}).status_code

    assert status(via_balancer, "198.51.100.1") == 200
    assert status(via_balancer, "198.51.100.1") == 429  # the same client, seen through the balancer
    assert status(via_balancer, "198.51.100.2") == 200  # another client behind the same balancer
    direct = app.test_client()  # 127.0.0.1, not the balancer: its header is not believed
    assert status(direct, "198.51.100.3") == 200
    assert status(direct, "198.51.100.4") == 429
