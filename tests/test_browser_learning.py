"""A cohort in a real browser: the trainer invites, a learner signs up in Spanish, completes a module, signs out and in,
continues where they stopped; the trainer's table shows it; the certificate renders once the path is done."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from browser import screenshot
from conftest import PASSWORD
from kb_app.accounts import create_user
from kb_app.db import get_session
from kb_app.models import CurriculumPath, Module
from test_browser_lists import signed_in_cookie
from test_html_learning import load_resources

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def course_server(app: Flask) -> Iterator[tuple[str, dict[str, int]]]:
    """A knowledge base of its own with three operators' resources and a trainer, served with CSRF protection on."""
    ids = load_resources(app, draft=False)
    with app.app_context():
        ids["trainer"] = create_user(get_session(), email="tina@example.org", password=PASSWORD, role="trainer",
                                     name="Tina Trainer", organisation="enm").id
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="course-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def answer_right(page: object, app: Flask, slug: str) -> None:
    with app.app_context():
        questions = get_session().scalar(select(Module).where(Module.slug == slug)).self_check
    for question in questions:
        page.locator(f"#q-{question['id']}-{question['answer']}").check()
    page.get_by_role("button", name="Comprobar mis respuestas").click()


def test_a_cohort_follows_a_path_from_invitation_to_certificate(browser: object, app: Flask,  # noqa: F811
                                                                course_server: tuple[str, dict[str, int]]) -> None:
    from playwright.sync_api import expect

    base_url, ids = course_server
    trainer_context = browser.new_context(base_url=base_url, locale="en-GB", viewport={"width": 1280, "height": 900})
    learner_context = browser.new_context(base_url=base_url, locale="es-ES", viewport={"width": 1280, "height": 900})
    for context in (trainer_context, learner_context):
        context.set_default_timeout(20_000)
    trainer_context.add_cookies([signed_in_cookie(app, base_url, ids["trainer"], 0)])
    try:
        # The trainer creates the cohort and an invitation link.
        trainer = trainer_context.new_page()
        trainer.goto("/cohorts")
        trainer.get_by_label("Name of the cohort").fill("Corso di formazione Roma, 20 operatori")
        trainer.get_by_label("Learning path").select_option("operators")
        trainer.get_by_label("Organisation", exact=True).select_option("enm")
        trainer.get_by_role("button", name="Create cohort").click()
        expect(trainer.get_by_role("heading", level=1)).to_have_text("Corso di formazione Roma, 20 operatori")
        cohort_url = trainer.url
        trainer.get_by_role("button", name="Create an invitation link").click()
        link = trainer.get_by_label("Invitation link").input_value()
        assert re.search(r"/join/[\w-]{20,}$", link)

        # The learner signs up through it, in the Spanish interface.
        learner = learner_context.new_page()
        learner.goto(link)
        expect(learner.get_by_role("heading", level=1)).to_have_text("Unirse a un itinerario")
        learner.locator("#name").fill("Lucía Fernández")
        learner.locator("#email").fill("lucia@example.org")
        learner.locator("#password").fill(PASSWORD)
        learner.locator("#confirm").fill(PASSWORD)
        learner.get_by_role("button", name="Crear mi cuenta").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("Itinerario e-learning para operadores")
        expect(learner.get_by_text("¡Bienvenido!")).to_be_visible()

        # Module 1: both resources, through "continue" and "next", then the self-check.
        learner.locator(".continue a.button").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("Bilancio familiare")
        learner.get_by_role("button", name="Marcar como completado").click()
        expect(learner.get_by_text("Marcado como completado: Bilancio familiare")).to_be_visible()
        learner.get_by_role("link", name=re.compile("^Siguiente:")).click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("Solvencia sin historial")
        learner.get_by_role("button", name="Marcar como completado").click()
        expect(learner.locator(".path-place .progress-text")).to_have_text("2 de 3 completados")
        learner.get_by_role("link", name="Autoevaluación: Evaluación crediticia de microemprendedores").click()
        answer_right(learner, app, "op-credit-assessment")
        expect(learner.get_by_text("Tu puntuación: 3 de 3.")).to_be_visible()
        expect(learner.get_by_text("Este módulo está completado.")).to_be_visible()
        screenshot(learner, "learning-self-check-es")

        # Signed out and in again, the home page continues where they stopped: module 2's resource.
        learner.get_by_role("button", name="Cerrar sesión").click()
        learner.goto("/login")
        learner.locator("#email").fill("lucia@example.org")
        learner.locator("#password").fill(PASSWORD)
        learner.get_by_role("button", name="Iniciar sesión").click()
        learner.goto("/")
        continue_box = learner.locator(".continue")
        expect(continue_box.get_by_role("heading")).to_have_text("Continúa donde lo dejaste")
        continue_box.get_by_role("link", name="Stress-testing the numbers").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("Stress-testing the numbers")

        # The trainer's table shows module 1 done with its score.
        trainer.goto(cohort_url)
        row = trainer.locator("table.cohort-progress tbody tr", has_text="Lucía Fernández")
        expect(row.locator("td").first).to_contain_text("Done")
        expect(row.locator("td").first).to_contain_text("self-check 3/3")
        expect(row.locator("td").nth(1)).to_contain_text("Not started")
        screenshot(trainer, "learning-cohort-table")

        # The rest of the path, then the certificate in Spanish.
        learner.get_by_role("button", name="Marcar como completado").click()
        with app.app_context():
            path = get_session().scalar(select(CurriculumPath).where(CurriculumPath.slug == "operators"))
            slugs = [m.slug for m in path.modules][1:]
        for slug in slugs:
            learner.goto(f"/learning/modules/{slug}/check")
            answer_right(learner, app, slug)
            expect(learner.get_by_text("Superada.")).to_be_visible()
        learner.goto("/learning/paths/operators/certificate")
        certificate = learner.locator("article.certificate")
        expect(certificate.get_by_role("heading", level=1)).to_have_text("Certificado de finalización")
        expect(certificate).to_contain_text("Lucía Fernández")
        expect(certificate).to_contain_text("Itinerario e-learning para operadores")
        expect(certificate).to_contain_text("Reconocer los sesgos")
        expect(certificate).to_contain_text("Ente Nazionale per il Microcredito")
        expect(certificate.locator(".certificate-date")).to_contain_text("Completado el")
        screenshot(learner, "learning-certificate-es")
    finally:
        trainer_context.close()
        learner_context.close()
