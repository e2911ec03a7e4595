"""Following a learning path in the browser's HTML: enrol, mark done and undo, self-checks, continue, certificate."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Enrolment, Module, Record, ResourceDone, SelfCheckAttempt

from conftest import signed_in

# Two resources in the first operators' module, one in the second, one draft, one in the entrepreneurs' path.
RESOURCES = [
    {"id": "rs-t-1", "lang": "it", "title": "Bilancio familiare", "module": "op-credit-assessment", "position": 1},
    {"id": "rs-t-2", "lang": "es", "title": "Solvencia sin historial", "module": "op-credit-assessment", "position": 2},
    {"id": "rs-t-3", "lang": "en", "title": "Stress-testing the numbers", "module": "op-business-plan-review",
     "position": 1},
    {"id": "rs-t-4", "lang": "de", "title": "Gewerbe anmelden", "module": "en-legal-registration", "position": 1,
     "path": "entrepreneurs"},
]


def load_resources(app: Flask, draft: bool = True) -> dict[str, int]:
    lines = [json.dumps({"kind": "resource", "body": "Testo.", "summary": "Sintesi.", "path": "operators",
                         "audience": "operator", **r}) for r in RESOURCES]
    with app.app_context():
        session = get_session()
        import_records(session, "\n".join(lines))
        ids = {r.external_id: r.id for r in session.scalars(select(Record))}
        if draft:
            extra = Record(kind="resource", lang="fr", title="Brouillon", status="draft",
                           module_id=session.scalar(select(Module.id).where(Module.slug == "op-credit-assessment")))
            session.add(extra)
            session.commit()
            ids["draft"] = extra.id
        return ids


def right_answers(app: Flask, slug: str) -> dict[str, str]:
    with app.app_context():
        module = get_session().scalar(select(Module).where(Module.slug == slug))
        return {f"q-{q['id']}": str(q["answer"]) for q in module.self_check}


def wrong_answers(app: Flask, slug: str) -> dict[str, str]:
    return {name: str((int(value) + 1) % 3) for name, value in right_answers(app, slug).items()}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        session = get_session()
        return tuple(session.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                     for model in (Enrolment, ResourceDone, SelfCheckAttempt))


@pytest.fixture()
def ids(app: Flask) -> dict[str, int]:
    return load_resources(app)


@pytest.fixture()
def learner(app: Flask) -> FlaskClient:
    return signed_in(app, "lea@example.org", "learner")


def test_a_learner_enrols_marks_done_and_undoes(app: Flask, ids: dict[str, int], learner: FlaskClient) -> None:
    page = learner.get("/browse/paths/operators").get_data(as_text=True)
    assert "Follow this path" in page
    assert learner.post("/learning/paths/operators/enrol").status_code == 302
    page = text_of(learner.get("/browse/paths/operators").get_data(as_text=True))
    assert "Continue where you left off" in page and "0 of 3 done" in page and "Bilancio familiare" in page
    learner.post(f"/learning/paths/operators/resources/{ids['rs-t-1']}/done")
    page = text_of(learner.get("/browse/paths/operators").get_data(as_text=True))
    assert "1 of 3 done" in page and "1 of 2 done" in page
    # Continue goes to the next resource not done, on the path page and on the home page alike.
    home = learner.get("/").get_data(as_text=True)
    assert "Continue where you left off" in home and f'href="/records/{ids["rs-t-2"]}"' in home
    learner.post(f"/learning/paths/operators/resources/{ids['rs-t-1']}/undo")
    assert "0 of 3 done" in text_of(learner.get("/browse/paths/operators").get_data(as_text=True))


def test_a_resource_page_shows_the_place_in_the_path(app: Flask, ids: dict[str, int], learner: FlaskClient) -> None:
    page = text_of(learner.get(f"/records/{ids['rs-t-2']}").get_data(as_text=True))
    assert "Resource 2 of 3" in page
    assert "Previous: Bilancio familiare" in page and "Next: Stress-testing the numbers" in page
    assert "Mark as done" in page
    anonymous = app.test_client().get(f"/records/{ids['rs-t-2']}").get_data(as_text=True)
    assert "Sign in to keep track" in anonymous and "Mark as done" not in anonymous


def test_a_module_is_done_when_its_resources_are_done_and_its_self_check_passed(
        app: Flask, ids: dict[str, int], learner: FlaskClient) -> None:
    for key in ("rs-t-1", "rs-t-2"):
        learner.post(f"/learning/paths/operators/resources/{ids[key]}/done")
    answers = wrong_answers(app, "op-credit-assessment")
    page = text_of(learner.post("/learning/modules/op-credit-assessment/check", data=answers).get_data(as_text=True))
    assert "Your score: 0 of 3" in page and "Not passed yet" in page and "Right answer:" in page
    assert "In progress" in text_of(learner.get("/browse/paths/operators").get_data(as_text=True))
    page = text_of(learner.post("/learning/modules/op-credit-assessment/check",
                                data=right_answers(app, "op-credit-assessment")).get_data(as_text=True))
    assert "Your score: 3 of 3" in page and "Passed." in page and "This module is done." in page
    path_page = text_of(learner.get("/browse/paths/operators").get_data(as_text=True))
    assert "best score 3 of 3" in path_page
    # Continue now leads into the next module.
    assert f'href="/records/{ids["rs-t-3"]}"' in learner.get("/").get_data(as_text=True)


def test_unanswered_questions_are_asked_again_and_nothing_is_scored(app: Flask, ids: dict[str, int],
                                                                     learner: FlaskClient) -> None:
    response = learner.post("/learning/modules/op-credit-assessment/check", data={"q-q1": "0"})
    assert response.status_code == 400 and "Please answer every question." in response.get_data(as_text=True)
    assert counts(app)[2] == 0


@pytest.mark.parametrize("extra", [{"q-q99": "0"}, {"q-q1": "7"}, {"q-q1": "-1"}])
def test_an_answer_for_a_question_not_in_the_module_is_refused(app: Flask, ids: dict[str, int],
                                                                learner: FlaskClient, extra: dict[str, str]) -> None:
    answers = {**right_answers(app, "op-credit-assessment"), **extra}
    response = learner.post("/learning/modules/op-credit-assessment/check", data=answers)
    assert response.status_code == 400
    assert "q99" in response.get_data(as_text=True) or "no option" in response.get_data(as_text=True)
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize("key", ["rs-t-4", "draft", "nothing"])
def test_marking_done_a_resource_not_in_the_path_is_refused(app: Flask, ids: dict[str, int], learner: FlaskClient,
                                                            key: str) -> None:
    learner.post("/learning/paths/operators/enrol")
    before = counts(app)
    record_id = ids.get(key, 999_999)
    response = learner.post(f"/learning/paths/operators/resources/{record_id}/done")
    assert response.status_code == 400
    assert "is not a resource of the path" in response.get_data(as_text=True) and "nothing was changed" in \
        response.get_data(as_text=True)
    assert counts(app) == before


def test_the_certificate_comes_when_every_module_is_done(app: Flask, ids: dict[str, int]) -> None:
    learner = signed_in(app, "rosa@example.org", "learner", organisation="enm")
    assert learner.get("/learning/paths/operators/certificate").status_code == 409
    for key in ("rs-t-1", "rs-t-2", "rs-t-3"):
        learner.post(f"/learning/paths/operators/resources/{ids[key]}/done")
    with app.app_context():
        slugs = [m.slug for m in get_session().scalars(select(Module).join(Module.path).where(
            Module.path.has(slug="operators")).order_by(Module.position))]
    for slug in slugs:
        learner.post(f"/learning/modules/{slug}/check", data=right_answers(app, slug))
    page = text_of(learner.get("/learning/paths/operators/certificate?ui=es").get_data(as_text=True))
    assert "Certificado de finalización" in page
    assert "Itinerario e-learning para operadores" in page
    assert "Evaluación crediticia de microemprendedores" in page and "Reconocer los sesgos" in page
    assert "Ente Nazionale per il Microcredito" in page
    assert re.search(r"\b20\d\d\b", page)


def test_progress_of_one_learner_is_not_shown_to_another(app: Flask, ids: dict[str, int],
                                                         learner: FlaskClient) -> None:
    learner.post(f"/learning/paths/operators/resources/{ids['rs-t-1']}/done")
    other = signed_in(app, "otto@example.org", "learner")
    page = text_of(other.get("/browse/paths/operators").get_data(as_text=True))
    assert "Follow this path" in page and "1 of 3 done" not in page
    assert other.get("/api/v1/me/progress").get_json()["paths"] == []


def test_every_module_of_both_paths_has_a_self_check_on_its_own_resources(corpus_app: Flask) -> None:
    with corpus_app.app_context():
        session = get_session()
        modules = session.scalars(select(Module)).all()
        assert len(modules) == 13
        for module in modules:
            assert len(module.self_check) >= 3, module.slug
            resources = {r.external_id: r.lang for r in session.scalars(select(Record).where(
                Record.module_id == module.id))}
            for question in module.self_check:
                # Each question is about one resource of the module, written in that resource's language.
                assert resources.get(question["resource"]) == question["lang"], (module.slug, question["id"])
                assert 0 <= question["answer"] < len(question["options"])
