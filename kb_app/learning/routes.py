"""Pages of a person following the learning paths: their progress, enrolling, "done" marks, self-checks, certificate."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import current_user, login_required
from ..confirmation import ConfirmForm
from ..db import get_session
from ..i18n import resolve_ui_lang
from ..models import CurriculumPath, Module
from ..progress import (
    ProgressError,
    enrol,
    find_module,
    find_path,
    learner_paths,
    mark_done,
    path_progress,
    undo_done,
)
from ..self_checks import FIELD_PREFIX, SelfCheckError, UnansweredQuestions, questions, record_attempt, score_answers
from . import bp


def _path_or_404(slug: str) -> CurriculumPath:
    path = find_path(get_session(), slug)
    if path is None:
        abort(404, description=_("There is no learning path called “%(slug)s”.", slug=slug))
    return path


def _module_or_404(slug: str) -> Module:
    module = find_module(get_session(), slug)
    if module is None:
        abort(404, description=_("There is no module called “%(slug)s”.", slug=slug))
    return module


def _back(default: str) -> str:
    target = request.form.get("next", "")
    # Only a path on this site: never an address elsewhere.
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else default


@bp.get("/learning")
@login_required
def mine() -> str:
    session = get_session()
    return render_template("learning/mine.html", paths=learner_paths(session, current_user()),
                           all_paths=session.query(CurriculumPath).order_by(CurriculumPath.id).all())


@bp.post("/learning/paths/<slug>/enrol")
@login_required
def enrol_in(slug: str) -> Response:
    path = _path_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400, description=_("The form has expired: reload the page and try again."))
    session = get_session()
    enrol(session, current_user(), path)
    session.commit()
    flash(_("You are enrolled in “%(path)s”. Your progress is kept as you go.", path=path.title(resolve_ui_lang())),
          "success")
    return redirect(url_for("search.browse_path", slug=path.slug))


def _change_done(slug: str, record_id: int, done: bool) -> Response:
    path = _path_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400, description=_("The form has expired: reload the page and try again."))
    session = get_session()
    try:
        record = (mark_done if done else undo_done)(session, current_user(), path, record_id)
    except ProgressError:
        session.rollback()
        abort(400, description=_("Record %(id)s is not a resource of the path “%(path)s”: nothing was changed.",
                                 id=record_id, path=path.title(resolve_ui_lang())))
    session.commit()
    if done:
        flash(_("Marked as done: %(title)s", title=record.title), "success")
    else:
        flash(_("No longer marked as done: %(title)s", title=record.title), "success")
    return redirect(_back(url_for("records.show", record_id=record.id)))


@bp.post("/learning/paths/<slug>/resources/<int:record_id>/done")
@login_required
def mark_resource_done(slug: str, record_id: int) -> Response:
    return _change_done(slug, record_id, True)


@bp.post("/learning/paths/<slug>/resources/<int:record_id>/undo")
@login_required
def undo_resource_done(slug: str, record_id: int) -> Response:
    return _change_done(slug, record_id, False)


def _check_page(module: Module, status: int = 200, **extra: Any) -> tuple[str, int]:
    session = get_session()
    progress = path_progress(session, current_user(), module.path)
    return render_template("learning/self_check.html", module=module, path=module.path,
                           item=progress.module(module.slug), progress=progress,
                           questions=questions(module, resolve_ui_lang()), form=ConfirmForm(), **extra), status


def _module_with_check_or_404(slug: str) -> Module:
    module = _module_or_404(slug)
    if not module.self_check:
        abort(404, description=_("The module “%(slug)s” has no self-check.", slug=slug))
    return module


@bp.get("/learning/modules/<slug>/check")
@login_required
def self_check(slug: str) -> tuple[str, int]:
    module = _module_with_check_or_404(slug)
    return _check_page(module)


@bp.post("/learning/modules/<slug>/check")
@login_required
def answer_self_check(slug: str) -> tuple[str, int]:
    module = _module_with_check_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400, description=_("The form has expired: reload the page and try again."))
    given = {name: value for name, value in request.form.items() if name.startswith(FIELD_PREFIX)}
    try:
        result = score_answers(module, given)
    except UnansweredQuestions:
        return _check_page(module, 400, error=_("Please answer every question."), chosen=given)
    except SelfCheckError as exc:  # a question not in the module, an option it does not have: nothing is saved
        abort(400, description=_("These answers cannot be scored (%(reason)s): nothing was saved.", reason=str(exc)))
    session = get_session()
    record_attempt(session, current_user(), module, result)
    enrol(session, current_user(), module.path)
    session.commit()
    return _check_page(module, result=result)


@bp.get("/learning/paths/<slug>/certificate")
@login_required
def certificate(slug: str) -> tuple[str, int]:
    path = _path_or_404(slug)
    user = current_user()
    progress = path_progress(get_session(), user, path)
    if not progress.is_done:
        return render_template("learning/not_yet.html", path=path, progress=progress), 409
    return render_template("learning/certificate.html", path=path, progress=progress, learner=user), 200
