"""Issue 11: zero lost records across 500 concurrent submissions to a multi-worker server, while others search.

`run_submission_load` is the scenario; this module runs it on SQLite (WAL) and
tests/test_postgres_concurrent_submissions.py on PostgreSQL (that file name puts it in CI's PostgreSQL leg).
"""
from __future__ import annotations

import http.client
import json
import random
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from multiworker import HOST, WorkerServer, prepare_kb, request, run_kb, server_env
from sqlalchemy import select

from kb_app.db import database_url, make_engine
from kb_app.models import Record

RECORDS = 500
HTML_RECORDS = 50  # of the 500: drafts saved by a partner through the submission form, the rest through the API
API_THREADS = 20
HTML_THREADS = 4
SEARCH_THREADS = 4
MAX_ATTEMPTS = 8
RETRY_STATUSES = (429, 503)  # "not now": the client may send the same request again
CONVERGE_WITHIN = 10.0  # seconds after the last write until every worker's search shows every record
LANGS = ("en", "it", "fr", "es", "de")
COUNTRIES = ("IT", "ES", "FR", "DE", "BE")
CONSONANTS = "bcdfghjklmnpqrstvwxz"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def word_for(number: int, width: int = 3) -> str:
    """A made-up word of consonants for a number: no stemmer or stop list touches it."""
    letters = []
    for _ in range(width):
        number, digit = divmod(number, len(CONSONANTS))
        letters.append(CONSONANTS[digit])
    return "".join(letters)


@dataclass
class Outcome:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)  # per record, retries included
    retries: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    searches: Counter[int] = field(default_factory=Counter)
    search_latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


@dataclass
class Load:
    """The records to send: API ones published with known external ids, form ones saved as drafts."""

    run_word: str
    api: dict[str, dict[str, Any]]  # external id -> interchange record
    html: list[dict[str, str]]  # form fields
    created_ids: dict[str, int] = field(default_factory=dict)  # external id -> row id, from the API answers
    draft_ids: list[int] = field(default_factory=list)  # row ids from the form's redirects

    @classmethod
    def make(cls, total: int, drafts: int) -> Load:
        run_word = "zebu" + "".join(secrets.choice(CONSONANTS) for _ in range(6))
        api: dict[str, dict[str, Any]] = {}
        html: list[dict[str, str]] = []
        for i in range(total):
            unique = f"{run_word}{word_for(i)}"
            lang, country = LANGS[i % len(LANGS)], COUNTRIES[i % len(COUNTRIES)]
            title = f"Practice {i} of the concurrency run {run_word} {unique}"
            summary = f"Summary of practice {i}: a microcredit desk for migrant founders."
            body = (f"Record {i} written by a concurrent client. Migrant entrepreneurs got a microloan and "
                    f"mentoring; the unique word of this record is {unique}.")
            if i < drafts:
                html.append({"lang": lang, "title": title, "summary": summary, "body": body, "country": country,
                             "city": "Roma", "save": "Save draft"})
            else:
                external_id = f"cs-{run_word}-{i:03d}"
                api[external_id] = {"id": external_id, "kind": "practice", "lang": lang, "country": country,
                                    "city": "Torino", "title": title, "summary": summary, "body": body}
        return cls(run_word, api, html)


