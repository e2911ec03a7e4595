"""Reading lists through the HTML pages: build, annotate, reorder, share, copy, and who may do what."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import lxml.html
import pytest
from flask import Flask, render_template_string
from flask import session as flask_session
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.accounts import create_user
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import ReadingList, Record

from conftest import session_key_for

SAMPLE = [
    {"id": "pr-it-901", "kind": "practice", "lang": "it", "title": "Microcredito e tutoraggio per donne migranti a Roma",
     "summary": "Prestiti senza garanzie reali, accompagnati da un tutor prima e dopo l'erogazione.",
     "body": "Un ente di microcredito e tre banche finanziano piccole imprese di donne migranti con tutoraggio obbligatorio.",
     "organisation": "Ente Nazionale per il Microcredito", "country": "IT", "city": "Roma", "year": 2021,
     "url": "https://example.org/microcredito"},
    {"id": "pr-es-901", "kind": "practice", "lang": "es", "title": "Microcréditos con acompañamiento para emprendedores inmigrantes",
     "summary": "Préstamos sin aval para negocios de personas inmigrantes, con mentoría durante dos años.",
     "body": "Una fundación concede microcréditos y acompaña a emprendedores inmigrantes en Madrid.",
     "organisation": "Fundación Madrid Emprende", "country": "ES", "city": "Madrid", "year": 2019},
    {"id": "rs-de-901", "kind": "resource", "lang": "de", "title": "Einen Businessplan für die Bank schreiben",
     "summary": "Wie Gründerinnen und Gründer einen Businessplan für ein Kreditgespräch vorbereiten.",
     "body": "Aufbau eines Businessplans: Idee, Markt, Finanzplan, Kreditbedarf.", "audience": "entrepreneur",
     "organisation": "Gründerwerkstatt Köln", "country": "DE", "year": 2022},
    {"id": "pr-fr-901", "kind": "practice", "lang": "fr", "title": "Médiation interculturelle au guichet de la banque",
     "summary": "Des médiateurs accompagnent les entrepreneurs migrants à leur premier rendez-vous bancaire.",
     "body": "La médiation interculturelle aide à ouvrir un compte et à demander un microcrédit.",
     "organisation": "Association Passerelles", "country": "BE", "year": 2020},
    {"id": "rs-en-901", "kind": "resource", "lang": "en", "title": "Guarantee funds explained for loan officers",
     "summary": "How public guarantee funds let microcredit lenders finance clients without collateral.",
     "body": "A short unit on guarantee funds, collateral and credit risk for microcredit operators.",
     "audience": "operator", "year": 2023},
]


@dataclass
class Person:
    id: int
    stamp: int
    email: str


@dataclass
class KB:
    app: Flask
    records: dict[str, int]
    trainer: Person
    other_trainer: Person
    editor: Person
    admin: Person
    partner: Person


def add_people_and_records(app: Flask) -> KB:
    """Load the sample records and one account per role into an empty knowledge base."""
    with app.app_context():
        session = get_session()
        import_records(session, "\n".join(json.dumps(r) for r in SAMPLE))
        ids = {r.external_id: r.id for r in session.scalars(select(Record))}
        people = {}
        for key, role, name, org in (("trainer", "trainer", "Tina Trainer", None),
                                     ("other_trainer", "trainer", "Omar Other", None),
                                     ("editor", "editor", "Edda Editor", None),
                                     ("admin", "admin", "Ada Admin", None),
                                     ("partner", "partner", "Pia Partner", "Ente Nazionale per il Microcredito")):
            user = create_user(session, email=f"{key}@example.org", password="correct horse battery", role=role,
                               name=name, organisation=org)
            people[key] = Person(user.id, user.security_stamp, user.email)
    return KB(app=app, records=ids, **people)


def sign_in(client: FlaskClient, person: Person | None) -> FlaskClient:
    with client.session_transaction() as session:
        session.clear()
        if person is not None:
            session["sid"] = session_key_for(client.application, person.id)
    return client


def new_list(client: FlaskClient, title: str = "Session 1: access to credit", **fields: str) -> int:
    data = {"title": title, "description": "", "audience": "", "notes_lang": "en", "visibility": "private", **fields}
    response = client.post("/lists/new", data=data)
    assert response.status_code == 303, response.text
    return int(re.search(r"/lists/(\d+)$", response.location).group(1))


def add_record(client: FlaskClient, list_id: int, record_id: int, note: str = "") -> int:
    response = client.post("/lists/add", data={"record_id": record_id, "list_id": str(list_id), "note": note})
    assert response.status_code == 303, response.text
    return int(re.search(r"#item-(\d+)$", response.location).group(1))


def list_json(client: FlaskClient, list_id: int, **args: str) -> dict[str, Any]:
    response = client.get(f"/lists/{list_id}.json", query_string=args)
    assert response.status_code == 200, response.text
    return response.get_json()


def titles_in_order(data: dict[str, Any]) -> list[str]:
    return [e["heading"] if e["type"] == "heading" else (e["record"] or {}).get("title", "(unavailable)")
            for e in data["entries"]]


class FormFields(HTMLParser):
    """The fields of the forms on a page, as a browser without JavaScript would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": a.get("method"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name") and a.get("type") not in ("radio", "checkbox"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and self.forms:
            self._select = a.get("name")
        elif tag == "option" and self._select and self._select not in self.forms[-1]["fields"]:
            self.forms[-1]["fields"][self._select] = a.get("value")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[dict[str, Any]]:
    parser = FormFields()
    parser.feed(html)
    return parser.forms


@pytest.fixture()
def kb(app: Flask) -> KB:
    return add_people_and_records(app)


# -- building a list --------------------------------------------------------------------------------------------

def test_trainer_creates_a_list_and_sees_it_among_their_lists(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Credit without collateral", description="For the March workshop.",
                       audience="operator", visibility="private")
    page = client.get(f"/lists/{list_id}")
    assert page.status_code == 200
    assert "Credit without collateral" in page.text and "For the March workshop." in page.text
    mine = client.get("/lists")
    assert mine.status_code == 200 and "Credit without collateral" in mine.text


def test_a_list_needs_a_title(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    response = client.post("/lists/new", data={"title": "  ", "visibility": "private"})
    assert response.status_code == 400
    assert "Please correct the marked fields" in response.text
    with kb.app.app_context():
        assert get_session().scalar(select(ReadingList)) is None


def render_partial(app: Flask, person: Person | None, path: str, **context: Any) -> str:
    """The add-to-list partial as a page that includes it renders it for this visitor."""
    with app.test_request_context(path):
        if person is not None:
            flask_session.update({"sid": session_key_for(app, person.id)})
        return render_template_string('{% include "lists/_add_to_list.html" %}', **context)


def test_add_to_list_partial_works_without_javascript(kb: KB, client: FlaskClient) -> None:
    """The partial that record pages and result cards include posts a plain form that adds the record."""
    sign_in(client, kb.trainer)
    record_id = kb.records["pr-es-901"]
    [form] = forms_on(render_partial(kb.app, kb.trainer, "/search?q=microcredito", card={"id": record_id}))
    assert form["method"] == "post" and form["action"] == "/lists/add"
    assert form["fields"]["record_id"] == str(record_id) and form["fields"]["list_id"] == "new"
    response = client.post(form["action"], data=dict(form["fields"], new_title="Migrant entrepreneurs, week 1"))
    assert response.status_code == 303
    assert response.location == f"/search?q=microcredito#add-to-list-{record_id}"
    assert "Migrant entrepreneurs, week 1" in client.get("/lists").text

    # Now the partial offers that list and says the record is on it already.
    html = render_partial(kb.app, kb.trainer, f"/records/{record_id}", record={"id": record_id})
    assert "Migrant entrepreneurs, week 1" in html and "Already on:" in html
    [form] = forms_on(html)
    assert form["fields"]["list_id"] != "new"


def test_partial_renders_nothing_for_visitors_who_cannot_build_lists(kb: KB) -> None:
    for person in (None, kb.partner):
        assert render_partial(kb.app, person, "/records/1", card={"id": 1}).strip() == ""


def test_add_page_offers_my_lists_and_adds_with_a_note(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Week 2")
    record_id = kb.records["rs-de-901"]
    page = client.get("/lists/add", query_string={"record_id": record_id})
    assert page.status_code == 200 and "Week 2" in page.text and "Einen Businessplan" in page.text
    response = client.post("/lists/add", data={"record_id": record_id, "list_id": str(list_id),
                                                "note": "Homework before the bank visit."})
    assert response.status_code == 303
    data = list_json(client, list_id)
    assert data["entries"][0]["record"]["title"] == "Einen Businessplan für die Bank schreiben"
    assert data["entries"][0]["note"] == "Homework before the bank visit."


def test_a_record_is_added_once(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    add_record(client, list_id, kb.records["pr-it-901"])
    client.post("/lists/add", data={"record_id": kb.records["pr-it-901"], "list_id": str(list_id)})
    page = client.get(f"/lists/{list_id}")
    assert "is already on" in page.text
    assert list_json(client, list_id)["items"] == 1


def test_unpublished_or_missing_records_cannot_be_added(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    response = client.post("/lists/add", data={"record_id": 99999, "list_id": str(list_id)})
    assert response.status_code == 404
    assert list_json(client, list_id)["items"] == 0


@pytest.mark.parametrize("raw", ["99999999999999999999999", "2147483648", "\u00b2", "12a"])
def test_ids_that_cannot_be_records_are_refused_not_failed(kb: KB, client: FlaskClient, raw: str) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    page = client.get("/lists/add", query_string={"record_id": raw})
    assert page.status_code == 400 and "record_id" in page.text
    posted = client.post("/lists/add", data={"record_id": raw, "list_id": str(list_id)})
    assert posted.status_code in (400, 404)
    moved = client.post(f"/lists/{list_id}/order", data={"order": raw})
    assert moved.status_code == 400
    assert list_json(client, list_id)["items"] == 0


# -- ordering, headings, notes, removal -------------------------------------------------------------------------

def test_reorder_with_up_and_down_buttons(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    first = add_record(client, list_id, kb.records["pr-it-901"])
    add_record(client, list_id, kb.records["pr-es-901"])
    third = add_record(client, list_id, kb.records["rs-de-901"])

    page = client.get(f"/lists/{list_id}").text
    move_forms = [f for f in forms_on(page) if f["action"].endswith("/move")]
    assert len(move_forms) == 3  # one form per entry, its Up and Down buttons send direction=up|down

    response = client.post(f"/lists/{list_id}/items/{third}/move", data={"direction": "up"})
    assert response.status_code == 303 and response.location.endswith(f"#item-{third}")
    assert titles_in_order(list_json(client, list_id)) == [
        "Microcredito e tutoraggio per donne migranti a Roma",
        "Einen Businessplan für die Bank schreiben",
        "Microcréditos con acompañamiento para emprendedores inmigrantes",
    ]
    client.post(f"/lists/{list_id}/items/{first}/move", data={"direction": "down"})
    client.post(f"/lists/{list_id}/items/{first}/move", data={"direction": "down"})
    client.post(f"/lists/{list_id}/items/{first}/move", data={"direction": "down"})  # already last: nothing happens
    data = list_json(client, list_id)
    assert titles_in_order(data)[-1] == "Microcredito e tutoraggio per donne migranti a Roma"
    assert [e["number"] for e in data["entries"]] == [1, 2, 3]


def test_reorder_all_at_once_as_drag_and_drop_sends_it(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    a = add_record(client, list_id, kb.records["pr-it-901"])
    b = add_record(client, list_id, kb.records["pr-es-901"])
    c = add_record(client, list_id, kb.records["rs-de-901"])
    response = client.post(f"/lists/{list_id}/order", data={"order": f"{c},{a},{b}"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"order": [c, a, b]}
    assert [e["id"] for e in list_json(client, list_id)["entries"]] == [c, a, b]
    bad = client.post(f"/lists/{list_id}/order", data={"order": f"{c},{c}"})
    assert bad.status_code == 400


def test_section_headings_group_entries_and_notes_are_editable(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    item = add_record(client, list_id, kb.records["pr-fr-901"])
    response = client.post(f"/lists/{list_id}/headings", data={"heading": "Part 1: meeting the bank"})
    heading = int(response.location.rsplit("-", 1)[1])
    client.post(f"/lists/{list_id}/items/{heading}/move", data={"direction": "up"})
    client.post(f"/lists/{list_id}/items/{item}/note", data={"note": "Discuss: who pays the mediator?"})
    client.post(f"/lists/{list_id}/items/{heading}/note", data={"heading": "Part 1: at the bank counter"})

    data = list_json(client, list_id)
    assert data["entries"][0] == {"id": heading, "position": 1, "type": "heading", "heading": "Part 1: at the bank counter"}
    assert data["entries"][1]["section"] == "Part 1: at the bank counter"
    assert data["entries"][1]["note"] == "Discuss: who pays the mediator?"
    page = client.get(f"/lists/{list_id}").text
    entries = page[page.index('class="reading-list"'):]
    assert entries.index("Part 1: at the bank counter") < entries.index("Médiation interculturelle")
    assert "Discuss: who pays the mediator?" in page


def test_an_over_long_note_is_refused_naming_the_limit_and_comes_back_as_typed(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    item = add_record(client, list_id, kb.records["pr-fr-901"])
    client.post(f"/lists/{list_id}/items/{item}/note", data={"note": "First thoughts."})
    typed = ("Ask the group who has already been to a bank, and what they were asked for. " * 60)[:4500]
    response = client.post(f"/lists/{list_id}/items/{item}/note", data={"note": typed})
    assert response.status_code == 400
    doc = lxml.html.fromstring(response.text)
    assert doc.xpath(f'//textarea[@id="note-{item}"]')[0].text_content().removeprefix("\n") == typed
    assert f"This note has {len(typed.strip())} characters; at most 4000 are allowed." in doc.text_content()
    assert list_json(client, list_id)["entries"][0]["note"] == "First thoughts."  # the saved note is untouched


def test_remove_an_entry(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    first = add_record(client, list_id, kb.records["pr-it-901"])
    add_record(client, list_id, kb.records["pr-es-901"])
    response = client.post(f"/lists/{list_id}/items/{first}/remove")
    assert response.status_code == 303
    data = list_json(client, list_id)
    assert titles_in_order(data) == ["Microcréditos con acompañamiento para emprendedores inmigrantes"]
    assert data["entries"][0]["position"] == 1


def test_forms_without_a_csrf_token_are_refused(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client)
    item = add_record(client, list_id, kb.records["pr-it-901"])
    kb.app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/lists/{list_id}/items/{item}/remove").status_code == 400
        assert client.post("/lists/new", data={"title": "No token", "visibility": "private"}).status_code == 400
    finally:
        kb.app.config["WTF_CSRF_ENABLED"] = False
    assert list_json(client, list_id)["items"] == 1


# -- visibility and sharing ---------------------------------------------------------------------------------------

def test_private_list_is_hidden_from_everyone_but_owner_and_admin(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "My private plan")
    add_record(client, list_id, kb.records["pr-it-901"])
    for person in (None, kb.other_trainer, kb.editor, kb.partner):
        sign_in(client, person)
        for path in (f"/lists/{list_id}", f"/lists/{list_id}.json", f"/lists/{list_id}/handout",
                     f"/lists/{list_id}/export.md"):
            assert client.get(path).status_code == 404, (person, path)
    not_found = client.get(f"/lists/{list_id}.json").get_json()
    assert not_found["error"]["status"] == 404 and not_found["error"]["code"] == "not_found"
    sign_in(client, kb.admin)
    assert client.get(f"/lists/{list_id}").status_code == 200
    assert "My private plan" not in client.get("/lists/public").text


def test_unlisted_list_opens_only_with_its_share_link(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Shared with my colleagues", visibility="unlisted")
    add_record(client, list_id, kb.records["pr-it-901"])
    share_url = list_json(client, list_id)["share_url"]
    token = re.search(r"token=([^&]+)", share_url).group(1)

    sign_in(client, None)
    assert client.get(f"/lists/{list_id}").status_code == 404
    assert client.get(f"/lists/{list_id}", query_string={"token": "wrong" + token}).status_code == 404
    shared = client.get(share_url)
    assert shared.status_code == 200 and "Shared with my colleagues" in shared.text
    assert shared.headers["Referrer-Policy"] == "same-origin"
    # Links from the shared page keep the token, so exports open too.
    data = list_json(client, list_id, token=token)
    assert "token=" in data["urls"]["md"] and "share_url" not in data
    assert client.get(data["urls"]["md"]).status_code == 200
    assert client.get(f"/lists/{list_id}/export.md").status_code == 404
    assert "Shared with my colleagues" not in client.get("/lists/public").text

    # A new link retires the old one.
    sign_in(client, kb.trainer)
    assert client.post(f"/lists/{list_id}/share-link").status_code == 303
    sign_in(client, None)
    assert client.get(share_url).status_code == 404


def test_public_list_is_listed_and_found_by_title(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    public_id = new_list(client, "Guarantee funds for beginners", visibility="public", description="Starter reading.")
    new_list(client, "Intercultural mediation", visibility="public")
    new_list(client, "Guarantee funds: my draft", visibility="private")
    sign_in(client, None)
    assert client.get(f"/lists/{public_id}").status_code == 200
    page = client.get("/lists/public", query_string={"q": "guarantee"})
    assert "Guarantee funds for beginners" in page.text
    assert "Intercultural mediation" not in page.text and "my draft" not in page.text
    found = client.get("/lists/public.json", query_string={"q": "GUARANTEE beginners"}).get_json()
    assert [row["title"] for row in found["lists"]] == ["Guarantee funds for beginners"]
    assert found["lists"][0]["owner"] == "Tina Trainer"
    assert client.get("/lists/public.json", query_string={"q": "100%_"}).get_json()["total"] == 0


def test_visibility_can_be_changed_by_the_owner(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Becomes public")
    edit = client.get(f"/lists/{list_id}/edit")
    assert edit.status_code == 200 and 'value="Becomes public"' in edit.text
    response = client.post(f"/lists/{list_id}/edit", data={"title": "Now public", "description": "",
                                                            "audience": "entrepreneur", "notes_lang": "es",
                                                            "visibility": "public"})
    assert response.status_code == 303
    sign_in(client, None)
    data = list_json(client, list_id)
    assert (data["title"], data["visibility"], data["audience"], data["notes_lang"]) == \
        ("Now public", "public", "entrepreneur", "es")


# -- who may change a list ---------------------------------------------------------------------------------------

def test_only_the_owner_or_an_admin_changes_a_list(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Public but mine", visibility="public")
    item = add_record(client, list_id, kb.records["pr-it-901"])
    add_record(client, list_id, kb.records["pr-es-901"])
    attempts = [
        (f"/lists/{list_id}/items/{item}/move", {"direction": "down"}),
        (f"/lists/{list_id}/items/{item}/remove", {}),
        (f"/lists/{list_id}/items/{item}/note", {"note": "defaced"}),
        (f"/lists/{list_id}/headings", {"heading": "defaced"}),
        (f"/lists/{list_id}/edit", {"title": "defaced", "visibility": "private"}),
        (f"/lists/{list_id}/share-link", {}),
        (f"/lists/{list_id}/delete", {"confirm_delete": "yes"}),
        ("/lists/add", {"record_id": kb.records["rs-de-901"], "list_id": str(list_id)}),
    ]
    for person in (kb.other_trainer, kb.editor):
        sign_in(client, person)
        for path, data in attempts:
            assert client.post(path, data=data).status_code == 403, (person, path)
    sign_in(client, kb.partner)
    for path, data in attempts:
        assert client.post(path, data=data).status_code == 403, path
    sign_in(client, None)
    for path, data in attempts:
        response = client.post(path, data=data)
        assert response.status_code == 302 and "login" in response.location, path
    assert titles_in_order(list_json(client, list_id))[0] == "Microcredito e tutoraggio per donne migranti a Roma"

    sign_in(client, kb.admin)
    assert client.post(f"/lists/{list_id}/items/{item}/move", data={"direction": "down"}).status_code == 303
    assert titles_in_order(list_json(client, list_id))[1] == "Microcredito e tutoraggio per donne migranti a Roma"


def test_private_list_of_another_user_is_not_found_even_for_changes(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Private")
    item = add_record(client, list_id, kb.records["pr-it-901"])
    sign_in(client, kb.other_trainer)
    assert client.post(f"/lists/{list_id}/items/{item}/remove").status_code == 404
    assert client.post(f"/lists/{list_id}/copy").status_code == 404


def test_partners_and_visitors_do_not_build_lists(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.partner)
    assert client.get("/lists/new").status_code == 403
    assert client.post("/lists/new", data={"title": "x", "visibility": "private"}).status_code == 403
    assert client.post("/lists/add", data={"record_id": kb.records["pr-it-901"], "new_title": "x"}).status_code == 403
    assert client.get("/lists").location.endswith("/lists/public")
    sign_in(client, None)
    assert client.get("/lists").location.endswith("/lists/public")


@pytest.mark.parametrize("role", ["trainer", "editor", "admin"])
def test_trainers_editors_and_admins_build_lists(kb: KB, client: FlaskClient, role: str) -> None:
    sign_in(client, getattr(kb, role))
    list_id = new_list(client, f"List of the {role}")
    add_record(client, list_id, kb.records["rs-en-901"])
    assert list_json(client, list_id)["items"] == 1


def test_owner_deletes_a_list_after_confirming(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "To be deleted")
    add_record(client, list_id, kb.records["pr-it-901"])
    assert client.post(f"/lists/{list_id}/delete").location.endswith(f"/lists/{list_id}/edit")
    assert client.get(f"/lists/{list_id}").status_code == 200
    assert client.post(f"/lists/{list_id}/delete", data={"confirm_delete": "yes"}).status_code == 303
    assert client.get(f"/lists/{list_id}").status_code == 404


# -- copying -----------------------------------------------------------------------------------------------------

def test_copy_a_public_list_and_adapt_it(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    source_id = new_list(client, "Credit readiness", visibility="public", description="Two sessions.")
    client.post(f"/lists/{source_id}/headings", data={"heading": "Session A"})
    add_record(client, source_id, kb.records["pr-it-901"], note="Start here.")
    add_record(client, source_id, kb.records["rs-en-901"])

    sign_in(client, kb.other_trainer)
    page = client.get(f"/lists/{source_id}")
    assert "Copy this list into your own lists" in page.text
    response = client.post(f"/lists/{source_id}/copy", data={"title": "Credit readiness (Brussels)"})
    assert response.status_code == 303
    copy_id = int(response.location.rsplit("/", 1)[1])
    copy = list_json(client, copy_id)
    original = list_json(client, source_id)
    assert copy["title"] == "Credit readiness (Brussels)" and copy["visibility"] == "private"
    assert copy["owner"] == "Omar Other" and copy["description"] == "Two sessions."
    assert titles_in_order(copy) == titles_in_order(original)
    assert copy["entries"][1]["note"] == "Start here."
    assert copy["copied_from"]["id"] == source_id
    assert "Adapted from" in client.get(f"/lists/{copy_id}").text

    # Adapting the copy leaves the original alone.
    client.post(f"/lists/{copy_id}/items/{copy['entries'][2]['id']}/remove")
    add_record(client, copy_id, kb.records["pr-fr-901"])
    assert titles_in_order(list_json(client, source_id)) == titles_in_order(original)
    assert len(list_json(client, copy_id)["entries"]) == 3


def test_copy_an_unlisted_list_through_its_share_link(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    source_id = new_list(client, "By link only", visibility="unlisted")
    add_record(client, source_id, kb.records["pr-es-901"])
    share_url = list_json(client, source_id)["share_url"]
    token = re.search(r"token=([^&]+)", share_url).group(1)
    sign_in(client, kb.editor)
    assert client.post(f"/lists/{source_id}/copy").status_code == 404
    page = client.get(share_url).text
    [copy_form] = [f for f in forms_on(page) if f["action"].endswith("/copy")]
    assert copy_form["fields"]["token"] == token
    response = client.post(copy_form["action"], data=copy_form["fields"])
    assert response.status_code == 303
    copy_id = int(response.location.rsplit("/", 1)[1])
    copy = list_json(client, copy_id)
    assert copy["title"] == "By link only (copy)"
    # The copy does not point visitors at an unlisted original.
    assert copy["copied_from"] is None


# -- records that are withdrawn ----------------------------------------------------------------------------------

def test_unpublished_and_deleted_records_show_as_no_longer_available(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Everything changes", visibility="public")
    add_record(client, list_id, kb.records["pr-it-901"], note="Compare with the Madrid case.")
    add_record(client, list_id, kb.records["pr-es-901"])
    add_record(client, list_id, kb.records["rs-de-901"])
    with kb.app.app_context():
        session = get_session()
        session.get(Record, kb.records["pr-it-901"]).status = "draft"
        session.delete(session.get(Record, kb.records["rs-de-901"]))
        session.commit()

    owner_page = client.get(f"/lists/{list_id}")
    assert owner_page.status_code == 200
    assert owner_page.text.count("This record is no longer available") == 2
    assert "It was: “Microcredito e tutoraggio per donne migranti a Roma”" in owner_page.text
    assert "2 records on this list are no longer available." in owner_page.text

    sign_in(client, None)
    page = client.get(f"/lists/{list_id}")
    assert page.status_code == 200 and "Microcredito e tutoraggio" not in page.text
    assert "Microcréditos con acompañamiento" in page.text
    data = list_json(client, list_id)
    assert [e["available"] for e in data["entries"]] == [False, True, False]
    assert data["entries"][0]["record"] is None and "former_title" not in data["entries"][0]
    assert data["entries"][0]["note"] == "Compare with the Madrid case."
    assert client.get(f"/lists/{list_id}/handout").status_code == 200


# -- suggestions ------------------------------------------------------------------------------------------------

def test_suggestions_come_from_related_records_in_other_languages(kb: KB, client: FlaskClient) -> None:
    sign_in(client, kb.trainer)
    list_id = new_list(client, "Microcredit")
    add_record(client, list_id, kb.records["pr-it-901"])
    page = client.get(f"/lists/{list_id}").text
    suggested = [f for f in forms_on(page) if f["action"] == "/lists/add" and f["fields"].get("list_id") == str(list_id)]
    assert suggested, "the owner sees suggested additions"
    suggested_ids = {int(f["fields"]["record_id"]) for f in suggested}
    assert kb.records["pr-it-901"] not in suggested_ids
    languages = {ext.split("-")[1] for ext, rid in kb.records.items() if rid in suggested_ids}
    assert languages - {"it"}, "suggestions cross languages"

    chosen = suggested[0]
    client.post(chosen["action"], data=chosen["fields"])
    assert list_json(client, list_id)["items"] == 2
    again = {int(f["fields"]["record_id"]) for f in forms_on(client.get(f"/lists/{list_id}").text)
             if f["action"] == "/lists/add" and f["fields"].get("list_id") == str(list_id)}
    assert int(chosen["fields"]["record_id"]) not in again

    sign_in(client, kb.other_trainer)
    assert client.get(f"/lists/{list_id}").status_code == 404


def test_a_heading_goes_where_the_owner_places_it(app: Flask) -> None:
    kb = add_people_and_records(app)
    client = sign_in(app.test_client(), kb.trainer)
    list_id = new_list(client)
    first = add_record(client, list_id, kb.records["pr-it-901"])
    second = add_record(client, list_id, kb.records["pr-es-901"])
    assert client.post(f"/lists/{list_id}/headings", data={"heading": "Part 2", "before": str(second)}).status_code == 303
    assert client.post(f"/lists/{list_id}/headings", data={"heading": "Part 1", "before": str(first)}).status_code == 303
    assert client.post(f"/lists/{list_id}/headings", data={"heading": "Reading at home", "before": ""}).status_code == 303
    assert titles_in_order(list_json(client, list_id)) == [
        "Part 1", "Microcredito e tutoraggio per donne migranti a Roma", "Part 2",
        "Microcréditos con acompañamiento para emprendedores inmigrantes", "Reading at home"]
    # An entry of another list is not a place in this one.
    other = new_list(client, title="Other")
    stranger = add_record(client, other, kb.records["rs-en-901"])
    assert client.post(f"/lists/{list_id}/headings", data={"heading": "X", "before": str(stranger)}).status_code == 404


def test_the_owners_handout_and_exports_of_a_shared_list_link_with_its_token(app: Flask) -> None:
    kb = add_people_and_records(app)
    client = sign_in(app.test_client(), kb.trainer)
    list_id = new_list(client, visibility="unlisted")
    add_record(client, list_id, kb.records["pr-it-901"])
    with app.app_context():
        token = get_session().get(ReadingList, list_id).share_token
    online = f"/lists/{list_id}?token={token}"
    assert f'href="http://localhost{online}"' in client.get(f"/lists/{list_id}/handout?ui=it").get_data(as_text=True)
    assert f"Online: http://localhost{online}" in client.get(f"/lists/{list_id}/export.md?ui=en").get_data(as_text=True)
    # Which is the link that works for everyone else.
    visitor = app.test_client()
    assert visitor.get(online).status_code == 200 and visitor.get(f"/lists/{list_id}").status_code == 404
    page = visitor.get(online).get_data(as_text=True)
    assert "Public reading lists" not in page.split('class="breadcrumbs"')[1].split("</nav>")[0]
