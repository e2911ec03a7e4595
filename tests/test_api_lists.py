"""Reading lists through the API: public ones for all, unlisted ones by share token, private ones for their owner."""
from __future__ import annotations

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import ReadingList, ReadingListItem, Record, User

RECORDS = "\n".join([
    '{"id": "pr-it-l1", "kind": "practice", "lang": "it", "title": "Sportello microcredito per donne migranti", "body": "Accoglienza e tutoraggio."}',
    '{"id": "rs-en-l2", "kind": "resource", "lang": "en", "title": "Reading a bank statement", "body": "A short unit for entrepreneurs."}',
    '{"id": "pr-es-l3", "kind": "practice", "lang": "es", "title": "Mentoría entre pares", "body": "Emprendedores acompañan a recién llegados."}',
])


@pytest.fixture()
def lists(app: Flask) -> dict[str, int]:
    """Two trainers' lists of every visibility; one entry points at a record that is later withdrawn."""
    with app.app_context():
        session = get_session()
        import_records(session, RECORDS)
        ids = {ext: rid for ext, rid in session.execute(select(Record.external_id, Record.id))}
        owner = create_user(session, email="trainer@example.org", password="a long enough password", role="trainer",
                            name="Amina Trainer")
        other = create_user(session, email="other@example.org", password="a long enough password", role="trainer")
        made = {}
        for title, visibility, user in (("Public starter kit", "public", owner), ("Unlisted draft", "unlisted", owner),
                                        ("Private notes", "private", owner), ("Other public", "public", other)):
            reading_list = ReadingList(owner_id=user.id, title=title, visibility=visibility,
                                       share_token=secrets.token_urlsafe(16), description=f"{title} description")
            session.add(reading_list)
            session.flush()
            made[title] = reading_list.id
        kit = made["Public starter kit"]
        session.add_all([
            ReadingListItem(list_id=kit, position=1, heading="Week 1", note=""),
            ReadingListItem(list_id=kit, position=2, record_id=ids["pr-it-l1"], note="Start here: read the method."),
            ReadingListItem(list_id=kit, position=3, record_id=ids["pr-es-l3"], note="Withdrawn later."),
            ReadingListItem(list_id=kit, position=4, record_id=ids["rs-en-l2"], note="For the entrepreneurs."),
        ])
        session.commit()
        withdrawn = session.get(Record, ids["pr-es-l3"])
        withdrawn.status = "draft"
        session.commit()
        _token, secret = create_token(session, session.get(User, owner.id), "lists script")
        made["token"] = secret  # type: ignore[assignment]
        made["share"] = session.get(ReadingList, made["Unlisted draft"]).share_token  # type: ignore[assignment]
        return made


def titles(response) -> list[str]:  # noqa: ANN001 - werkzeug TestResponse
    assert response.status_code == 200
    return [item["title"] for item in response.get_json()["results"]]


def test_anonymous_readers_see_only_public_lists(client: FlaskClient, lists: dict) -> None:
    assert titles(client.get("/api/v1/lists")) == ["Public starter kit", "Other public"]


def test_the_owner_also_sees_their_own_unlisted_and_private_lists(client: FlaskClient, lists: dict) -> None:
    headers = {"Authorization": f"Bearer {lists['token']}"}
    everything = client.get("/api/v1/lists", headers=headers)
    assert titles(everything) == ["Public starter kit", "Unlisted draft", "Private notes", "Other public"]
    mine = {item["title"]: item["mine"] for item in everything.get_json()["results"]}
    assert mine["Private notes"] is True and mine["Other public"] is False
    assert titles(client.get("/api/v1/lists?mine=true", headers=headers)) == ["Public starter kit", "Unlisted draft", "Private notes"]


def test_a_public_list_shows_its_entries_in_order_without_unpublished_records(client: FlaskClient, lists: dict) -> None:
    body = client.get(f"/api/v1/lists/{lists['Public starter kit']}").get_json()
    assert body["list"]["owner"] == "Amina Trainer"
    entries = body["entries"]
    assert [e["heading"] for e in entries] == ["Week 1", None, None]
    assert [e["record"]["external_id"] for e in entries[1:]] == ["pr-it-l1", "rs-en-l2"]
    assert entries[1]["note"] == "Start here: read the method."
    assert body["list"]["items"] == len(entries) == 3
    summary = next(i for i in client.get("/api/v1/lists").get_json()["results"] if i["title"] == "Public starter kit")
    assert summary["items"] == 3


def test_an_unlisted_list_needs_its_share_token(client: FlaskClient, lists: dict) -> None:
    url = f"/api/v1/lists/{lists['Unlisted draft']}"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?token=wrong-token").status_code == 404
    shared = client.get(f"{url}?token={lists['share']}")
    assert shared.status_code == 200
    assert shared.get_json()["list"]["title"] == "Unlisted draft"


def test_a_private_list_is_only_for_its_owner(client: FlaskClient, lists: dict) -> None:
    url = f"/api/v1/lists/{lists['Private notes']}"
    assert client.get(url).status_code == 404
    owner = client.get(url, headers={"Authorization": f"Bearer {lists['token']}"})
    assert owner.status_code == 200 and owner.get_json()["list"]["mine"] is True


def test_mine_without_credentials_is_a_401(client: FlaskClient, lists: dict) -> None:
    response = client.get("/api/v1/lists?mine=true")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"].startswith("mine:")
