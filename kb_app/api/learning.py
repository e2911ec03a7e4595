"""The JSON API of learning progress: the token owner's own progress, and a cohort's table for its trainer."""
from __future__ import annotations

from flask import Response, jsonify, request

from ..access import current_user
from ..cohorts import CohortError, cohort_data, cohort_for, cohort_table
from ..db import get_session
from ..api_errors import ApiError
from ..i18n import resolve_ui_lang
from ..openapi import operation
from ..progress import learner_paths, progress_data
from . import bp
from .params import read_query
from .schemas import ref


def _signed_in():  # noqa: ANN202 - a User
    user = current_user()
    if user is None:
        raise ApiError(401, "unauthorized", "sign in or send an API token")
    return user


@bp.get("/me/progress")
@operation("Your progress in the learning paths", tag="learning", response=ref("MyProgress"), errors=(401,),
           auth="required",
           description="Every path you follow, most recent first, with each module's state and self-check score. "
                       "Only the token owner's own progress.")
def my_progress() -> Response:
    read_query(request.args, ())
    user = _signed_in()
    lang = user.ui_lang or resolve_ui_lang()
    return jsonify({"user": {"name": user.name, "email": user.email, "role": user.role},
                    "paths": [progress_data(p, lang) for p in learner_paths(get_session(), user)]})


@bp.get("/cohorts/<int:cohort_id>/progress")
@operation("A cohort's progress table", tag="learning", response=ref("CohortProgress"), errors=(401, 404),
           auth="required",
           description="Every learner of the cohort with their progress in its path. Only for the cohort's trainer "
                       "(and administrators); any other cohort id is a 404.")
def cohort_progress(cohort_id: int) -> Response:
    read_query(request.args, ())
    user = _signed_in()
    session = get_session()
    try:
        cohort = cohort_for(session, user, cohort_id)
    except CohortError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return jsonify(cohort_data(cohort_table(session, cohort), resolve_ui_lang()))
