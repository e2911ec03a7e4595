"""Shared fixtures: an app per test on a fresh database, and one corpus-loaded app per session."""
from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from click.testing import CliRunner, Result
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kb_app import create_app
from kb_app.cli import initialise, main

# The browser fixtures (Chromium via Playwright) are registered here once, so every browser test shares one
# Chromium; importing them into several test modules would start one Playwright per module and clash.
from browser import browser, live_server, page  # noqa: E402,F401

# Set to a PostgreSQL URL (e.g. postgresql://root@127.0.0.1:5432/test) to run the suite against PostgreSQL:
# every fixture then gets a database of its own on that server.
POSTGRES_URL = os.environ.get("KB_TEST_DATABASE_URL", "")


class FreshDatabase:
    """A throw-away database: a SQLite file in the data dir, or a new database on the PostgreSQL server."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def url(self) -> str:
        if not POSTGRES_URL:
            return ""
        name = f"kbtest_{secrets.token_hex(6)}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(data_dir: Path, databases: FreshDatabase, **extra: Any) -> Flask:
    config: dict[str, Any] = {"TESTING": True, "KB_DATA_DIR": str(data_dir), "DATABASE_URL": databases.url(),
                              "KB_INDEX_SYNC_SECONDS": 0}
    config.update(extra)
    return create_app(config)


def dispose(app: Flask) -> None:
    service = app.extensions.get("kb_search")
    if service is not None:
        service.close()
    reader = app.extensions.get("kb_text_reader")
    if reader is not None:  # its thread may hold a connection: stop it before the pool is closed
        reader.close()
    app.extensions["kb_engine"].dispose()


@pytest.fixture(scope="session")
def databases() -> Iterator[FreshDatabase]:
    fresh = FreshDatabase()
    yield fresh
    fresh.drop_all()


@pytest.fixture(scope="session")
def corpus_app(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[Flask]:
    """The shipped corpus loaded and indexed once per session; tests must not write to it."""
    app = make_app(tmp_path_factory.mktemp("corpus-kb"), databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app)
    yield app
    dispose(app)


@pytest.fixture()
def corpus_client(corpus_app: Flask) -> FlaskClient:
    return corpus_app.test_client()


_own_addresses = itertools.count(1)


@pytest.fixture()
def own_client(corpus_app: Flask) -> FlaskClient:
    """A corpus client from an address of its own, for a test that sends many requests: it must not use up
    the rate limits (per address and minute) that the other tests of the shared corpus app count on."""
    client = corpus_app.test_client()
    n = next(_own_addresses)
    client.environ_base["REMOTE_ADDR"] = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
    return client


@pytest.fixture()
def app(tmp_path: Path, databases: FreshDatabase) -> Iterator[Flask]:
    """An empty knowledge base (schema, themes, organisations and curricula, no records) of its own."""
    app = make_app(tmp_path / "data", databases, WTF_CSRF_ENABLED=False)
    with app.app_context():
        initialise(app, load_seed=False)
    yield app
    dispose(app)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class Kb:
    """Runs `kb` against one data dir and database, as a shell user would."""

    def __init__(self, data_dir: Path, database_url: str):
        self.data_dir = data_dir
        self.env = {"KB_DATA_DIR": str(data_dir), "DATABASE_URL": database_url}

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, input=input, catch_exceptions=False)


@pytest.fixture()
def kb(tmp_path: Path, databases: FreshDatabase) -> Kb:
    """`kb` on an empty, initialised knowledge base of its own."""
    tool = Kb(tmp_path / "data", databases.url())
    result = tool("init", "--no-corpus")
    assert result.exit_code == 0, result.output
    return tool


@pytest.fixture()
def make_kb(tmp_path: Path, databases: FreshDatabase):  # noqa: ANN201 - returns a factory
    """Factory for further, uninitialised knowledge bases (a second data dir and database)."""
    def factory(name: str) -> Kb:
        return Kb(tmp_path / name, databases.url())
    return factory


PASSWORD = "correct horse battery"


def session_key_for(app: Flask, user_id: int) -> str:
    """A new sign-in session for this account, as the sign-in page opens one: its key, for the session cookie."""
    from kb_app.db import get_session
    from kb_app.models import User
    from kb_app.sessions import open_session

    with app.app_context():
        return open_session(get_session(), get_session().get(User, user_id), app.permanent_session_lifetime)


def signed_in(app: Flask, email: str, role: str, organisation: str | None = None) -> FlaskClient:
    """A test client signed in through the real sign-in form as a new account with this role."""
    from kb_app.accounts import create_user
    from kb_app.db import get_session

    with app.app_context():
        create_user(get_session(), email=email, password=PASSWORD, role=role, organisation=organisation)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client
