"""Pages of the auth area: sign in and out, password reset, the account page, and account and organisation admin."""
from __future__ import annotations

import functools
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from ..access import (
    current_session_key,
    current_user,
    landing_endpoint,
    login_required,
    role_required,
    sign_in,
    sign_out,
)
from ..accounts import (
    AccountError,
    create_user,
    find_user,
    hash_password,
    verify_password,
)
from ..api_tokens import count_tokens, revoke_all
from ..catalogue import slugify
from ..confirmation import ConfirmForm
from ..countries import COUNTRY_CODES
from ..db import get_session
from ..i18n import country_name
from ..login_throttle import (
    Throttle,
    attempt_key,
    clear_failures,
    is_blocked,
    record_failure,
    retry_after_seconds,
)
from ..models import Organisation, Record, User
from ..sessions import end_sessions, other_sessions
from . import bp
from .forms import (
    AccountEditForm,
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    OrganisationForm,
    ResetPasswordForm,
)
from .password_reset import make_token, send_reset_link, user_for_token

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Checking a password against this when the e-mail is unknown makes both answers take as long.
    return hash_password(secrets.token_urlsafe(16))


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in; anything pointing off-site is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target.rstrip("?") or "/"


def _throttle() -> Throttle:
    return Throttle(limit=int(current_app.config["KB_LOGIN_ATTEMPTS_PER_15MIN"]))


def _expired_message(form: Any) -> str | None:
    """What to say when a form came back without a valid CSRF token (usually a page left open too long)."""
    if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
        return _("The form had expired. Please try again.")
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        signed_in = current_user()
        if signed_in is not None and not form.next.data:
            return redirect(url_for(landing_endpoint(signed_in)))
    status = 200
    headers: dict[str, str] = {}
    error = None
    if form.validate_on_submit():
        db = get_session()
        email = form.email.data.strip()
        key = attempt_key(email, request.remote_addr)
        throttle = _throttle()
        if is_blocked(db, key, throttle):
            wait = retry_after_seconds(db, key, throttle)
            error = _("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=max(1, -(-wait // 60)))
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            user = find_user(db, email)
            if user is None:
                check_password_hash(_decoy_hash(), form.password.data)
                right = False
            else:
                right = verify_password(user, form.password.data)
            if right and user is not None and user.active:
                clear_failures(db, key)
                sign_in(user)
                log.info("account %s signed in", user.id)
                return redirect(safe_next(form.next.data) or url_for(landing_endpoint(user)))
            if right and user is not None:
                error = _("This account has been deactivated. Ask an administrator of the knowledge base.")
            else:
                record_failure(db, key, throttle)
                log.info("failed sign-in for %s from %s", email, request.remote_addr)
                error = _("The e-mail address or the password is not right.")
    else:
        error = _expired_message(form)
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=error), status, headers


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description=_("The form had expired. Please try again."))
        sign_out()
        flash(_("You have signed out."), "info")
        return redirect(url_for("search.home"))
    if current_user() is None:
        return redirect(url_for("search.home"))
    return render_template("auth/logout.html", form=form)


def _reset_url(user: User) -> str:
    return url_for("auth.reset_password", token=make_token(user), _external=True)


