"""Saving a search for e-mail digests from the results page, and the page listing one's saved searches."""
from __future__ import annotations

from urllib.parse import parse_qs

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, SelectField

from ..access import current_user, login_required
from ..db import get_session
from ..digests import FREQUENCIES, MAX_SAVED_PER_USER, save_search, saved_searches_of, search_params
from ..api_errors import ApiError
from ..following import describe
from ..i18n import resolve_ui_lang
from ..models import SavedSearch
from ..vocabulary import frequency_label
from . import bp


class SaveSearchForm(FlaskForm):
    search = HiddenField()
    frequency = SelectField(choices=[], validate_choice=False)


@bp.post("/alerts")
@login_required
def create() -> BaseResponse:
    form = SaveSearchForm()
    if not form.validate_on_submit():
        raise ApiError(400, "bad_request", _("The form could not be accepted (it may have expired). Reload the page and try again."))
    user = current_user()
    session = get_session()
    if len(saved_searches_of(session, user)) >= MAX_SAVED_PER_USER:
        raise ApiError(400, "too_many", _("You have saved %(n)d searches, the most there may be. Delete one first.", n=MAX_SAVED_PER_USER))
    raw = MultiDict([(k, v) for k, values in parse_qs(form.search.data or "", keep_blank_values=False).items()
                     for v in values if k not in ("page", "per_page", "ui")])
    if form.frequency.data not in FREQUENCIES:
        raise ApiError(400, "invalid_parameter", _("Choose how often to receive the e-mail."))
    ui_lang = resolve_ui_lang()
    user.ui_lang = ui_lang
    save_search(session, user, raw, form.frequency.data, ui_lang)
    session.commit()
    flash(_("Search saved: new records that match it will be e-mailed to you."), "success")
    return redirect(url_for("alerts.index"), code=303)


@bp.get("/alerts")
@login_required
def index() -> str:
    session = get_session()
    ui_lang = resolve_ui_lang()
    rows = [{"id": s.id, "frequency": frequency_label(s.frequency),
             "described": describe(session, search_params(s.args, ui_lang), ui_lang) or _("every new record"),
             "url": url_for("search.results", **s.args), "last_sent_at": s.last_sent_at}
            for s in saved_searches_of(session, current_user())]
    return render_template("alerts/index.html", saved=rows)


@bp.post("/alerts/<int:saved_id>/delete")
@login_required
def delete(saved_id: int) -> BaseResponse:
    if not FlaskForm().validate_on_submit():
        raise ApiError(400, "bad_request", _("The form could not be accepted (it may have expired). Reload the page and try again."))
    session = get_session()
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != current_user().id:
        raise ApiError(404, "not_found", _("You have no saved search %(id)d.", id=saved_id))
    session.delete(saved)
    session.commit()
    flash(_("The saved search is deleted; no more e-mail will come from it."), "success")
    return redirect(url_for("alerts.index"), code=303)
