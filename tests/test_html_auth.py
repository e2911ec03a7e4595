"""Signing in and out, password reset by link, throttled guessing, and the administrators' account pages."""
from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.accounts import create_user, verify_password
from kb_app.db import get_session
from kb_app.models import Organisation, User

PASSWORD = "correct horse battery"


def add_account(app: Flask, email: str, role: str, organisation: str | None = None, name: str = "") -> int:
    with app.app_context():
        return create_user(get_session(), email=email, password=PASSWORD, role=role, name=name,
                           organisation=organisation).id


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **kw: object):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def account(app: Flask, email: str) -> User:
    with app.app_context():
        return get_session().scalar(select(User).where(User.email == email))


def reset_link(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records if "password reset link" in r.getMessage()]
    assert lines, "no reset link was logged"
    return re.search(r"(http://\S+)", lines[-1])[1]


def test_sign_in_opens_the_account_page_and_sign_out_ends_the_session(app: Flask, client: FlaskClient) -> None:
    add_account(app, "ana@example.org", "partner", "enm", name="Ana Pérez")
    response = sign_in(client, "ANA@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert "ana@example.org" in page and "Ana Pérez" in page and "Ente Nazionale per il Microcredito" in page
    assert "Sign out" in page

    assert client.get("/logout").status_code == 200  # a confirmation page: signing out takes a POST
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_with_one_message_for_unknown_and_known_accounts(app: Flask, client: FlaskClient) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    wrong = sign_in(client, "ana@example.org", "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.org", "not the password").get_data(as_text=True)
    message = "The e-mail address or the password is not right."
    assert message in wrong and message in unknown
    assert 'value="ana@example.org"' in wrong  # the e-mail stays typed in
    assert "not the password" not in wrong  # the password is never echoed back
    assert client.get("/account").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app: Flask, client: FlaskClient) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    response = client.get("/submit/new")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', login_page)[1]
    assert next_value == "/submit/new"
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "next": next_value})
    assert response.headers["Location"].endswith("/submit/new")

    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "next": target})
        assert response.headers["Location"].endswith("/account"), target
        client.post("/logout")


