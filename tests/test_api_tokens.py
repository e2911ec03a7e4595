"""API tokens: created on the account page and shown once, used as Bearer tokens, revoked, never stored in clear."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.accounts import create_user
from kb_app.db import get_session
from kb_app.models import ApiToken, Record

from conftest import session_key_for

PASSWORD = "a long enough password"


def make_user(app: Flask, email: str, role: str) -> int:
    with app.app_context():
        return create_user(get_session(), email=email, password=PASSWORD, role=role, name=email.split("@")[0]).id


def signed_in(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = session_key_for(app, user_id)
    return client


def new_token(client: FlaskClient, name: str = "notebook") -> str:
    response = client.post("/account/tokens", data={"name": name})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    found = re.search(r'value="(kb_[A-Za-z0-9_\-]+)"', response.get_data(as_text=True))
    assert found, "the new token is shown on the page"
    return found.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored_bytes(app: Flask) -> bytes:
    data_dir = Path(app.config["KB_DATA_DIR"])
    return b"".join(p.read_bytes() for p in data_dir.glob("kb.sqlite3*"))


def test_the_token_page_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/account/tokens")
    assert response.status_code in (302, 303)
    assert "login" in response.headers["Location"]


def test_a_token_is_shown_once_and_stored_only_as_its_digest(app: Flask) -> None:
    user_id = make_user(app, "researcher@example.org", "trainer")
    client = signed_in(app, user_id)
    token = new_token(client, "thesis notebook")
    with app.app_context():
        rows = list(get_session().scalars(select(ApiToken).where(ApiToken.user_id == user_id)))
    assert [r.name for r in rows] == ["thesis notebook"]
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    if not app.config.get("DATABASE_URL"):
        assert token.encode() not in stored_bytes(app)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "thesis notebook" in page and token not in page


def test_a_token_authenticates_raises_the_limit_and_records_its_use(app: Flask) -> None:
    user_id = make_user(app, "researcher@example.org", "trainer")
    token = new_token(signed_in(app, user_id))
    anonymous = app.test_client().get("/api/v1/themes")
    with_token = app.test_client().get("/api/v1/lists?mine=true", headers=bearer(token))
    assert with_token.status_code == 200
    assert with_token.get_json()["total"] == 0
    assert int(with_token.headers["X-RateLimit-Limit"]) == 10 * int(anonymous.headers["X-RateLimit-Limit"])
    with app.app_context():
        assert get_session().scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user_id)) is not None


def test_a_revoked_token_no_longer_works(app: Flask) -> None:
    user_id = make_user(app, "researcher@example.org", "trainer")
    client = signed_in(app, user_id)
    token = new_token(client)
    assert app.test_client().get("/api/v1/themes", headers=bearer(token)).status_code == 200
    with app.app_context():
        token_id = get_session().scalar(select(ApiToken.id).where(ApiToken.user_id == user_id))
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code in (302, 303)
    refused = app.test_client().get("/api/v1/themes", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error"]["status"] == 401
    assert "You have no API token yet" in client.get("/account/tokens").get_data(as_text=True)


def test_nobody_can_revoke_someone_elses_token(app: Flask) -> None:
    owner = make_user(app, "owner@example.org", "trainer")
    token = new_token(signed_in(app, owner))
    with app.app_context():
        token_id = get_session().scalar(select(ApiToken.id).where(ApiToken.user_id == owner))
    intruder = signed_in(app, make_user(app, "intruder@example.org", "trainer"))
    intruder.post(f"/account/tokens/{token_id}/revoke")
    assert app.test_client().get("/api/v1/themes", headers=bearer(token)).status_code == 200


def test_a_token_needs_a_name(app: Flask) -> None:
    client = signed_in(app, make_user(app, "researcher@example.org", "trainer"))
    response = client.post("/account/tokens", data={"name": "   "})
    assert response.status_code == 400
    assert 'value="kb_' not in response.get_data(as_text=True)


def test_an_unknown_token_is_refused_even_for_reads(client: FlaskClient) -> None:
    response = client.get("/api/v1/records", headers=bearer("kb_not-a-real-token"))
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"status", "code", "message"}


# -- writing records through the API ----------------------------------------------------------------

NEW_PRACTICE = {
    "id": "pr-en-api-001", "kind": "practice", "lang": "en",
    "title": "Peer lending circles for newly arrived women traders",
    "summary": "Small solidarity groups guarantee each other's first microloans.",
    "body": "Women traders form circles of five; each circle co-signs its members' first microloans.",
    "country": "BE", "themes": ["access-to-credit"], "target_group": "Newly arrived women traders",
    "method": "Weekly meetings with a mediator; group guarantee.", "year": 2023,
}


def editor_token(app: Flask, role: str = "editor") -> str:
    return new_token(signed_in(app, make_user(app, f"{role}@example.org", role)))


def test_an_editor_token_creates_a_published_record(app: Flask) -> None:
    token = editor_token(app)
    client = app.test_client()
    response = client.post("/api/v1/records", json=NEW_PRACTICE, headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/records/{created['id']}")
    assert created["fields"]["target_group"] == "Newly arrived women traders"
    assert client.get(f"/api/v1/records/{created['id']}").get_json()["external_id"] == "pr-en-api-001"
    found = client.get("/api/v1/search?q=lending+circles+traders&mode=keyword").get_json()
    assert created["id"] in [r["id"] for r in found["results"]]
    with app.app_context():
        record = get_session().get(Record, created["id"])
        assert record.status == "published"
        assert [r.action for r in record.revisions] == ["created through the API"]


def test_the_same_external_id_twice_is_a_conflict(app: Flask) -> None:
    token = editor_token(app)
    client = app.test_client()
    assert client.post("/api/v1/records", json=NEW_PRACTICE, headers=bearer(token)).status_code == 201
    again = client.post("/api/v1/records", json=NEW_PRACTICE, headers=bearer(token))
    assert again.status_code == 409
    assert again.get_json()["error"]["message"].startswith("id:")


def test_an_invalid_record_is_refused_naming_every_bad_field(app: Flask) -> None:
    response = app.test_client().post("/api/v1/records", headers=bearer(editor_token(app)),
                                      json={"kind": "practice", "lang": "xx", "year": "soon", "themes": ["no-such-theme"]})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    for field in ("lang", "title", "body", "year", "themes"):
        assert f"{field}:" in message


@pytest.mark.parametrize("role, status", [("trainer", 403), ("partner", 403)])
def test_other_roles_may_not_create_records(app: Flask, role: str, status: int) -> None:
    if role == "partner":
        with app.app_context():
            user_id = create_user(get_session(), email="p@example.org", password=PASSWORD, role="partner",
                                  organisation="enm").id
        token = new_token(signed_in(app, user_id))
    else:
        token = editor_token(app, role)
    response = app.test_client().post("/api/v1/records", json=NEW_PRACTICE, headers=bearer(token))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_browser_session_alone_cannot_create_records(app: Flask) -> None:
    """Writes take a token, never the session cookie, so another site cannot forge them."""
    client = signed_in(app, make_user(app, "editor@example.org", "editor"))
    response = client.post("/api/v1/records", json=NEW_PRACTICE)
    assert response.status_code == 401


def test_a_body_that_is_not_json_is_refused(app: Flask) -> None:
    token = editor_token(app)
    client = app.test_client()
    wrong_type = client.post("/api/v1/records", data="kind=practice", headers=bearer(token),
                             content_type="application/x-www-form-urlencoded")
    assert wrong_type.status_code == 415
    broken = client.post("/api/v1/records", data="{not json", headers=bearer(token), content_type="application/json")
    assert broken.status_code == 400
    assert broken.get_json()["error"]["message"].startswith("body:")
