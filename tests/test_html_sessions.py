"""Sign-in sessions live on the server: signing out ends a copied cookie too; cookies are HttpOnly and SameSite=Lax;
a new password or an administrator's reset ends sessions and (as offered, or always for a reset) API tokens."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb_app.accounts import create_user, verify_password
from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.models import ApiToken, SignInSession, User

from conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def account(app: Flask, email: str, role: str = "trainer") -> int:
    with app.app_context():
        return create_user(get_session(), email=email, password=PASSWORD, role=role).id


def sign_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def copy_of(app: Flask, cookie: str) -> FlaskClient:
    """Another browser (an attacker's) holding a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def signed_in_as(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def token_works(app: Flask, token: str) -> bool:
    response = app.test_client().get("/api/v1/lists?mine=true", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app: Flask) -> None:
    account(app, "ana@example.org")
    browser = sign_in(app, "ana@example.org")
    thief = copy_of(app, session_cookie(browser))
    assert signed_in_as(thief)
    assert browser.post("/logout").status_code == 302
    assert not signed_in_as(browser)
    assert not signed_in_as(thief), "a copied session cookie still works after signing out"


def test_the_session_cookie_is_httponly_and_samesite_lax(app: Flask) -> None:
    account(app, "ana@example.org")
    response = app.test_client().post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header
    assert re.search(r"SameSite=Lax", header), header
    assert "Secure" not in header  # only with KB_HTTPS


def test_the_cookie_holds_a_key_not_the_account(app: Flask) -> None:
    user_id = account(app, "ana@example.org")
    browser = sign_in(app, "ana@example.org")
    with browser.session_transaction() as session:
        assert set(session) <= {"sid", "ui_lang", "csrf_token", "_permanent", "_flashes"}, dict(session)
    with app.app_context():
        rows = get_session().scalars(select(SignInSession).where(SignInSession.user_id == user_id)).all()
    assert len(rows) == 1 and rows[0].key_hash != session["sid"] and len(rows[0].key_hash) == 64


def test_sign_out_of_the_other_browsers_from_the_account_page(app: Flask) -> None:
    account(app, "ana@example.org")
    laptop, phone = sign_in(app, "ana@example.org"), sign_in(app, "ana@example.org")
    page = laptop.get("/account").get_data(as_text=True)
    assert "1 other browsers" in page
    assert laptop.post("/account/sessions/end").status_code == 302
    assert signed_in_as(laptop) and not signed_in_as(phone)
    assert "Only in this browser." in laptop.get("/account").get_data(as_text=True)


def test_changing_the_password_ends_other_sessions_and_offers_to_revoke_tokens(app: Flask) -> None:
    user_id = account(app, "ana@example.org")
    with app.app_context():
        _, token = create_token(get_session(), get_session().get(User, user_id), "notebook")
    here, elsewhere = sign_in(app, "ana@example.org"), sign_in(app, "ana@example.org")
    form = here.get("/account/password").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', form)
    assert box is not None and "checked" in box[0], "the password form does not offer to revoke the tokens"
    # Declining the offer keeps the token.
    response = here.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(here) and not signed_in_as(elsewhere)
    assert token_works(app, token)
    # Accepting it revokes every token of the account.
    response = here.post("/account/password", data={"current": NEW_PASSWORD, "password": PASSWORD,
                                                      "confirm": PASSWORD, "revoke_tokens": "y"})
    assert response.status_code == 302
    assert "API tokens revoked" in here.get("/account").get_data(as_text=True)
    assert not token_works(app, token)


def test_an_administrators_reset_ends_the_password_sessions_and_tokens_at_once(app: Flask, caplog) -> None:
    user_id = account(app, "ana@example.org")
    account(app, "admin@example.org", role="admin")
    with app.app_context():
        _, token = create_token(get_session(), get_session().get(User, user_id), "notebook")
    ana = sign_in(app, "ana@example.org")
    admin = sign_in(app, "admin@example.org")
    with caplog.at_level("INFO"):
        response = admin.post(f"/admin/accounts/{user_id}/reset")
    assert response.status_code == 302
    assert not signed_in_as(ana)
    assert not token_works(app, token)
    with app.app_context():
        user = get_session().get(User, user_id)
        assert not verify_password(user, PASSWORD)
        assert get_session().scalar(select(func.count()).select_from(ApiToken)) == 0
    assert app.test_client().post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 200
    # The link sent to the person opens the account again.
    link = next(r.getMessage() for r in caplog.records if "password reset link" in r.getMessage())
    path = re.search(r"http://[^/]+(/\S+)", link)[1]
    client = app.test_client()
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    sign_in(app, "ana@example.org", NEW_PASSWORD)


def test_deactivation_ends_every_session_of_the_account(app: Flask) -> None:
    user_id = account(app, "ana@example.org")
    account(app, "admin@example.org", role="admin")
    ana = sign_in(app, "ana@example.org")
    sign_in(app, "admin@example.org").post(f"/admin/accounts/{user_id}/deactivate")
    assert not signed_in_as(ana)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(SignInSession)
                                    .where(SignInSession.user_id == user_id)) == 0
