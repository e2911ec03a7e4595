"""`kb serve --workers N` on Linux: gunicorn's arbiter runs the workers (timeouts, reload on HUP, recycling).

Each worker builds its own app after the fork (no preloading), so the model and the index are loaded once per
worker and never shared across a fork. Where gunicorn cannot run (no fork: Windows), workers.Supervisor with
waitress takes its place.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from flask import Flask

GRACEFUL_STOP_SECONDS = 30  # what a worker gets, on SIGTERM or HUP, to finish the requests it is answering


def gunicorn_available() -> bool:
    """True where gunicorn can serve: a POSIX system with fork, and the package installed."""
    if sys.platform == "win32":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def trust_proxy(app: Flask, proxy: str) -> None:
    """Take the client address and scheme from X-Forwarded-For/-Proto, but only on connections from `proxy`."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    plain = app.wsgi_app
    fixed = ProxyFix(plain, x_for=1, x_proto=1)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if proxy == "*" or environ.get("REMOTE_ADDR") == proxy:
            return fixed(environ, start_response)
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO"):
            environ.pop(header, None)  # a client's own claim about its address is not believed
        return plain(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]


def worker_app(trusted_proxy: str | None) -> Flask:
    """The app of one worker: built, with its model and index loaded, after the fork."""
    from . import create_app
    from .search_service import get_search_service

    app = create_app()
    service = get_search_service(app)
    service.engine  # noqa: B018 - load the model and index before the first request
    service.start_following()  # other processes' changes reach this replica even while no one searches
    if trusted_proxy:
        trust_proxy(app, trusted_proxy)
    return app


def serve_with_gunicorn(host: str, port: int, workers: int, threads: int, timeout: float, max_requests: int,
                        trusted_proxy: str | None, log_level: str) -> None:
    """Run gunicorn's arbiter in this process until SIGTERM/SIGINT (exits the process with its status)."""
    from gunicorn.app.base import BaseApplication

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [bind], "workers": workers, "worker_class": "gthread", "threads": threads,
        "timeout": int(timeout), "graceful_timeout": GRACEFUL_STOP_SECONDS, "keepalive": 5,
        "max_requests": max_requests, "max_requests_jitter": max_requests // 10 if max_requests else 0,
        "preload_app": False, "errorlog": "-", "accesslog": None, "loglevel": log_level.lower(),
        "proc_name": "micro-kb",
        # Only our own middleware believes forwarded headers (see trust_proxy); gunicorn's would trust localhost.
        "forwarded_allow_ips": trusted_proxy or "",
    }

    class KbApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return worker_app(trusted_proxy)

    KbApplication().run()
