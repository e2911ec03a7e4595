"""Learning progress and the command line: `kb backup`/`kb restore` keep it, `kb export`/`kb import` leave it alone."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import PASSWORD, Kb
from flask import Flask

from kb_app import create_app
from kb_app.db import get_session

RESOURCES = [
    {"id": "rs-b-1", "kind": "resource", "lang": "it", "title": "Bilancio familiare", "body": "Testo.",
     "path": "operators", "module": "op-credit-assessment", "position": 1},
    {"id": "rs-b-2", "kind": "resource", "lang": "en", "title": "Five Cs", "body": "Text.",
     "path": "operators", "module": "op-credit-assessment", "position": 2},
]


def app_of(kb: Kb) -> Flask:
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "KB_INDEX_SYNC_SECONDS": 0,
                       "KB_DATA_DIR": str(kb.data_dir), "DATABASE_URL": kb.env["DATABASE_URL"]})


def progress_of(kb: Kb) -> dict[str, Any]:
    """What the learner sees of their progress, through the JSON API of a server on this knowledge base."""
    app = app_of(kb)
    try:
        client = app.test_client()
        assert client.post("/login", data={"email": "lea@example.org", "password": PASSWORD}).status_code == 302
        return client.get("/api/v1/me/progress").get_json()
    finally:
        app.extensions["kb_search"].close()
        app.extensions["kb_engine"].dispose()


def make_progress(kb: Kb, tmp_path: Path) -> None:
    source = tmp_path / "resources.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in RESOURCES), encoding="utf-8")
    assert kb("import", str(source)).exit_code == 0
    assert kb("users", "create", "--email", "lea@example.org", "--role", "learner", "--name", "Lea",
              "--password", PASSWORD).exit_code == 0
    app = app_of(kb)
    try:
        client = app.test_client()
        assert client.post("/login", data={"email": "lea@example.org", "password": PASSWORD}).status_code == 302
        with app.app_context():
            from sqlalchemy import select

            from kb_app.models import Module, Record
            session = get_session()
            first = session.scalar(select(Record.id).where(Record.external_id == "rs-b-1"))
            questions = session.scalar(select(Module).where(Module.slug == "op-credit-assessment")).self_check
        assert client.post(f"/learning/paths/operators/resources/{first}/done").status_code == 302
        answers = {f"q-{q['id']}": str(q["answer"]) for q in questions}
        assert client.post("/learning/modules/op-credit-assessment/check", data=answers).status_code == 200
    finally:
        app.extensions["kb_search"].close()
        app.extensions["kb_engine"].dispose()


def module_one(progress: dict[str, Any]) -> dict[str, Any]:
    return progress["paths"][0]["modules"][0]


def test_progress_survives_backup_and_restore(kb: Kb, make_kb: Any, tmp_path: Path) -> None:
    make_progress(kb, tmp_path)
    before = progress_of(kb)
    assert module_one(before)["resources_done"] == 1 and module_one(before)["self_check"]["best_score"] == 3
    archive = tmp_path / "kb.tar.gz"
    assert kb("backup", "--output", str(archive)).exit_code == 0
    other = make_kb("restored")
    restored = other("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert progress_of(other) == before


def test_exporting_and_importing_the_catalogue_leaves_progress_alone(kb: Kb, tmp_path: Path) -> None:
    make_progress(kb, tmp_path)
    before = progress_of(kb)
    exported = tmp_path / "catalogue.jsonl"
    result = kb("export", "--format", "jsonl", "--output", str(exported))
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8")
    assert "rs-b-1" in text and "lea@example.org" not in text and "self_check" not in text
    again = kb("import", str(exported))
    assert again.exit_code == 0, again.output
    assert progress_of(kb) == before
