"""kill -9 in the middle of `kb import`, `kb reindex` and form submissions to `kb serve`: nothing acknowledged is lost,
nothing half-written, indexes agree with the database."""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Kb, dispose, signed_in
from flask import Flask
from sqlalchemy import text

from kb_app import create_app
from kb_app.db import database_url, make_engine
from kb_app.uploads import ORPHAN_GRACE_SECONDS

ROUNDS = int(os.environ.get("KB_CRASH_ROUNDS", "10"))  # per command; CI runs 10 + 10 = 20 kill -9 rounds


def batch(prefix: str, n: int) -> str:
    rows = []
    for i in range(n):
        rows.append(json.dumps({
            "id": f"{prefix}-{i}", "kind": "practice", "lang": ("it", "es", "de")[i % 3],
            "title": f"Pratica {prefix} {i}: microcredito e fondo di garanzia",
            "body": "Un servizio di tutoraggio accompagna le persone migranti nella richiesta di un microcredito. " * 5,
            "themes": ["access-to-credit"], "country": "IT",
        }, ensure_ascii=False))
    return "\n".join(rows) + "\n"


def kb_process(kb: Kb, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **kb.env}
    return subprocess.Popen([sys.executable, "-m", "kb_app.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def record_ids(kb: Kb) -> list[str]:
    out = kb("export")
    assert out.exit_code == 0, out.output
    return [json.loads(line)["id"] for line in out.stdout.splitlines() if line.strip()]


def kill_at_random(proc: subprocess.Popen[bytes], rng: random.Random, longest: float) -> bool:
    """Kill the process at a random moment; True when it was killed before finishing by itself."""
    deadline = time.monotonic() + rng.uniform(0.5, longest)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def finish(proc: subprocess.Popen[bytes]) -> float:
    """Wait for an uninterrupted run; returns the seconds it took."""
    started = time.monotonic()
    assert proc.wait(timeout=600) == 0
    return time.monotonic() - started


@pytest.mark.slow
def test_kill_during_import_and_reindex_loses_nothing(kb: Kb, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    first = tmp_path / "first.jsonl"
    first.write_text(batch("base", 60), encoding="utf-8")
    import_seconds = finish(kb_process(kb, "import", str(first)))
    expected = set(record_ids(kb))
    # Kill within about as long as the command takes here, so that most kills land before it finishes.
    reindex_seconds = finish(kb_process(kb, "reindex"))
    outcomes: list[dict[str, Any]] = []
    for round_no in range(ROUNDS):
        path = tmp_path / f"round-{round_no}.jsonl"
        path.write_text(batch(f"r{round_no}", 150), encoding="utf-8")
        killed = kill_at_random(kb_process(kb, "import", str(path)), rng, longest=min(12.0, 1.2 * import_seconds))
        ids = set(record_ids(kb))
        added = ids - expected
        # All or nothing: either the whole file is in, or none of it.
        assert added in (set(), {f"r{round_no}-{i}" for i in range(150)}), f"round {round_no}: partial import"
        expected = ids
        check = kb("check")
        assert check.exit_code == 0, f"round {round_no} (killed={killed}): {check.output}"
        outcomes.append({"round": round_no, "killed": killed, "imported": bool(added)})

    for round_no in range(ROUNDS):
        killed = kill_at_random(kb_process(kb, "reindex"), rng, longest=min(10.0, 1.2 * reindex_seconds))
        check = kb("check")
        assert check.exit_code == 0, f"reindex round {round_no} (killed={killed}): {check.output}"
        outcomes.append({"round": f"reindex-{round_no}", "killed": killed})

    assert set(record_ids(kb)) == expected
    search = kb("check")
    assert "consistent" in search.output
    assert sum(1 for o in outcomes if o["killed"]) >= ROUNDS  # most rounds really were interrupted


# --- kill -9 of `kb serve` while partners submit the case-study form -----------------------------------------------

SERVE_ROUNDS = int(os.environ.get("KB_SERVE_CRASH_ROUNDS", "10"))
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PARTNER = ("crash-partner@example.org", "correct horse battery staple")
THEMES = ("access-to-credit", "guarantee-funds", "financial-literacy", "business-planning", "mentoring")
TEXT_FIELDS = ("title", "summary", "body", "target_group", "challenge", "method", "results", "city", "contact", "url")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SAVED = re.compile(r"/submit/(\d+)(?:/edit)?$")
SUBMITTERS = 3  # client threads, each submitting one form after another


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`kb serve` on one port and data dir, started again after each kill; its output goes to one log file."""

    def __init__(self, kb: Kb, log: Path):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = log
        self.env = {**os.environ, **kb.env, "KB_AUTO_INIT": "false", "KB_LOG_LEVEL": "WARNING",
                    "KB_RATE_LIMIT_PER_MINUTE": "0"}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180) -> float:
        """Start and wait until /api/v1/health answers 200; returns the seconds that took."""
        started = time.monotonic()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kb_app.cli", "serve", "--host", HOST, "--port", str(self.port), "--threads", "4"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        while time.monotonic() - started < timeout:
            assert self.process.poll() is None, f"kb serve exited with {self.process.returncode}:\n{self.tail()}"
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=5).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(f"kb serve did not answer within {timeout:.0f} s:\n{self.tail()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-25:])


def csrf_token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=30)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found[1]


def sign_in(base: str) -> requests.Session:
    http = requests.Session()
    token = csrf_token(http, f"{base}/login")
    answer = http.post(f"{base}/login", data={"csrf_token": token, "email": PARTNER[0], "password": PARTNER[1],
                                               "next": ""}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, f"sign-in answered {answer.status_code}"
    return http


@dataclass
class Submission:
    tag: str
    fields: dict[str, Any]
    files: list[tuple[str, bytes]]
    outcome: str = "not sent"  # acknowledged | no answer | HTTP <status>
    record_id: int | None = None
    posted_at: float | None = None  # when the form's POST started (monotonic)


def new_submission(rng: random.Random, tag: str) -> Submission:
    fields: dict[str, Any] = {
        "lang": "it",
        "title": f"Sportello {tag}: microcredito e tutoraggio per chi avvia un'impresa",
        "summary": f"Sintesi {tag}: più accesso al credito per le persone migranti.",
        "body": " ".join([f"Contesto {tag}."] + ["In città lo sportello accompagna chi chiede un microcredito."]
                         * rng.randint(1, 40)),
        "target_group": f"Destinatari {tag}: donne migranti che avviano un'attività.",
        "challenge": f"Sfida {tag}: nessuna storia creditizia e nessuna garanzia personale.",
        "method": f"Metodo {tag}: colloqui, piano d'impresa, fondo di garanzia, tutoraggio di un anno.",
        "results": f"Risultati {tag}: {rng.randint(5, 90)} prestiti concessi, {rng.randint(2, 40)} imprese aperte.",
        "country": rng.choice(["IT", "ES", "DE", "FR", "BE"]),
        "city": rng.choice(["Torino", "Zaragoza", "Leipzig", "Liège", "Lyon"]),
        "year": str(rng.randint(2010, 2025)),
        "themes": sorted(rng.sample(THEMES, rng.randint(1, 3))),
        "contact": f"{tag}@example.org",
        "url": f"https://example.org/practices/{tag}",
    }
    files: list[tuple[str, bytes]] = []
    for number in range(rng.choice((0, 0, 1, 2))):
        size = rng.choice((2_000, 60_000, 600_000))
        if rng.random() < 0.5:
            files.append((f"relazione {tag}-{number}.pdf", b"%PDF-1.4\n%" + tag.encode() + rng.randbytes(size) + b"\n%%EOF\n"))
        else:
            files.append((f"foto {tag}-{number}.png", b"\x89PNG\r\n\x1a\n" + tag.encode() + rng.randbytes(size)))
    return Submission(tag=tag, fields=fields, files=files)


def send(http: requests.Session, base: str, sub: Submission, button: str) -> None:
    """Fill in and send the form as a browser does (multipart, the CSRF token, an empty file part when no file)."""
    try:
        token = csrf_token(http, f"{base}/submit/new")
        data = {**sub.fields, "csrf_token": token, "translation_of": "", button: "1"}
        files = [("attachments", (name, content)) for name, content in sub.files] or [("attachments", ("", b""))]
        sub.posted_at = time.monotonic()
        answer = http.post(f"{base}/submit/new", data=data, files=files, allow_redirects=False, timeout=60)
    except (requests.RequestException, AssertionError):
        sub.outcome = "no answer"
        return
    saved = SAVED.search(answer.headers.get("Location", ""))
    if answer.status_code in (302, 303) and saved:
        sub.outcome, sub.record_id = "acknowledged", int(saved[1])
        try:
            http.get(f"{base}{answer.headers['Location']}", timeout=30)  # where the browser goes next
        except requests.RequestException:
            pass
    else:
        sub.outcome = f"HTTP {answer.status_code}"


def submit_until_stopped(base: str, cookies: Any, rng: random.Random, prefix: str, stop: threading.Event,
                         out: list[Submission]) -> None:
    http = requests.Session()
    http.cookies.update(cookies)
    number = 0
    while not stop.is_set():
        sub = new_submission(rng, f"{prefix}n{number}")
        number += 1
        out.append(sub)
        send(http, base, sub, rng.choice(("save", "preview")))
        if sub.outcome == "no answer":
            return  # the server is gone


def query(kb: Kb, *statements: str) -> list[list[tuple[Any, ...]]]:
    """Rows of each statement, read straight from the knowledge base's database (one snapshot)."""
    engine = make_engine(database_url({"DATABASE_URL": kb.env["DATABASE_URL"], "KB_DATA_DIR": str(kb.data_dir)}))
    try:
        with engine.connect() as conn, conn.begin():
            return [[tuple(row) for row in conn.execute(text(sql))] for sql in statements]
    finally:
        engine.dispose()


def database_state(kb: Kb) -> dict[int, dict[str, Any]]:
    columns = ("id", *TEXT_FIELDS, "lang", "country", "year", "status")
    rows, themes, revisions, attachments = query(
        kb, f"SELECT {', '.join(columns)} FROM records",
        "SELECT rt.record_id, t.slug FROM record_themes rt JOIN themes t ON t.id = rt.theme_id ORDER BY t.slug",
        "SELECT record_id, action FROM revisions ORDER BY id",
        "SELECT record_id, filename, size, sha256, stored_name FROM attachments ORDER BY id")
    records = {row[0]: {**dict(zip(columns, row)), "themes": [], "revisions": [], "attachments": []} for row in rows}
    for record_id, slug in themes:
        records[record_id]["themes"].append(slug)
    for record_id, action in revisions:
        records[record_id]["revisions"].append(action)
    for record_id, *attachment in attachments:
        records[record_id]["attachments"].append(tuple(attachment))
    return records


def expected_fields(sub: Submission) -> dict[str, Any]:
    return {**{name: sub.fields[name] for name in (*TEXT_FIELDS, "lang", "country", "themes")},
            "year": int(sub.fields["year"]), "status": "draft"}


def unreferenced_files(kb: Kb) -> list[Path]:
    uploads = kb.data_dir / "uploads"
    if not uploads.is_dir():
        return []
    (rows,) = query(kb, "SELECT stored_name FROM attachments")
    return sorted(p for p in uploads.iterdir() if p.name not in {name for (name,) in rows})


def crash_leftovers(kb: Kb, submissions: list[Submission]) -> tuple[list[Path], list[str]]:
    """Files without a row just after a kill: each must be a half-written `.part` or a file of a submission that got no
    answer (written before its row was committed); anything else is a problem."""
    unanswered = {hashlib.sha256(content).hexdigest() for sub in submissions if sub.outcome != "acknowledged"
                  for _name, content in sub.files}
    left = unreferenced_files(kb)
    problems = [f"uploads/{path.name}: no row refers to it, and it is no file of an unanswered submission"
                for path in left if path.suffix != ".part" and hashlib.sha256(path.read_bytes()).hexdigest() not in unanswered]
    return left, problems


def audit(kb: Kb, submissions: list[Submission]) -> tuple[dict[str, int], list[str]]:
    """Compare what the clients were told with what the database and the uploads folder hold."""
    records = database_state(kb)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for record in records.values():
        by_title.setdefault(record["title"], []).append(record)
    counts = {"submitted": len(submissions), "acknowledged": 0, "found": 0, "lost": 0, "duplicated": 0,
              "stored unacknowledged": 0, "inconsistencies": 0}
    problems: list[str] = []
    for sub in submissions:
        found = by_title.get(sub.fields["title"], [])
        acknowledged = sub.outcome == "acknowledged"
        counts["acknowledged"] += acknowledged
        if len(found) > 1:
            counts["duplicated"] += 1
            problems.append(f"{sub.tag}: stored {len(found)} times (ids {[r['id'] for r in found]})")
        if not found:
            if acknowledged:
                counts["lost"] += 1
                problems.append(f"{sub.tag}: acknowledged as record {sub.record_id} but not in the database")
            continue
        record = found[0]
        if acknowledged:
            counts["found"] += 1
            if record["id"] != sub.record_id:
                problems.append(f"{sub.tag}: acknowledged as record {sub.record_id}, stored as {record['id']}")
        else:
            counts["stored unacknowledged"] += 1  # committed, then killed before the answer left: allowed
        got = {name: record[name] for name in expected_fields(sub)}
        if got != expected_fields(sub):
            wrong = sorted(k for k, v in expected_fields(sub).items() if got[k] != v)
            problems.append(f"{sub.tag}: fields differ from what was sent: {wrong}")
        sent = sorted((hashlib.sha256(content).hexdigest(), len(content)) for _name, content in sub.files)
        kept = sorted((sha, size) for _filename, size, sha, _stored in record["attachments"])
        if kept != sent:
            problems.append(f"{sub.tag}: {len(sent)} files sent, {len(kept)} attachments stored (or not the same)")

    # Nothing half-written, whoever wrote it: every record has its revisions, every attachment row its file, and
    # (the restarted server having cleared what the kill left) every file its row.
    uploads = kb.data_dir / "uploads"
    for record in records.values():
        if not record["revisions"] or record["revisions"][0] not in ("created", "imported"):
            problems.append(f"record {record['id']}: revisions {record['revisions']}")
        if record["revisions"].count("attachment_added") != len(record["attachments"]):
            problems.append(f"record {record['id']}: {len(record['attachments'])} attachments, "
                            f"{record['revisions'].count('attachment_added')} attachment revisions")
        for filename, size, sha, stored in record["attachments"]:
            path = uploads / stored
            if not path.is_file():
                problems.append(f"record {record['id']}: the file of attachment {filename!r} is missing")
            elif path.stat().st_size != size or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                problems.append(f"record {record['id']}: the file of attachment {filename!r} differs from its row")
    for path in unreferenced_files(kb):
        problems.append(f"uploads/{path.name}: a file no attachment row refers to")
    counts["inconsistencies"] = len(problems) - counts["lost"] - counts["duplicated"]
    return counts, problems


@pytest.mark.slow
def test_kill_during_form_submissions_loses_no_acknowledged_record(kb: Kb, tmp_path: Path) -> None:
    rng = random.Random(20261128)
    seed = tmp_path / "seed.jsonl"
    seed.write_text(batch("seed", 6), encoding="utf-8")
    assert kb("import", str(seed)).exit_code == 0
    created = kb("users", "create", "--email", PARTNER[0], "--role", "partner", "--organisation", "enm",
                 "--password", PARTNER[1])
    assert created.exit_code == 0, created.output

    server = Server(kb, tmp_path / "serve.log")
    submissions: list[Submission] = []
    history: list[str] = []
    leftovers = interrupted = 0
    try:
        startup = [server.start()]
        http = sign_in(server.base)
        for round_no in range(SERVE_ROUNDS):
            round_started = time.monotonic()
            stop = threading.Event()
            burst: list[Submission] = []
            threads = [threading.Thread(target=submit_until_stopped, daemon=True,
                                        args=(server.base, http.cookies, random.Random(rng.random()),
                                              f"r{round_no}t{t}", stop, burst))
                       for t in range(SUBMITTERS)]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 2.5))
            killed_at = time.monotonic()
            server.kill()
            stop.set()
            for thread in threads:
                thread.join(timeout=90)
                assert not thread.is_alive(), "a client thread hung after the server was killed"
            submissions.extend(burst)
            outcomes = Counter(s.outcome for s in burst)
            cut = sum(1 for s in burst if s.outcome == "no answer" and s.posted_at is not None and s.posted_at < killed_at)
            interrupted += cut
            # The server is down: a file without a row is what the kill left behind. It is only removed once older
            # than the grace period (a younger one may be an upload in progress), so age it as if the restart
            # came that much later; the restarted server must then have removed it.
            left, problems = crash_leftovers(kb, submissions)
            assert problems == [], f"round {round_no}, server down:\n" + "\n".join(problems)
            leftovers += len(left)
            for path in left:
                aged = time.time() - ORPHAN_GRACE_SECONDS - 60
                os.utime(path, (aged, aged))
            startup.append(server.start())

            counts, problems = audit(kb, submissions)
            history.append(f"round {round_no}: {dict(outcomes)}, {cut} form posts cut off by the kill, {len(left)} files "
                           f"left by it; totals {counts}")
            report = "\n".join(history) + "\n" + "\n".join(problems[:30])
            assert problems == [], report
            # A valid form is saved or, when the kill cuts it off, unanswered; never refused or failed.
            assert set(outcomes) <= {"acknowledged", "no answer"}, report

            check = kb("check")
            assert check.exit_code == 0 and "consistent" in check.output, f"round {round_no}: {check.output}\n{report}"
            found = requests.get(f"{server.base}/api/v1/search", params={"q": "microcredito fondo di garanzia"},
                                 timeout=60)
            assert found.status_code == 200, f"round {round_no}: search answered {found.status_code}\n{server.tail()}"
            assert {hit["external_id"] for hit in found.json()["results"]} >= {f"seed-{i}" for i in range(6)}
            # The signed-in partner is still signed in after the crash (sessions are signed cookies).
            assert http.get(f"{server.base}/submit/new", allow_redirects=False, timeout=30).status_code == 200
            history[-1] += f"; {time.monotonic() - round_started:.0f} s (restart {startup[-1]:.0f} s)"
    finally:
        server.stop()

    counts, _problems = audit(kb, submissions)
    print("\n" + "\n".join(history))
    print(f"\nkb serve killed {SERVE_ROUNDS} times during form submissions: {counts}; {interrupted} form posts cut off; "
          f"{leftovers} files left by the kills, removed at restart; restarts took {min(startup):.1f}-{max(startup):.1f} s")
    assert counts["acknowledged"] >= 3 * SERVE_ROUNDS, counts  # the rounds really submitted something
    assert interrupted >= 1, "no kill landed while a form was being posted"
    assert counts["found"] == counts["acknowledged"] and counts["lost"] == counts["duplicated"] == 0, counts


def test_files_left_without_a_row_are_removed_at_restart_once_old_enough(app: Flask) -> None:
    """What a kill between writing an upload and committing its row leaves is removed by the next server process,
    but only when older than the grace period: a younger file may be an upload another server is saving."""
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    saved = partner.post("/submit/new", data={"title": "Sportello microcredito", "lang": "it", "save": "1",
                                              "attachments": [(io.BytesIO(pdf), "relazione.pdf")]},
                         content_type="multipart/form-data")
    assert saved.status_code == 302
    uploads = Path(app.config["KB_DATA_DIR"]) / "uploads"
    (attached,) = [p.name for p in uploads.iterdir()]
    old = time.time() - ORPHAN_GRACE_SECONDS - 60
    for name in ("0" * 32 + ".pdf", "1" * 32 + ".part", "notes.txt"):
        (uploads / name).write_bytes(b"left behind")
        os.utime(uploads / name, (old, old))
    (uploads / ("2" * 32 + ".png")).write_bytes(b"being saved right now")

    restarted = create_app({"TESTING": True, "KB_DATA_DIR": app.config["KB_DATA_DIR"],
                            "DATABASE_URL": app.config["DATABASE_URL"], "KB_INDEX_SYNC_SECONDS": 0})
    try:
        assert restarted.test_client().get("/login").status_code == 200  # its first request
    finally:
        dispose(restarted)
    assert sorted(p.name for p in uploads.iterdir()) == sorted([attached, "2" * 32 + ".png", "notes.txt"])
    record_page = partner.get(saved.headers["Location"]).get_data(as_text=True)
    attachment_id = re.search(r'href="/attachments/(\d+)"', record_page)[1]
    assert partner.get(f"/attachments/{attachment_id}", buffered=True).data == pdf