def test_failed_sign_ins_are_throttled_per_account_and_address(app: Flask, client: FlaskClient) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    app.config["KB_LOGIN_ATTEMPTS_PER_15MIN"] = 3
    for _ in range(3):
        assert sign_in(client, "ana@example.org", "guess").status_code == 200
    blocked = sign_in(client, "ana@example.org")  # even the right password waits now
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert client.get("/account").status_code == 302

    # The owner signing in from elsewhere is not locked out by someone guessing from one address.
    other = app.test_client()
    response = sign_in(other, "ana@example.org", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_password_reset_link_is_logged_without_mail_server_and_works_once(app: Flask, client: FlaskClient,
                                                                        caplog) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    caplog.set_level(logging.INFO)
    page = client.post("/password/forgot", data={"email": "ana@example.org"}).get_data(as_text=True)
    assert "If an account exists for ana@example.org" in page
    link = reset_link(caplog)
    assert link.startswith("http://localhost/password/reset/")

    # Unknown addresses get the same page and produce no link.
    caplog.clear()
    page = client.post("/password/forgot", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "If an account exists for nobody@example.org" in page
    assert not [r for r in caplog.records if "password reset link" in r.getMessage()]

    path = link.removeprefix("http://localhost")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    mismatch = client.post(path, data={"password": "a brand new secret", "confirm": "something else"})
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    response = client.post(path, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302

    assert sign_in(client, "ana@example.org").status_code == 200  # the old password is gone
    assert sign_in(client, "ana@example.org", "a brand new secret").status_code == 302
    reused = client.get(path)
    assert reused.status_code == 400 and "This link does not work" in reused.get_data(as_text=True)
    assert client.get("/password/reset/forged.token.value").status_code == 400


def test_a_new_password_ends_the_other_sessions_of_the_account(app: Flask) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "ana@example.org")
    sign_in(phone, "ana@example.org")
    response = laptop.post("/account/password", data={"current": PASSWORD, "password": "another long secret",
                                                      "confirm": "another long secret"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_sessions_expire(app: Flask, client: FlaskClient) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    sign_in(client, "ana@example.org")
    assert client.get("/account").status_code == 200
    time.sleep(2.1)
    assert client.get("/account").status_code == 302


def test_admin_creates_accounts_and_partners_need_an_organisation(app: Flask, client: FlaskClient, caplog) -> None:
    add_account(app, "root@example.org", "admin")
    sign_in(client, "root@example.org")
    caplog.set_level(logging.INFO)
    page = client.post("/admin/accounts", data={"email": "new@example.org", "role": "partner", "organisation": ""})
    assert "A partner account needs an organisation." in page.get_data(as_text=True)
    assert account(app, "new@example.org") is None

    response = client.post("/admin/accounts", data={"email": "new@example.org", "name": "Nadia", "role": "partner",
                                                     "organisation": "enm"})
    assert response.status_code == 302
    created = account(app, "new@example.org")
    assert created.role == "partner" and created.active
    # Without a password the person is sent a link to choose one (logged here: no mail server).
    link = reset_link(caplog).removeprefix("http://localhost")
    fresh = app.test_client()
    fresh.post(link, data={"password": "chosen by nadia", "confirm": "chosen by nadia"})
    assert sign_in(fresh, "new@example.org", "chosen by nadia").status_code == 302

    duplicate = client.post("/admin/accounts", data={"email": "NEW@example.org", "role": "trainer", "organisation": ""})
    assert "exists already" in duplicate.get_data(as_text=True)
    listing = client.get("/admin/accounts").get_data(as_text=True)
    assert "new@example.org" in listing and "Partner" in listing


def test_admin_changes_a_role_and_deactivation_ends_the_person_s_session(app: Flask, client: FlaskClient) -> None:
    add_account(app, "root@example.org", "admin")
    trainer_id = add_account(app, "tom@example.org", "trainer")
    tom = app.test_client()
    sign_in(tom, "tom@example.org")
    assert tom.get("/review").status_code == 403

    sign_in(client, "root@example.org")
    client.post(f"/admin/accounts/{trainer_id}", data={"name": "Tom", "role": "editor", "organisation": ""})
    assert account(app, "tom@example.org").role == "editor"
    assert tom.get("/review").status_code == 200  # the new role counts from the next request

    client.post(f"/admin/accounts/{trainer_id}/deactivate")
    assert not account(app, "tom@example.org").active
    assert tom.get("/account").status_code == 302
    refused = sign_in(tom, "tom@example.org").get_data(as_text=True)
    assert "This account has been deactivated" in refused

    client.post(f"/admin/accounts/{trainer_id}/activate")
    assert sign_in(tom, "tom@example.org").status_code == 302


def test_an_admin_cannot_lock_themselves_out(app: Flask, client: FlaskClient) -> None:
    admin_id = add_account(app, "root@example.org", "admin")
    sign_in(client, "root@example.org")
    page = client.post(f"/admin/accounts/{admin_id}", data={"role": "trainer", "organisation": ""})
    assert "You cannot take away your own administrator role." in page.get_data(as_text=True)
    client.post(f"/admin/accounts/{admin_id}/deactivate")
    me = account(app, "root@example.org")
    assert me.role == "admin" and me.active


def test_admin_adds_and_edits_organisations(app: Flask, client: FlaskClient) -> None:
    add_account(app, "root@example.org", "admin")
    sign_in(client, "root@example.org")
    response = client.post("/admin/organisations", data={"name": "Asociación Puente", "country": "ES",
                                                          "city": "Sevilla", "is_partner": "y"})
    assert response.status_code == 302
    with app.app_context():
        org = get_session().scalar(select(Organisation).where(Organisation.name == "Asociación Puente"))
        assert org.slug == "asociacion-puente" and org.country == "ES" and org.is_partner
        org_id = org.id
    taken = client.post("/admin/organisations", data={"name": "Other", "slug": "enm", "country": ""})
    assert "Another organisation has this identifier." in taken.get_data(as_text=True)
    client.post(f"/admin/organisations/{org_id}", data={"name": "Asociación Puente Sur", "slug": "puente",
                                                         "country": "ES"})
    with app.app_context():
        org = get_session().get(Organisation, org_id)
        assert (org.name, org.slug, org.is_partner) == ("Asociación Puente Sur", "puente", False)
    # The new organisation can now have partner accounts.
    client.post("/admin/accounts", data={"email": "eva@example.org", "role": "partner", "organisation": "puente",
                                         "password": "long enough pass"})
    assert account(app, "eva@example.org").organisation_id == org_id


def test_names_typed_by_people_are_escaped_on_the_pages(app: Flask, client: FlaskClient) -> None:
    add_account(app, "root@example.org", "admin", name='<script>alert("x")</script>')
    sign_in(client, "root@example.org")
    for path in ("/account", "/admin/accounts"):
        page = client.get(path).get_data(as_text=True)
        assert '<script>alert("x")</script>' not in page
        assert "&lt;script&gt;" in page


def test_passwords_are_stored_as_scrypt_hashes(app: Flask) -> None:
    add_account(app, "ana@example.org", "partner", "enm")
    user = account(app, "ana@example.org")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert verify_password(user, PASSWORD)


def test_the_menu_offers_submitting_only_to_those_who_may_and_learners_land_on_their_learning_page(
        app: Flask, client: FlaskClient) -> None:
    assert 'href="/submit"' in client.get("/").get_data(as_text=True)  # visitors are asked to sign in there
    for email, role, org in [("lea@example.org", "learner", "enm"), ("tom@example.org", "trainer", None),
                             ("pia@example.org", "partner", "enm")]:
        add_account(app, email, role, org)
        visitor = app.test_client()
        response = sign_in(visitor, email)
        assert response.headers["Location"].endswith("/learning" if role == "learner" else "/account"), role
        offered = 'href="/submit"' in visitor.get("/").get_data(as_text=True)
        assert offered == (role == "partner"), role
        assert (visitor.get("/submit").status_code != 403) == offered, role  # the menu and the route agree
