"""Authorisation matrix: every role against every action of the auth, submit, review, learning and training areas."""
from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app import create_app
from kb_app.accounts import create_user
from kb_app.catalogue import add_revision, apply_record, new_record, publish
from kb_app.cli import initialise
from kb_app.db import get_session
from kb_app.interchange import normalise_record
from kb_app.cohorts import create_cohort, create_invitation
from kb_app.models import Attachment, Cohort, CurriculumPath, Module, Organisation, Record, User
from kb_app.uploads import store_upload

from conftest import session_key_for
from sample_documents import docx_file

ROLES = ("anonymous", "learner", "trainer", "partner_a", "partner_b", "editor", "admin")
ACCOUNTS = {"learner": ("learner", None), "trainer": ("trainer", None), "partner_a": ("partner", "enm"),
            "partner_b": ("partner", "accion-contra-el-hambre"), "editor": ("editor", None), "admin": ("admin", None)}
PDF = b"%PDF-1.4\n%%EOF\n"

# What a role gets: "login" = sent to the sign-in page, "done" = redirected elsewhere after doing it, or a status code.
LOGIN = "login"
DONE = "done"


def everyone(outcome: Any, anonymous: Any = LOGIN) -> dict[str, Any]:
    return {"anonymous": anonymous, **{role: outcome for role in ROLES[1:]}}


def submitters(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, "learner": 403, "trainer": 403, "partner_a": outcome, "partner_b": outcome,
            "editor": outcome, "admin": outcome}


def owners_of_a(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, "learner": 403, "trainer": 403, "partner_a": outcome, "partner_b": 403,
            "editor": outcome, "admin": outcome}


def reviewers(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, "learner": 403, "trainer": 403, "partner_a": 403, "partner_b": 403,
            "editor": outcome, "admin": outcome}


def admins(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, "learner": 403, "trainer": 403, "partner_a": 403, "partner_b": 403, "editor": 403,
            "admin": outcome}


def trainers(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, "learner": 403, "trainer": outcome, "partner_a": 403, "partner_b": 403,
            "editor": 403, "admin": outcome}


def api_signed_in(outcome: Any) -> dict[str, Any]:
    return {"anonymous": 401, **{role: outcome for role in ROLES[1:]}}


def cohort_owner_via_api(outcome: Any) -> dict[str, Any]:
    # Anyone but the cohort's trainer (and administrators) is told there is no such cohort.
    return {"anonymous": 401, "learner": 404, "trainer": outcome, "partner_a": 404, "partner_b": 404,
            "editor": 404, "admin": outcome}


@dataclass
class Action:
    """One thing a person may try: the request, made against fresh data, and what each role must get."""

    endpoint: str
    method: str
    target: Callable[["World"], str]
    expect: dict[str, Any]
    data: Callable[["World"], dict[str, Any]] = field(default=lambda world: {})


