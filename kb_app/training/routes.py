"""Pages of the training area: a trainer's cohorts, their progress table and CSV, invitations, and signing up."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts import AccountError
from ..access import current_user, role_required, sign_in
from ..cohorts import (
    CohortError,
    InvitationInvalid,
    cohort_csv,
    cohort_for,
    cohort_table,
    cohorts_of,
    create_cohort,
    create_invitation,
    open_invitation,
    sign_up,
)
from ..db import get_session
from ..i18n import resolve_ui_lang
from ..models import Cohort, CurriculumPath, Organisation
from . import bp
from .forms import CohortForm, InvitationForm, JoinForm

TRAINERS = ("trainer",)  # administrators pass every role check too


def state_label(state: str) -> str:
    return {"done": _("Done"), "in_progress": _("In progress"), "not_started": _("Not started")}[state]


def _cohort_form(formdata: Any = None) -> CohortForm:
    session = get_session()
    lang = resolve_ui_lang()
    paths = [(p.slug, p.title(lang)) for p in session.scalars(select(CurriculumPath).order_by(CurriculumPath.id))]
    organisations = [(o.slug, o.name) for o in session.scalars(select(Organisation).order_by(Organisation.name))]
    form = CohortForm(paths=paths, organisations=organisations) if formdata is None else CohortForm(
        formdata=formdata, paths=paths, organisations=organisations)
    user = current_user()
    if not form.is_submitted() and user is not None and user.organisation is not None:
        form.organisation.data = user.organisation.slug
    return form


def _own_cohort(cohort_id: int) -> Cohort:
    try:
        return cohort_for(get_session(), current_user(), cohort_id)
    except CohortError:
        abort(404, description=_("You have no cohort %(id)s.", id=cohort_id))


@bp.get("/cohorts")
@role_required(*TRAINERS)
def index() -> str:
    return render_template("training/index.html", cohorts=cohorts_of(get_session(), current_user()),
                           form=_cohort_form())


@bp.post("/cohorts")
@role_required(*TRAINERS)
def create() -> Any:
    session = get_session()
    form = _cohort_form()
    if form.validate_on_submit():
        path = session.scalar(select(CurriculumPath).where(CurriculumPath.slug == form.path.data))
        organisation = session.scalar(select(Organisation).where(Organisation.slug == form.organisation.data))
        try:
            cohort = create_cohort(session, current_user(), form.name.data or "", path, organisation)
        except CohortError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(_("The cohort “%(name)s” was created. Invite its learners below.", name=cohort.name), "success")
            return redirect(url_for("training.show", cohort_id=cohort.id))
    return render_template("training/index.html", cohorts=cohorts_of(session, current_user()), form=form), 400


def _show(cohort: Cohort, status: int = 200, invitation_url: str | None = None,
          form: InvitationForm | None = None) -> Response:
    if form is None:
        form = InvitationForm(formdata=None, days=current_app.config["KB_INVITATION_DAYS"])
    response = make_response(render_template(
        "training/show.html", cohort=cohort, table=cohort_table(get_session(), cohort), form=form,
        invitation_url=invitation_url, state_label=state_label), status)
    if invitation_url:
        response.headers["Cache-Control"] = "no-store"  # the page carries a sign-up link, once
    return response


@bp.get("/cohorts/<int:cohort_id>")
@role_required(*TRAINERS)
def show(cohort_id: int) -> Response:
    return _show(_own_cohort(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/invitations")
@role_required(*TRAINERS)
def invite(cohort_id: int) -> Response:
    cohort = _own_cohort(cohort_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        return _show(cohort, 400, form=form)
    _invitation, token = create_invitation(get_session(), cohort, current_user(), float(form.days.data))
    # Shown here rather than after a redirect, so the link never travels in the session cookie.
    return _show(cohort, 201, invitation_url=url_for("training.join", token=token, _external=True))


@bp.get("/cohorts/<int:cohort_id>/progress.csv")
@role_required(*TRAINERS)
def progress_csv(cohort_id: int) -> Response:
    cohort = _own_cohort(cohort_id)
    body = cohort_csv(cohort_table(get_session(), cohort), resolve_ui_lang(), state_label)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="cohort-{cohort.id}-progress.csv"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _invalid(exc: InvitationInvalid) -> tuple[str, int]:
    messages = {"unknown": _("This invitation link is not valid. Check that you copied all of it."),
                "expired": _("This invitation link has expired. Ask your trainer for a new one."),
                "used": _("This invitation link has been used already. Each link signs up one person: ask your "
                          "trainer for your own, or sign in if the account is yours.")}
    return render_template("training/join_invalid.html", message=messages[exc.reason]), 404 if exc.reason == "unknown" else 410


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> Any:
    session = get_session()
    try:
        invitation = open_invitation(session, token)
    except InvitationInvalid as exc:
        return _invalid(exc)
    form = JoinForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = sign_up(session, token, name=form.name.data or "", email=form.email.data or "",
                           password=form.password.data or "", ui_lang=resolve_ui_lang())
        except InvitationInvalid as exc:
            return _invalid(exc)
        except AccountError:
            session.rollback()
            form.email.errors = [*form.email.errors,
                                 _("An account with this e-mail address exists already: sign in instead.")]
            status = 400
        else:
            sign_in(user)
            flash(_("Welcome! You are enrolled in “%(path)s”.", path=invitation.cohort.path.title(resolve_ui_lang())),
                  "success")
            return redirect(url_for("search.browse_path", slug=invitation.cohort.path.slug))
    elif form.is_submitted():
        status = 400
    form.password.data = form.confirm.data = ""
    return render_template("training/join.html", form=form, cohort=invitation.cohort), status
