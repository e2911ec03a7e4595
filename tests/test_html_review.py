"""Moderation: the editors' queue, decisions with comments, revisions compared, and what publishing does to search."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from conftest import signed_in
from kb_app.db import get_session
from kb_app.models import Record

PRACTICE = {
    "lang": "de", "country": "DE", "city": "Köln",
    "title": "Mikrokredit-Sprechstunde für Gründerinnen in Köln",
    "summary": "Eine wöchentliche Sprechstunde hilft zugewanderten Frauen, einen Mikrokredit zu beantragen.",
    "body": "Viele zugewanderte Frauen in Köln finden keinen Zugang zu Bankkrediten.",
    "challenge": "Banken lehnen Kredite ohne Sicherheiten ab.",
    "method": "Beraterinnen prüfen die Geschäftsidee und begleiten den Kreditantrag.",
    "results": "48 Frauen erhielten einen Mikrokredit.",
}



def submitted(partner: FlaskClient, **changes: str) -> int:
    response = partner.post("/submit/new", data={**PRACTICE, **changes, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    assert partner.post(f"/submit/{record_id}/send").status_code == 302
    return record_id


def status(app: Flask, record_id: int) -> str:
    with app.app_context():
        return get_session().get(Record, record_id).status


def found_by_search(client: FlaskClient, query: str, record_id: int) -> bool:
    results = client.get("/api/v1/search", query_string={"q": query, "mode": "keyword"}).get_json()["results"]
    return record_id in [r["id"] for r in results]


def test_publishing_puts_the_record_in_search_and_unpublishing_takes_it_out(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    public = app.test_client()
    record_id = submitted(partner)
    assert not found_by_search(public, "Sprechstunde Gründerinnen", record_id)

    queue = editor.get("/review").get_data(as_text=True)
    assert PRACTICE["title"] in queue and "Ente Nazionale per il Microcredito" in queue
    page = editor.get(f"/review/{record_id}").get_data(as_text=True)
    for button in ("Publish", "Request changes", "Reject"):
        assert f">{button}</button>" in page
    assert "Possible duplicates" in page and PRACTICE["method"] in page

    response = editor.post(f"/review/{record_id}/publish", data={"comment": "Danke!"})
    assert response.status_code == 302
    assert "Published: the record can now be found in search." in editor.get(response.headers["Location"]).get_data(as_text=True)
    assert status(app, record_id) == "published"
    assert public.get(f"/records/{record_id}").status_code == 200
    assert found_by_search(public, "Sprechstunde Gründerinnen", record_id)
    assert public.get(f"/api/v1/records/{record_id}").status_code == 200
    assert PRACTICE["title"] in public.get("/api/v1/export").get_data(as_text=True)

    refused = editor.post(f"/review/{record_id}/unpublish", data={"comment": ""})
    assert refused.status_code == 400 and "Please tell the partner why." in refused.get_data(as_text=True)
    editor.post(f"/review/{record_id}/unpublish", data={"comment": "Die Kontaktdaten sind veraltet."})
    assert status(app, record_id) == "changes_requested"
    assert public.get(f"/records/{record_id}").status_code == 404
    assert not found_by_search(public, "Sprechstunde Gründerinnen", record_id)
    assert public.get(f"/api/v1/records/{record_id}").status_code == 404
    assert PRACTICE["title"] not in public.get("/api/v1/export").get_data(as_text=True)
    listing = partner.get("/submit").get_data(as_text=True)
    assert "Changes requested" in listing and "Die Kontaktdaten sind veraltet." in listing


def test_changes_requested_go_back_to_the_partner_and_the_editor_sees_what_changed(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    record_id = submitted(partner)

    refused = editor.post(f"/review/{record_id}/request-changes", data={"comment": "  "})
    assert refused.status_code == 400 and status(app, record_id) == "submitted"
    editor.post(f"/review/{record_id}/request-changes", data={"comment": "Bitte Zahlen zu den Ergebnissen <ergänzen>."})
    assert status(app, record_id) == "changes_requested"

    preview = partner.get(f"/submit/{record_id}").get_data(as_text=True)
    assert "The editor&#39;s comment" in preview or "The editor's comment" in preview
    assert "Bitte Zahlen zu den Ergebnissen &lt;ergänzen&gt;." in preview
    assert partner.get(f"/submit/{record_id}/edit").status_code == 200
    partner.post(f"/submit/{record_id}/edit", data={
        **PRACTICE, "results": "48 Frauen erhielten einen Mikrokredit; 40 Betriebe bestehen nach zwei Jahren.",
        "save": "1"})
    partner.post(f"/submit/{record_id}/send")
    assert status(app, record_id) == "submitted"

    page = editor.get(f"/review/{record_id}").get_data(as_text=True)
    diff = page.split('id="compare"', 1)[1]
    assert "<ins>; 40 Betriebe bestehen nach zwei Jahren</ins>" in diff
    assert "Results" in diff and "Method and activities" not in diff  # only what changed is listed
    history = page.split('class="history"', 1)[1]
    for action in ("Created", "Sent for review", "Changes requested", "Edited"):
        assert action in history
    assert "Bitte Zahlen zu den Ergebnissen" in history


def test_any_two_revisions_can_be_compared(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    record_id = submitted(partner)
    editor.post(f"/review/{record_id}/request-changes", data={"comment": "Titel kürzen."})
    partner.post(f"/submit/{record_id}/edit", data={**PRACTICE, "title": "Mikrokredit-Sprechstunde Köln", "save": "1"})
    with app.app_context():
        revisions = [r.id for r in get_session().get(Record, record_id).revisions]
    first, last = revisions[0], revisions[-1]
    page = partner.get(f"/submit/{record_id}/history?from={last}&to={first}").get_data(as_text=True)
    diff = page.split('id="compare"', 1)[1]
    assert "Mikrokredit-Sprechstunde <del>für Gründerinnen in </del>Köln" in diff
    assert "<del>Draft</del><ins>Changes requested</ins>" in diff
    same = partner.get(f"/submit/{record_id}/history?from={first}&to={first}").get_data(as_text=True)
    assert "No field changed between these versions." in same


def test_rejected_submissions_stay_with_the_reason(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    record_id = submitted(partner)
    editor.post(f"/review/{record_id}/reject", data={"comment": "Keine gute Praxis, sondern Werbung."})
    assert status(app, record_id) == "rejected"
    assert PRACTICE["title"] in editor.get("/review?status=rejected").get_data(as_text=True)
    assert PRACTICE["title"] not in editor.get("/review").get_data(as_text=True)
    assert partner.get(f"/submit/{record_id}/edit").status_code == 302
    assert "Keine gute Praxis, sondern Werbung." in partner.get(f"/submit/{record_id}").get_data(as_text=True)
    assert app.test_client().get(f"/records/{record_id}").status_code == 404


def test_a_decision_needs_the_right_status(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    response = partner.post("/submit/new", data={**PRACTICE, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    response = editor.post(f"/review/{record_id}/publish", data={"comment": ""})
    assert "so this decision is not possible" in editor.get(response.headers["Location"]).get_data(as_text=True)
    assert status(app, record_id) == "draft"
    assert editor.get("/review?status=nonsense").status_code == 400


def test_an_editor_corrects_a_published_record_and_search_follows(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    record_id = submitted(partner)
    editor.post(f"/review/{record_id}/publish", data={"comment": ""})
    page = editor.get(f"/submit/{record_id}/edit").get_data(as_text=True)
    assert 'name="organisation"' in page  # editors may also correct which organisation a record belongs to
    response = editor.post(f"/submit/{record_id}/edit", data={
        **PRACTICE, "title": "Mikrokredit-Beratung für Unternehmerinnen in Köln", "organisation": "enm", "save": "1"})
    assert response.status_code == 302
    assert status(app, record_id) == "published"
    public = app.test_client()
    assert found_by_search(public, "Unternehmerinnen Beratung", record_id)
    # A published record must stay complete: the editor cannot blank a template section.
    blanked = editor.post(f"/submit/{record_id}/edit", data={**PRACTICE, "method": "", "organisation": "enm",
                                                              "save": "1"}).get_data(as_text=True)
    assert "Needed before the practice can be sent for review." in blanked


EVENT = {"lang": "it", "title": "Conferenza nazionale sul microcredito", "summary": "Una giornata di confronto.",
         "body": "Operatori e decisori discutono i risultati della rete.", "event_type": "conference",
         "country": "IT", "city": "Roma", "venue": "Sala Tevere, Via Po 1", "starts_at": "2027-02-18 09:30",
         "ends_at": "2027-02-18 17:00", "timezone": "Europe/Rome", "audiences": ["press"],
         "programme": "2027-02-18 10:00 | Apertura | Anna Bianchi | it\n2027-02-18 11:00 | Tavola rotonda | | it"}


def test_an_edited_events_diff_shows_its_programme_start_and_venue_readably(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    editor = signed_in(app, "ed@example.org", "editor")
    response = partner.post("/submit/new?kind=event", data={**EVENT, "save": "1"})
    record_id = int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])
    assert partner.post(f"/submit/{record_id}/send").status_code == 302
    editor.post(f"/review/{record_id}/request-changes", data={"comment": "Orari da rivedere."})
    edited = {**EVENT, "venue": "Sala Aniene, Via Po 1", "starts_at": "2027-02-18 09:00",
              "programme": "2027-02-18 10:00 | Apertura | Anna Bianchi | it\n"
                           "2027-02-18 11:30 | Tavola rotonda sul credito | Marco Verdi | it"}
    assert partner.post(f"/submit/{record_id}/edit", data={**edited, "save": "1"}).status_code == 302
    partner.post(f"/submit/{record_id}/send")

    diff = editor.get(f"/review/{record_id}?ui=en").get_data(as_text=True).split('id="compare"', 1)[1]
    assert "Venue" in diff and "Sala <del>Tevere</del><ins>Aniene</ins>, Via Po 1" in diff
    assert "Starts" in diff and "2027-02-18 09:<del>30</del><ins>00</ins>" in diff
    assert "Programme" in diff and "2027-02-18 10:00 | Apertura | Anna Bianchi | it" in diff  # session by session
    assert "2027-02-18 11:<del>00</del><ins>30</ins> | Tavola rotonda <ins>sul credito </ins>|" in diff
    assert "<ins> Marco Verdi </ins>| it" in diff
    assert "&#39;start&#39;" not in diff and "{&#39;" not in diff  # no Python dicts shown
    assert "Ends" not in diff and "Time zone" not in diff  # only what changed is listed