def _send_reset(user: User) -> bool:
    return send_reset_link(
        user, _reset_url(user), subject=_("Choose a password for the M.I.C.R.O. knowledge base"),
        text=_("Open this link within two hours to choose a new password. "
               "If you did not ask for it, ignore this message."),
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        db = get_session()
        # Reset requests are throttled like sign-ins, so nobody can flood a mailbox or the log.
        key = attempt_key("reset:" + form.email.data, request.remote_addr)
        throttle = _throttle()
        if is_blocked(db, key, throttle):
            wait = retry_after_seconds(db, key, throttle)
            minutes = max(1, -(-wait // 60))
            form.email.errors = [_("Too many requests. Try again in %(minutes)s minutes.", minutes=minutes)]
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            record_failure(db, key, throttle)
            user = find_user(db, form.email.data)
            if user is not None and user.active:
                _send_reset(user)
            # The same answer whether or not the account exists: the page must not reveal who has one.
            return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form, error=_expired_message(form)), status, headers


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    db = get_session()
    user = user_for_token(db, token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        revoked = _set_password(user, form.password.data, keep_session=None, revoke_tokens=form.revoke_tokens.data)
        sign_out()
        log.info("account %s chose a new password through a reset link (%d API tokens revoked)", user.id, revoked)
        flash(_("Your new password is set. Sign in with it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user, error=_expired_message(form),
                           token_count=count_tokens(db, user))


def _set_password(user: User, password: str | None, keep_session: str | None, revoke_tokens: bool) -> int:
    """Store a new password (None: no password works until a reset link is used) and end every session of the
    account but `keep_session`; old reset links die with the stamp. Returns how many API tokens were revoked."""
    db = get_session()
    # No password given: the hash of a secret nobody is told, so no password opens the account until the link.
    user.password_hash = hash_password(password if password is not None else secrets.token_urlsafe(32))
    user.security_stamp = (user.security_stamp or 0) + 1
    end_sessions(db, user, keep=keep_session)
    revoked = revoke_all(db, user) if revoke_tokens else 0
    db.commit()
    return revoked


@bp.get("/account")
@login_required
def account() -> str:
    user = current_user()
    assert user is not None
    db = get_session()
    counts: dict[str, int] = {}
    if user.role == "partner" and user.organisation_id is not None:
        rows = db.execute(select(Record.status, func.count()).where(Record.organisation_id == user.organisation_id)
                          .group_by(Record.status))
        counts = {status: n for status, n in rows}
    queue = None
    if user.role in ("editor", "admin"):
        queue = db.scalar(select(func.count()).select_from(Record).where(Record.status == "submitted"))
    return render_template("auth/account.html", user=user, counts=counts, queue=queue, confirm=ConfirmForm(),
                           other_sessions=other_sessions(db, user, current_session_key()))


@bp.post("/account/sessions/end")
@login_required
def end_other_sessions() -> Response:
    """Sign out every other browser of this account (a forgotten shared computer, a lost phone)."""
    _confirmed()
    user = current_user()
    db = get_session()
    ended = end_sessions(db, user, keep=current_session_key())
    db.commit()
    flash(_("Signed out of %(n)s other browsers.", n=ended), "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    user = current_user()
    assert user is not None
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(user, form.current.data):
            form.current.errors = [_("This is not your current password.")]
        else:
            # The account's other browsers are signed out; this one goes on.
            revoked = _set_password(user, form.password.data, keep_session=current_session_key(),
                                    revoke_tokens=form.revoke_tokens.data)
            if revoked:
                flash(_("Your password has been changed and your %(n)s API tokens revoked.", n=revoked), "info")
            else:
                flash(_("Your password has been changed."), "info")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form, error=_expired_message(form),
                           token_count=count_tokens(get_session(), user))


# -- administrators ----------------------------------------------------------------------------------

def _organisation_choices() -> list[tuple[str, str]]:
    orgs = get_session().scalars(select(Organisation).order_by(func.lower(Organisation.name)))
    return [(o.slug, o.name) for o in orgs]


def _country_choices() -> list[tuple[str, str]]:
    return sorted(((code, country_name(code)) for code in COUNTRY_CODES), key=lambda pair: pair[1].casefold())


@bp.route("/admin/accounts", methods=["GET", "POST"])
@role_required("admin")
def accounts() -> Any:
    db = get_session()
    form = AccountForm(organisations=_organisation_choices())
    if form.validate_on_submit():
        if find_user(db, form.email.data) is not None:
            form.email.errors = [_("An account with this e-mail address exists already.")]
        else:
            password = form.password.data or secrets.token_urlsafe(24)
            try:
                user = create_user(db, email=form.email.data, password=password, role=form.role.data,
                                   name=form.name.data or "", organisation=form.organisation.data or None)
            except AccountError as exc:
                form.email.errors = [str(exc)]
            else:
                log.info("administrator %s created account %s (%s)", current_user().id, user.id, user.role)
                if not form.password.data:
                    _send_reset(user)
                    flash(_("Account created. A link to choose a password was sent to %(email)s.", email=user.email),
                          "info")
                else:
                    flash(_("Account created."), "info")
                return redirect(url_for("auth.accounts"))
    users = list(db.scalars(select(User).order_by(User.active.desc(), func.lower(User.email))))
    return render_template("auth/accounts.html", form=form, users=users, error=_expired_message(form))


def _get_user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404, description=_("There is no such account."))
    return user


class _AccountData:
    """An account as the edit form's initial values (the organisation by slug)."""

    def __init__(self, user: User):
        self.name = user.name
        self.role = user.role
        self.organisation = user.organisation.slug if user.organisation else ""


@bp.route("/admin/accounts/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_account(user_id: int) -> Any:
    db = get_session()
    user = _get_user(user_id)
    me = current_user()
    form = AccountEditForm(obj=_AccountData(user), organisations=_organisation_choices())
    if form.validate_on_submit():
        if user.id == me.id and form.role.data != "admin":
            form.role.errors = [_("You cannot take away your own administrator role.")]
        else:
            org = db.scalar(select(Organisation).where(Organisation.slug == form.organisation.data)) \
                if form.organisation.data else None
            user.name = (form.name.data or "").strip()
            user.role = form.role.data
            user.organisation = org
            db.commit()
            log.info("administrator %s changed account %s (role %s)", me.id, user.id, user.role)
            flash(_("The account has been updated."), "info")
            return redirect(url_for("auth.edit_account", user_id=user.id))
    return render_template("auth/account_edit.html", form=form, user=user, confirm=ConfirmForm(),
                           error=_expired_message(form))


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, description=_("The form had expired. Please try again."))


@bp.post("/admin/accounts/<int:user_id>/deactivate")
@role_required("admin")
def deactivate_account(user_id: int) -> Response:
    _confirmed()
    user = _get_user(user_id)
    if user.id == current_user().id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        user.active = False
        user.security_stamp = (user.security_stamp or 0) + 1  # old reset links die
        end_sessions(get_session(), user)  # the person is signed out everywhere at once
        get_session().commit()
        log.info("administrator %s deactivated account %s", current_user().id, user.id)
        flash(_("The account has been deactivated."), "info")
    return redirect(url_for("auth.edit_account", user_id=user.id))


@bp.post("/admin/accounts/<int:user_id>/activate")
@role_required("admin")
def activate_account(user_id: int) -> Response:
    _confirmed()
    user = _get_user(user_id)
    user.active = True
    get_session().commit()
    log.info("administrator %s reactivated account %s", current_user().id, user.id)
    flash(_("The account is active again."), "info")
    return redirect(url_for("auth.edit_account", user_id=user.id))


@bp.post("/admin/accounts/<int:user_id>/reset")
@role_required("admin")
def send_account_reset(user_id: int) -> Response:
    _confirmed()
    user = _get_user(user_id)
    if not user.active:
        flash(_("Activate the account first."), "error")
        return redirect(url_for("auth.edit_account", user_id=user.id))
    # A reset is what an administrator does when an account may be in the wrong hands: the password, every
    # session and every API token stop working now, and only the link sent to the person opens it again.
    revoked = _set_password(user, None, keep_session=None, revoke_tokens=True)
    log.info("administrator %s reset the password of account %s (%d API tokens revoked)", current_user().id,
             user.id, revoked)
    if _send_reset(user):
        flash(_("The password was reset and a link to choose a new one was sent to %(email)s.", email=user.email),
              "info")
    else:
        flash(_("The password was reset, but the mail could not be sent; see the server log."), "error")
    return redirect(url_for("auth.edit_account", user_id=user.id))


def _unique_slug(wanted: str, own_id: int | None = None) -> str:
    db = get_session()
    base, slug, n = wanted, wanted, 1
    while True:
        found = db.scalar(select(Organisation.id).where(Organisation.slug == slug))
        if found is None or found == own_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _apply_organisation(form: OrganisationForm, org: Organisation) -> None:
    org.name = form.name.data.strip()
    org.short_name = (form.short_name.data or "").strip() or None
    org.country = form.country.data or None
    org.city = (form.city.data or "").strip() or None
    org.is_partner = bool(form.is_partner.data)
    org.description = (form.description.data or "").strip() or None


@bp.route("/admin/organisations", methods=["GET", "POST"])
@role_required("admin")
def organisations() -> Any:
    db = get_session()
    form = OrganisationForm(countries=_country_choices())
    if form.validate_on_submit():
        wanted = form.slug.data or slugify(form.name.data)
        if form.slug.data and db.scalar(select(Organisation.id).where(Organisation.slug == wanted)) is not None:
            form.slug.errors = [_("Another organisation has this identifier.")]
        else:
            org = Organisation(slug=_unique_slug(wanted))
            _apply_organisation(form, org)
            db.add(org)
            db.commit()
            flash(_("Organisation added."), "info")
            return redirect(url_for("auth.organisations"))
    rows = db.execute(select(Organisation, func.count(User.id)).outerjoin(User, User.organisation_id == Organisation.id)
                      .group_by(Organisation.id).order_by(func.lower(Organisation.name)))
    return render_template("auth/organisations.html", form=form, rows=list(rows),
                           error=_expired_message(form))


@bp.route("/admin/organisations/<int:org_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_organisation(org_id: int) -> Any:
    db = get_session()
    org = db.get(Organisation, org_id)
    if org is None:
        abort(404, description=_("There is no such organisation."))
    form = OrganisationForm(obj=org, countries=_country_choices())
    if form.validate_on_submit():
        wanted = form.slug.data or org.slug
        if _unique_slug(wanted, own_id=org.id) != wanted:
            form.slug.errors = [_("Another organisation has this identifier.")]
        else:
            org.slug = wanted
            _apply_organisation(form, org)
            db.commit()
            flash(_("The organisation has been updated."), "info")
            return redirect(url_for("auth.organisations"))
    members = list(db.scalars(select(User).where(User.organisation_id == org.id).order_by(User.email)))
    return render_template("auth/organisation_edit.html", form=form, org=org, members=members,
                           error=_expired_message(form))
