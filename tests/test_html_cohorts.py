"""Cohorts in HTML and JSON: creating one, invitation links (expiry, single use, one organisation), the progress table
and its CSV export."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.models import Cohort, Enrolment, Invitation, User, utcnow

from conftest import PASSWORD, signed_in
from test_html_learning import load_resources, right_answers


@pytest.fixture()
def trainer(app: Flask) -> FlaskClient:
    load_resources(app, draft=False)
    return signed_in(app, "tina@example.org", "trainer", organisation="enm")


def new_cohort(trainer: FlaskClient, name: str = "Corso di formazione Roma, 20 operatori") -> int:
    response = trainer.post("/cohorts", data={"name": name, "path": "operators",
                                              "organisation": "accion-contra-el-hambre"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def invitation_path(trainer: FlaskClient, cohort_id: int, days: str = "7") -> str:
    response = trainer.post(f"/cohorts/{cohort_id}/invitations", data={"days": days})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    return re.search(r'value="https?://[^/"]+(/join/[\w-]+)"', response.get_data(as_text=True)).group(1)


def join(app: Flask, path: str, email: str, name: str = "Ana Learner") -> tuple[int, str]:
    client = app.test_client()
    response = client.post(path, data={"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD})
    return response.status_code, response.get_data(as_text=True)


def users(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(User))


def test_a_learner_signs_up_through_an_invitation_into_the_cohort_and_its_organisation(
        app: Flask, trainer: FlaskClient) -> None:
    cohort_id = new_cohort(trainer)
    path = invitation_path(trainer, cohort_id)
    page = app.test_client().get(path + "?ui=it").get_data(as_text=True)
    assert "Corso di formazione Roma, 20 operatori" in page and "Acción contra el Hambre" in page
    status, _page = join(app, path + "?ui=it", "ana@example.org")
    assert status == 302
    with app.app_context():
        session = get_session()
        ana = session.scalar(select(User).where(User.email == "ana@example.org"))
        assert ana.role == "learner" and ana.organisation.slug == "accion-contra-el-hambre" and ana.ui_lang == "it"
        assert [m.email for m in session.get(Cohort, cohort_id).members] == ["ana@example.org"]
        assert session.scalar(select(Enrolment).where(Enrolment.user_id == ana.id)).path.slug == "operators"
        assert session.scalar(select(Invitation.used_by_id)) == ana.id
    assert "Ana Learner" in trainer.get(f"/cohorts/{cohort_id}").get_data(as_text=True)


def test_a_used_invitation_signs_up_nobody_else(app: Flask, trainer: FlaskClient) -> None:
    path = invitation_path(trainer, new_cohort(trainer))
    assert join(app, path, "first@example.org")[0] == 302
    before = users(app)
    status, page = join(app, path, "second@example.org")
    assert status == 410 and "has been used already" in page
    assert app.test_client().get(path).status_code == 410
    assert users(app) == before


def test_an_expired_invitation_signs_up_nobody(app: Flask, trainer: FlaskClient) -> None:
    path = invitation_path(trainer, new_cohort(trainer))
    with app.app_context():
        session = get_session()
        session.scalar(select(Invitation)).expires_at = utcnow() - timedelta(minutes=1)
        session.commit()
    before = users(app)
    status, page = join(app, path, "late@example.org")
    assert status == 410 and "has expired" in page
    assert users(app) == before


def test_an_unknown_invitation_is_not_found(app: Flask, trainer: FlaskClient) -> None:
    status, page = join(app, "/join/not-a-real-token", "x@example.org")
    assert status == 404 and "is not valid" in page


@pytest.mark.parametrize("days", ["0", "91", "soon"])
def test_an_invitation_lasts_from_one_to_ninety_days(app: Flask, trainer: FlaskClient, days: str) -> None:
    cohort_id = new_cohort(trainer)
    response = trainer.post(f"/cohorts/{cohort_id}/invitations", data={"days": days})
    assert response.status_code == 400 and "/join/" not in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Invitation)) == 0


def test_a_cohort_needs_a_name(app: Flask, trainer: FlaskClient) -> None:
    response = trainer.post("/cohorts", data={"name": "  ", "path": "operators", "organisation": "enm"})
    assert response.status_code == 400
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Cohort)) == 0


def test_the_progress_table_and_its_csv_show_states_and_scores_with_formulas_disarmed(
        app: Flask, trainer: FlaskClient) -> None:
    cohort_id = new_cohort(trainer)
    assert join(app, invitation_path(trainer, cohort_id), "eve@example.org", name='=HYPERLINK("http://x","y")')[0] == 302
    learner = app.test_client()
    learner.post("/login", data={"email": "eve@example.org", "password": PASSWORD})
    learner.post("/learning/modules/op-credit-assessment/check", data=right_answers(app, "op-credit-assessment"))
    page = trainer.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert "self-check 3/3" in page and "In progress" in page and "Not started" in page
    response = trainer.get(f"/cohorts/{cohort_id}/progress.csv")
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["learner"] == '\'=HYPERLINK("http://x","y")'
    assert rows[0]["op-credit-assessment"] == "In progress" and rows[0]["op-credit-assessment self-check"] == "3/3"
    assert rows[0]["op-bias-awareness"] == "Not started"
    data = trainer.get(f"/api/v1/cohorts/{cohort_id}/progress").get_json()
    assert data["learners"][0]["progress"]["modules"][0]["self_check"]["best_score"] == 3


def test_my_progress_through_an_api_token(app: Flask, trainer: FlaskClient) -> None:
    assert join(app, invitation_path(trainer, new_cohort(trainer)), "tok@example.org")[0] == 302
    with app.app_context():
        session = get_session()
        _token, secret = create_token(session, session.scalar(select(User).where(User.email == "tok@example.org")), "me")
    client = app.test_client()
    data = client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert data["user"]["email"] == "tok@example.org"
    assert [p["path"] for p in data["paths"]] == ["operators"]
    assert data["paths"][0]["resources_total"] == 3 and data["paths"][0]["done"] is False
    assert client.get("/api/v1/me/progress").status_code == 401