def post_json(port: int, path: str, body: dict[str, Any], token: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={
            "Connection": "close", "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def api_writer(port: int, token: str, records: list[dict[str, Any]], load: Load, outcome: Outcome) -> None:
    for record in records:
        started = time.monotonic()
        connection_failed = False
        for attempt in range(MAX_ATTEMPTS):
            try:
                status, data = post_json(port, "/api/v1/records", record, token)
            except (ConnectionError, http.client.HTTPException) as exc:
                # The request may or may not have been stored: send it again; a 409 then means it was.
                connection_failed = True
                with outcome.lock:
                    outcome.retries[f"connection: {type(exc).__name__}"] += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            if status in RETRY_STATUSES:
                with outcome.lock:
                    outcome.retries[f"api {status}"] += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            if status == 201 or (status == 409 and connection_failed):
                with outcome.lock:
                    outcome.latencies.append(time.monotonic() - started)
                    if status == 201:
                        load.created_ids[record["id"]] = data["id"]
                break
            outcome.fail(f"POST {record['id']}: {status} {str(data)[:300]}")
            break
        else:
            outcome.fail(f"POST {record['id']}: gave up after {MAX_ATTEMPTS} attempts")


def _csrf(response: requests.Response) -> str:
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url} ({response.status_code})"
    return match.group(1)


def form_writer(base: str, email: str, password: str, forms: list[dict[str, str]], load: Load,
                outcome: Outcome) -> None:
    with requests.Session() as browser:
        browser.headers["Connection"] = "close"  # a fresh connection per request: any worker may answer
        try:
            token = _csrf(browser.get(f"{base}/login", timeout=120))
            signed_in = browser.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                                     allow_redirects=False, timeout=120)
            assert signed_in.status_code == 302, f"sign-in answered {signed_in.status_code}"
        except (AssertionError, requests.RequestException) as exc:
            outcome.fail(f"partner sign-in: {exc}")
            return
        for fields in forms:
            started = time.monotonic()
            for _ in range(MAX_ATTEMPTS):
                try:
                    page = browser.get(f"{base}/submit/new", timeout=120)
                    if page.status_code in RETRY_STATUSES:
                        with outcome.lock:
                            outcome.retries[f"form page {page.status_code}"] += 1
                        time.sleep(0.5)
                        continue
                    saved = browser.post(f"{base}/submit/new", data={**fields, "csrf_token": _csrf(page)},
                                         allow_redirects=False, timeout=120)
                except requests.RequestException as exc:
                    # No retry here: a form post has no id of its own, so sending it again could store it twice.
                    outcome.fail(f"form {fields['title'][:40]}: {type(exc).__name__}: {exc}")
                    break
                if saved.status_code in RETRY_STATUSES:
                    with outcome.lock:
                        outcome.retries[f"form post {saved.status_code}"] += 1
                    time.sleep(0.5)
                    continue
                target = re.fullmatch(r".*/submit/(\d+)/edit", saved.headers.get("Location", ""))
                if saved.status_code != 302 or target is None:
                    outcome.fail(f"form {fields['title'][:40]}: {saved.status_code} {saved.text[:300]}")
                    break
                with outcome.lock:
                    outcome.latencies.append(time.monotonic() - started)
                    load.draft_ids.append(int(target.group(1)))
                break
            else:
                outcome.fail(f"form {fields['title'][:40]}: gave up after {MAX_ATTEMPTS} attempts")


def searcher(port: int, run_word: str, done: threading.Event, outcome: Outcome) -> None:
    queries = [{"q": run_word, "mode": "keyword", "per_page": 20},
               {"q": "microcredit for migrant entrepreneurs", "mode": "hybrid"},
               {"q": f"concurrency run {run_word}", "mode": "semantic"}]
    n = 0
    while not done.is_set():
        params = queries[n % len(queries)]
        n += 1
        started = time.monotonic()
        try:
            status, data = request(port, "GET", "/api/v1/search?" + urlencode(params), timeout=120)
        except (ConnectionError, http.client.HTTPException) as exc:
            outcome.fail(f"search: {type(exc).__name__}: {exc}")
            continue
        with outcome.lock:
            outcome.searches[status] += 1
            outcome.search_latencies.append(time.monotonic() - started)
        if status != 200:
            outcome.fail(f"search {params}: {status} {str(data)[:300]}")


def searched_ids(port: int, word: str, langs: tuple[str, ...] = ("",)) -> set[str]:
    """External ids of every record a keyword search for `word` finds (all pages; one search per language given).

    A search ranks at most 200 candidates (the engine's overfetch), so a larger set is asked for language by language.
    """
    ids: set[str] = set()
    for lang in langs:
        page = 1
        while True:
            query = urlencode({"q": word, "mode": "keyword", "per_page": 100, "page": page, **({"lang": lang} if lang else {})})
            status, data = request(port, "GET", f"/api/v1/search?{query}")
            assert status == 200, f"search answered {status}: {data}"
            ids.update(hit["external_id"] for hit in data["results"])
            if page * 100 >= data["total"]:
                break
            page += 1
    return ids