class World:
    """The accounts of every role, and helpers making fresh records for each attempt."""

    def __init__(self, app: Flask):
        self.app = app
        self.users: dict[str, tuple[int, int]] = {}
        with app.app_context():
            for role, (kind, org) in ACCOUNTS.items():
                user = create_user(get_session(), email=f"{role}@example.org", password="correct horse battery",
                                   role=kind, organisation=org)
                self.users[role] = (user.id, user.security_stamp)
        self.published_original = self.record("published", "accion-contra-el-hambre", lang="es")

    def record(self, status: str, org: str = "enm", lang: str = "it", attachment: bool = False) -> int:
        with self.app.app_context():
            db = get_session()
            data = normalise_record({
                "kind": "practice", "lang": lang, "title": f"Pratica {secrets.token_hex(3)}", "summary": "Sintesi.",
                "body": "Contesto.", "challenge": "Sfida.", "method": "Metodo.", "results": "Risultati.",
                "country": "IT", "organisation": org})
            record = new_record("practice")
            db.add(record)
            apply_record(db, record, data)
            if status == "published":
                publish(record)
            else:
                record.status = status
            if attachment:
                kept = store_upload(self.app.config["KB_DATA_DIR"], "a.pdf", io.BytesIO(PDF), 1 << 20)
                record.attachments.append(Attachment(filename=kept.filename, content_type=kept.content_type,
                                                     size=kept.size, sha256=kept.sha256, stored_name=kept.stored_name))
            add_revision(db, record, "created")
            db.commit()
            return record.id

    def attachment_of(self, record_id: int) -> int:
        with self.app.app_context():
            return get_session().scalar(select(Attachment.id).where(Attachment.record_id == record_id))

    def fresh_account(self) -> int:
        with self.app.app_context():
            return create_user(get_session(), email=f"someone-{secrets.token_hex(4)}@example.org",
                               password="correct horse battery", role="trainer").id

    def organisation(self) -> int:
        with self.app.app_context():
            db = get_session()
            org = Organisation(slug=f"org-{secrets.token_hex(4)}", name="Test organisation")
            db.add(org)
            db.commit()
            return org.id

    def resource(self, status: str = "published") -> int:
        """A resource of the first module of the operators' path."""
        with self.app.app_context():
            db = get_session()
            data = normalise_record({"kind": "resource", "lang": "en", "title": f"Unit {secrets.token_hex(3)}",
                                     "body": "Text.", "path": "operators", "module": "op-credit-assessment",
                                     "position": 1})
            record = new_record("resource")
            db.add(record)
            apply_record(db, record, data)
            if status == "published":
                publish(record)
            else:
                record.status = status
            add_revision(db, record, "created")
            db.commit()
            return record.id

    def cohort(self) -> int:
        """A fresh cohort of the matrix's trainer."""
        with self.app.app_context():
            db = get_session()
            trainer = db.get(User, self.users["trainer"][0])
            path = db.scalar(select(CurriculumPath).where(CurriculumPath.slug == "operators"))
            organisation = db.scalar(select(Organisation).where(Organisation.slug == "enm"))
            return create_cohort(db, trainer, f"Cohort {secrets.token_hex(3)}", path, organisation).id

    def invitation(self) -> str:
        """The path of a fresh invitation link into a fresh cohort."""
        with self.app.app_context():
            db = get_session()
            cohort = db.get(Cohort, self.cohort())
            _invitation, token = create_invitation(db, cohort, db.get(User, self.users["trainer"][0]), 7)
            return f"/join/{token}"

    def right_answers(self, slug: str = "op-credit-assessment") -> dict[str, str]:
        with self.app.app_context():
            module = get_session().scalar(select(Module).where(Module.slug == slug))
            return {f"q-{q['id']}": str(q["answer"]) for q in module.self_check}

    def client(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        if role != "anonymous":
            user_id, stamp = self.users[role]
            with client.session_transaction() as session:
                session["sid"] = session_key_for(self.app, user_id)
        return client


def _draft_a(world: World) -> int:
    return world.record("draft")


def _with_attachment(status: str) -> Callable[[World], str]:
    def target(world: World) -> str:
        record_id = world.record(status, attachment=True)
        return f"/attachments/{world.attachment_of(record_id)}"
    return target


def _remove_attachment(world: World) -> str:
    record_id = world.record("draft", attachment=True)
    return f"/submit/{record_id}/attachments/{world.attachment_of(record_id)}/delete"


PRACTICE_FORM = {"title": "Sportello", "lang": "it", "body": "Testo.", "save": "1"}
START_DOCUMENT = docx_file("Sportello", [("Sfida", ["Accesso al credito."])])

ACTIONS = [
    # -- auth ------------------------------------------------------------------------------------------
    Action("auth.login", "GET", lambda w: "/login", everyone(DONE, anonymous=200)),
    Action("auth.logout", "POST", lambda w: "/logout", everyone(DONE, anonymous=DONE)),
    Action("auth.forgot_password", "GET", lambda w: "/password/forgot", everyone(200, anonymous=200)),
    Action("auth.reset_password", "GET", lambda w: "/password/reset/not-a-token", everyone(400, anonymous=400)),
    Action("auth.account", "GET", lambda w: "/account", everyone(200)),
    Action("auth.change_password", "GET", lambda w: "/account/password", everyone(200)),
    Action("auth.end_other_sessions", "POST", lambda w: "/account/sessions/end", everyone(DONE)),
    Action("auth.accounts", "GET", lambda w: "/admin/accounts", admins(200)),
    Action("auth.accounts", "POST", lambda w: "/admin/accounts", admins(DONE),
           data=lambda w: {"email": f"n-{secrets.token_hex(4)}@example.org", "role": "trainer", "organisation": "",
                           "password": "correct horse battery"}),
    Action("auth.edit_account", "GET", lambda w: f"/admin/accounts/{w.fresh_account()}", admins(200)),
    Action("auth.edit_account", "POST", lambda w: f"/admin/accounts/{w.fresh_account()}", admins(DONE),
           data=lambda w: {"name": "X", "role": "editor", "organisation": ""}),
    Action("auth.deactivate_account", "POST", lambda w: f"/admin/accounts/{w.fresh_account()}/deactivate", admins(DONE)),
    Action("auth.activate_account", "POST", lambda w: f"/admin/accounts/{w.fresh_account()}/activate", admins(DONE)),
    Action("auth.send_account_reset", "POST", lambda w: f"/admin/accounts/{w.fresh_account()}/reset", admins(DONE)),
    Action("auth.organisations", "GET", lambda w: "/admin/organisations", admins(200)),
    Action("auth.organisations", "POST", lambda w: "/admin/organisations", admins(DONE),
           data=lambda w: {"name": f"Org {secrets.token_hex(3)}", "country": ""}),
    Action("auth.edit_organisation", "GET", lambda w: f"/admin/organisations/{w.organisation()}", admins(200)),
    Action("auth.edit_organisation", "POST", lambda w: f"/admin/organisations/{w.organisation()}", admins(DONE),
           data=lambda w: {"name": "Renamed", "country": "IT"}),
    # -- submit ----------------------------------------------------------------------------------------
    Action("submit.index", "GET", lambda w: "/submit", submitters(200)),
    Action("submit.translate", "GET", lambda w: "/submit/translate?q=microcredito", submitters(200)),
    Action("submit.new", "GET", lambda w: "/submit/new", submitters(200)),
    Action("submit.new", "POST", lambda w: "/submit/new", submitters(DONE), data=lambda w: dict(PRACTICE_FORM)),
    Action("submit.new", "GET", lambda w: f"/submit/new?translation_of={w.published_original}", submitters(200)),
    Action("submit.from_file", "POST", lambda w: "/submit/from-file", submitters(DONE),
           data=lambda w: {"start-document": (io.BytesIO(START_DOCUMENT), "rapporto.docx"), "start-read": "1"}),
    Action("submit.reading", "GET", lambda w: f"/submit/{_draft_a(w)}/reading", owners_of_a(DONE)),
    Action("submit.show", "GET", lambda w: f"/submit/{_draft_a(w)}", owners_of_a(200)),
    Action("submit.history", "GET", lambda w: f"/submit/{_draft_a(w)}/history", owners_of_a(200)),
    Action("submit.edit", "GET", lambda w: f"/submit/{_draft_a(w)}/edit", owners_of_a(200)),
    Action("submit.edit", "POST", lambda w: f"/submit/{_draft_a(w)}/edit", owners_of_a(DONE),
           data=lambda w: dict(PRACTICE_FORM)),
    Action("submit.send", "POST", lambda w: f"/submit/{_draft_a(w)}/send", owners_of_a(DONE)),
    Action("submit.withdraw", "POST", lambda w: f"/submit/{w.record('submitted')}/withdraw", owners_of_a(DONE)),
    Action("submit.delete", "POST", lambda w: f"/submit/{_draft_a(w)}/delete", owners_of_a(DONE)),
    Action("submit.show_json", "GET", lambda w: f"/submit/{_draft_a(w)}.json", owners_of_a(200)),
    Action("submit.confirm_translation", "GET",
           lambda w: f"/submit/{_draft_a(w)}/translation?original={w.published_original}", owners_of_a(200)),
    Action("submit.link_translation", "POST", lambda w: f"/submit/{_draft_a(w)}/translation", owners_of_a(DONE),
           data=lambda w: {"original": str(w.published_original), "confirmed": "yes"}),
    Action("submit.remove_attachment", "POST", _remove_attachment, owners_of_a(DONE)),
    Action("submit.attachment", "GET", _with_attachment("draft"), owners_of_a(200)),
    Action("submit.attachment", "GET", _with_attachment("published"), everyone(200, anonymous=200)),
    # -- review ----------------------------------------------------------------------------------------
    Action("review.queue", "GET", lambda w: "/review", reviewers(200)),
    Action("review.show", "GET", lambda w: f"/review/{w.record('submitted')}", reviewers(200)),
    Action("review.publish", "POST", lambda w: f"/review/{w.record('submitted')}/publish", reviewers(DONE)),
    Action("review.request_changes", "POST", lambda w: f"/review/{w.record('submitted')}/request-changes",
           reviewers(DONE), data=lambda w: {"comment": "Please add numbers."}),
    Action("review.reject", "POST", lambda w: f"/review/{w.record('submitted')}/reject", reviewers(DONE),
           data=lambda w: {"comment": "Out of scope."}),
    Action("review.unpublish", "POST", lambda w: f"/review/{w.record('published')}/unpublish", reviewers(DONE),
           data=lambda w: {"comment": "Outdated."}),
    # -- learning: any signed-in account follows a path; only published resources count ---------------
    Action("learning.mine", "GET", lambda w: "/learning", everyone(200)),
    Action("learning.enrol_in", "POST", lambda w: "/learning/paths/operators/enrol", everyone(DONE)),
    Action("learning.mark_resource_done", "POST",
           lambda w: f"/learning/paths/operators/resources/{w.resource()}/done", everyone(DONE)),
    Action("learning.mark_resource_done", "POST",
           lambda w: f"/learning/paths/operators/resources/{w.resource('draft')}/done", everyone(400)),
    Action("learning.undo_resource_done", "POST",
           lambda w: f"/learning/paths/operators/resources/{w.resource()}/undo", everyone(DONE)),
    Action("learning.self_check", "GET", lambda w: "/learning/modules/op-credit-assessment/check", everyone(200)),
    Action("learning.answer_self_check", "POST", lambda w: "/learning/modules/op-credit-assessment/check",
           everyone(200), data=lambda w: w.right_answers()),
    Action("learning.certificate", "GET", lambda w: "/learning/paths/operators/certificate", everyone(409)),
    # -- training: trainers run their own cohorts; learners sign up through an invitation -------------
    Action("training.index", "GET", lambda w: "/cohorts", trainers(200)),
    Action("training.create", "POST", lambda w: "/cohorts", trainers(DONE),
           data=lambda w: {"name": "Corso di formazione Roma", "path": "operators", "organisation": "enm"}),
    Action("training.show", "GET", lambda w: f"/cohorts/{w.cohort()}", trainers(200)),
    Action("training.invite", "POST", lambda w: f"/cohorts/{w.cohort()}/invitations", trainers(201),
           data=lambda w: {"days": "7"}),
    Action("training.progress_csv", "GET", lambda w: f"/cohorts/{w.cohort()}/progress.csv", trainers(200)),
    Action("training.join", "GET", lambda w: w.invitation(), everyone(200, anonymous=200)),
    Action("training.join", "POST", lambda w: w.invitation(), everyone(DONE, anonymous=DONE),
           data=lambda w: {"name": "Ana", "email": f"ana-{secrets.token_hex(4)}@example.org",
                           "password": "correct horse battery", "confirm": "correct horse battery"}),
    Action("api.my_progress", "GET", lambda w: "/api/v1/me/progress", api_signed_in(200)),
    Action("api.cohort_progress", "GET", lambda w: f"/api/v1/cohorts/{w.cohort()}/progress",
           cohort_owner_via_api(200)),
]
MATRIX_AREAS = ("auth", "submit", "review", "learning", "training")
MATRIX_API = {"api.my_progress", "api.cohort_progress"}

@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, databases) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("authz")
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(data_dir), "DATABASE_URL": databases.url(),
                      "KB_INDEX_SYNC_SECONDS": 0, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        initialise(app, load_seed=False)
    yield World(app)
    app.extensions["kb_search"].close()
    app.extensions["kb_engine"].dispose()


