"""The account page section where a signed-in user creates and revokes API tokens."""
from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_user, login_required
from ..api_tokens import TokenError, create_token, list_tokens, revoke_token
from ..db import get_session
from ..rate_limit import TOKEN_MULTIPLIER
from . import account_bp
from .forms import NewTokenForm, RevokeTokenForm


def _page(form: NewTokenForm, new_secret: str | None = None, status: int = 200) -> Response:
    user = current_user()
    response = make_response(render_template(
        "api/tokens.html", tokens=list_tokens(get_session(), user), form=form, revoke_form=RevokeTokenForm(),
        new_secret=new_secret, multiplier=TOKEN_MULTIPLIER,
    ), status)
    # The page may carry a token in clear, once: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@account_bp.get("/account/tokens")
@login_required
def manage() -> Response:
    return _page(NewTokenForm())


@account_bp.post("/account/tokens")
@login_required
def create() -> Response:
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        _token, secret = create_token(get_session(), current_user(), form.name.data or "")
    except TokenError as exc:
        form.name.errors = [*form.name.errors, str(exc)]
        return _page(form, status=400)
    # Rendered here rather than after a redirect, so the secret never travels in the session cookie.
    return _page(NewTokenForm(formdata=None), new_secret=secret, status=201)


@account_bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    form = RevokeTokenForm()
    if form.validate_on_submit() and revoke_token(get_session(), current_user(), token_id):
        flash(_("The token was revoked: programs using it can no longer sign in with it."), "success")
    else:
        flash(_("That token could not be revoked: it may have been revoked already."), "error")
    return redirect(url_for("api_tokens.manage"))