def percentile(values: list[float], share: float = 0.95) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def run_submission_load(tmp_path: Path, db_url: str, label: str) -> None:
    """500 records from 24 writer threads while 4 threads search, against `kb serve --workers 2 --threads 8`."""
    began = time.monotonic()
    kb = prepare_kb(tmp_path / "data", db_url)
    env = server_env(kb)
    server = WorkerServer(env, tmp_path, workers=2, threads=8)
    try:
        workers = server.wait_ready(timeout=180)
        load = Load.make(RECORDS, HTML_RECORDS)
        outcome = Outcome()
        base = f"http://{HOST}:{server.port}"
        api_records = list(load.api.values())
        threads = [threading.Thread(target=api_writer, name=f"api-{n}",
                                    args=(server.port, kb.editor_token, api_records[n::API_THREADS], load, outcome))
                   for n in range(API_THREADS)]
        threads += [threading.Thread(target=form_writer, name=f"form-{n}",
                                     args=(base, kb.partner_email, kb.partner_password, load.html[n::HTML_THREADS],
                                           load, outcome))
                    for n in range(HTML_THREADS)]
        done = threading.Event()
        search_threads = [threading.Thread(target=searcher, name=f"search-{n}",
                                           args=(server.port, load.run_word, done, outcome))
                          for n in range(SEARCH_THREADS)]
        write_start = time.monotonic()
        for thread in search_threads + threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        write_seconds = time.monotonic() - write_start
        done.set()
        for thread in search_threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads + search_threads), "client threads still running"

        assert not outcome.failures, (f"{len(outcome.failures)} requests failed, e.g.:\n"
                                      + "\n".join(outcome.failures[:10]) + f"\n--- server log:\n{server.tail()}")
        assert len(outcome.latencies) == RECORDS
        assert sorted(load.created_ids) == sorted(load.api), "a created record's answer went missing"
        assert len(set(load.created_ids.values()) | set(load.draft_ids)) == RECORDS

        # Every worker's search shows every published record, and none of the partner's drafts.
        expected = set(load.api)
        converged: dict[int, float] = {}
        for pid in workers:
            with server.only(pid):
                while (seen := searched_ids(server.port, load.run_word, LANGS)) != expected:
                    late = time.monotonic() - write_start - write_seconds
                    assert late < CONVERGE_WITHIN, (
                        f"worker {pid}, {late:.1f} s after the last write: {len(expected - seen)} records missing "
                        f"(e.g. {sorted(expected - seen)[:5]}), {len(seen - expected)} unexpected "
                        f"(e.g. {sorted(seen - expected)[:5]})\n{server.tail()}")
                    time.sleep(0.2)
            converged[pid] = time.monotonic() - write_start - write_seconds
        for external_id in random.sample(sorted(expected), 10):  # each one by its own word, through any worker
            unique = load.api[external_id]["title"].rsplit(" ", 1)[1]
            assert external_id in searched_ids(server.port, unique), external_id
        for external_id in random.sample(sorted(expected), 25):  # read back through the API
            status, data = request(server.port, "GET", f"/api/v1/records/{load.created_ids[external_id]}")
            assert status == 200, data
            sent = load.api[external_id]
            assert {k: data["fields"].get(k) for k in sent} == sent

        assert server.stop(timeout=60) == 0, server.tail()
        log = [line for line in server.log.read_text(errors="replace").splitlines() if "queue depth" not in line]
        for trouble in ("Traceback", "database is locked", "LockError", "failed"):
            first = next((n for n, line in enumerate(log) if trouble in line), None)
            assert first is None, f"{trouble!r} in the server log:\n" + "\n".join(log[max(0, first - 5):first + 40])
    finally:
        server.cleanup()

    # The database holds exactly the 500 records sent, each once and intact.
    engine = make_engine(database_url({"DATABASE_URL": db_url, "KB_DATA_DIR": str(kb.data_dir)}))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Record.id, Record.external_id, Record.status, Record.lang, Record.title,
                                       Record.summary, Record.body, Record.country)
                                .where(Record.title.contains(load.run_word))).all()
            total = conn.execute(select(Record.id)).all()
    finally:
        engine.dispose()
    assert len(rows) == RECORDS and len(total) == RECORDS
    assert len({r.external_id for r in rows}) == RECORDS and len({r.title for r in rows}) == RECORDS
    by_title = {r.title: r for r in rows}
    for sent in load.api.values():
        row = by_title[sent["title"]]
        assert (row.external_id, row.status, row.lang, row.summary, row.body, row.country) == (
            sent["id"], "published", sent["lang"], sent["summary"], sent["body"], sent["country"])
    for sent in load.html:
        row = by_title[sent["title"]]
        assert (row.status, row.lang, row.summary, row.body, row.country) == (
            "draft", sent["lang"], sent["summary"], sent["body"], sent["country"])
    assert sorted(r.id for r in rows if r.status == "draft") == sorted(load.draft_ids)

    # `kb check`: the shared index folder holds exactly the published records.
    check = run_kb(env, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{len(load.api)} published records, {len(load.api)} indexed" in check.stdout
    assert "consistent" in check.stdout, check.stdout

    retries = sum(outcome.retries.values())
    print(f"\n[{label}] {RECORDS} records ({len(load.api)} API, {len(load.html)} form drafts) in {write_seconds:.1f} s "
          f"= {RECORDS / write_seconds:.1f} records/s; write latency p50 {percentile(outcome.latencies, 0.5):.2f} s, "
          f"p95 {percentile(outcome.latencies):.2f} s, max {max(outcome.latencies):.2f} s; retries {retries} "
          f"{dict(outcome.retries)}; {sum(outcome.searches.values())} searches meanwhile {dict(outcome.searches)}, "
          f"p95 {percentile(outcome.search_latencies):.2f} s; every worker's search complete "
          + ", ".join(f"{t:.1f} s" for t in converged.values())
          + f" after the last write; total {time.monotonic() - began:.1f} s")


@pytest.mark.slow
def test_500_concurrent_submissions_on_sqlite(tmp_path: Path) -> None:
    run_submission_load(tmp_path, "", "SQLite")  # always SQLite (WAL), whatever KB_TEST_DATABASE_URL says