CASES = [pytest.param(action, role, id=f"{action.method} {action.endpoint}#{n}-{role}")
         for n, action in enumerate(ACTIONS) for role in ROLES]


def test_every_endpoint_of_the_areas_is_in_the_matrix(world: World) -> None:
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in MATRIX_AREAS}
    assert endpoints | MATRIX_API == {a.endpoint for a in ACTIONS}


@pytest.mark.parametrize(("action", "role"), CASES)
def test_role_against_action(world: World, action: Action, role: str) -> None:
    client = world.client(role)
    path = action.target(world)
    if action.method == "GET":
        response = client.get(path, buffered=True)
    else:
        response = client.post(path, data=action.data(world), buffered=True)
    expected = action.expect[role]
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in location, (response.status_code, location)
    elif expected == DONE:
        assert response.status_code == 302 and "/login" not in location, (response.status_code, location)
    else:
        assert response.status_code == expected, (response.status_code, location)


def test_partner_of_a_keeps_editing_rights_only_while_their_record_is_with_them(world: World) -> None:
    client = world.client("partner_a")
    for status, code in (("draft", 200), ("changes_requested", 200)):
        assert client.get(f"/submit/{world.record(status)}/edit").status_code == code
    for status in ("submitted", "published", "rejected"):
        record_id = world.record(status)
        response = client.get(f"/submit/{record_id}/edit")
        assert response.status_code == 302 and "/submit/" in response.headers["Location"], status
        client.post(f"/submit/{record_id}/edit", data={**PRACTICE_FORM, "title": "Changed behind the editor"})
        with world.app.app_context():
            assert get_session().get(Record, record_id).title != "Changed behind the editor", status
    # The account's role counts, not its organisation: an editor of no organisation reviews every record.
    with world.app.app_context():
        assert get_session().get(User, world.users["editor"][0]).organisation_id is None


def test_a_trainer_gets_nothing_of_another_trainers_cohort(world: World) -> None:
    from sqlalchemy import func

    from kb_app.models import Invitation

    cohort_id = world.cohort()
    with world.app.app_context():
        other = create_user(get_session(), email=f"other-{secrets.token_hex(4)}@example.org",
                            password="correct horse battery", role="trainer")
        invitations = get_session().scalar(select(func.count()).select_from(Invitation))
    client = world.app.test_client()
    with client.session_transaction() as session:
        session["sid"] = session_key_for(world.app, other.id)
    for response in (client.get(f"/cohorts/{cohort_id}"), client.get(f"/cohorts/{cohort_id}/progress.csv"),
                     client.post(f"/cohorts/{cohort_id}/invitations", data={"days": "7"})):
        assert response.status_code == 404
        assert f"You have no cohort {cohort_id}." in response.get_data(as_text=True)
    answer = client.get(f"/api/v1/cohorts/{cohort_id}/progress")
    assert answer.status_code == 404 and answer.get_json()["error"]["message"] == f"you have no cohort {cohort_id}"
    assert f'href="/cohorts/{cohort_id}"' not in client.get("/cohorts").get_data(as_text=True)
    with world.app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Invitation)) == invitations
