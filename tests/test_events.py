"""Events, the third kind: found by cross-language search, served as iCalendar, linked to what they presented."""
from __future__ import annotations

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.catalogue import to_interchange
from kb_app.db import get_session
from kb_app.interchange import InvalidRecord, normalise_record
from kb_app.models import Record

EVENT = {"kind": "event", "lang": "es", "title": "Conferencia", "body": "Texto", "event_type": "conference",
         "starts_at": "2027-04-15 09:30", "ends_at": "2027-04-15 17:30", "timezone": "Europe/Madrid"}


def record_id(app: Flask, external_id: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Record.id).where(Record.external_id == external_id))


def test_an_italian_query_finds_the_spanish_and_german_conferences(corpus_client: FlaskClient) -> None:
    found = corpus_client.get("/api/v1/search?q=conferenza&kind=event&per_page=20").get_json()
    ids = [r["external_id"] for r in found["results"]]
    assert {"ev-es-conference-madrid", "ev-de-conference-leipzig"} <= set(ids)
    assert all(r["kind"] == "event" for r in found["results"])
    # The kind facet is counted without the kind filter: it also says how many practices and resources match.
    assert found["facets"]["kind"]["event"] == found["total"] and len(found["facets"]["kind"]) > 1


def test_a_word_said_only_in_the_programme_finds_the_event(corpus_client: FlaskClient) -> None:
    # "trenta" is only in a session title of the Rome training course ("... in trenta minuti"), not in its text.
    found = corpus_client.get("/api/v1/search?q=trenta+minuti&mode=keyword&kind=event").get_json()
    assert "ev-it-training-rome" in [r["external_id"] for r in found["results"]]


def test_an_event_downloads_as_a_calendar_entry_in_its_time_zone(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    response = corpus_client.get(f"/events/{record_id(corpus_app, 'ev-es-conference-madrid')}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Conferencia nacional española")
    start = event.decoded("DTSTART")
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2027, 4, 15, 9, 30)
    assert str(start.tzinfo) == "Europe/Madrid" and start.utcoffset().total_seconds() == 7200
    assert "Madrid" in str(event["LOCATION"])


def test_the_feed_holds_the_upcoming_conferences_and_the_page_splits_upcoming_from_past(
        corpus_client: FlaskClient) -> None:
    feed = icalendar.Calendar.from_ical(corpus_client.get("/events.ics").data)
    summaries = [str(e["SUMMARY"]) for e in feed.walk("VEVENT")]
    assert any(s.startswith("Nationale Konferenz") for s in summaries)
    assert not any("Scambio di buone pratiche" in s for s in summaries)  # March 2026: already past
    page = corpus_client.get("/events?ui=en").get_data(as_text=True)
    upcoming, past = page.split('id="past-title"')
    assert "Nationale Konferenz" in upcoming and "Scambio di buone pratiche" in past
    only_germany = corpus_client.get("/events?country=DE&from=2027-01-01").get_data(as_text=True)
    assert "Nationale Konferenz" in only_germany and "Conferencia nacional" not in only_germany
    assert corpus_client.get("/events?from=15-04-2027").status_code == 400


def test_an_event_page_links_its_materials_and_a_practice_lists_where_it_was_presented(
        corpus_app: Flask, corpus_client: FlaskClient) -> None:
    event_page = corpus_client.get(f"/records/{record_id(corpus_app, 'ev-es-conference-madrid')}?ui=en").get_data(as_text=True)
    practice_id = record_id(corpus_app, "pr-es-001")
    assert f'/records/{practice_id}"' in event_page and "Programme" in event_page
    assert "Materials presented" in event_page
    practice_page = corpus_client.get(f"/records/{practice_id}?ui=en").get_data(as_text=True)
    assert "Presented at" in practice_page and "Conferencia nacional española" in practice_page


def test_no_calendar_for_what_is_not_a_published_event(corpus_app: Flask, corpus_client: FlaskClient) -> None:
    assert corpus_client.get(f"/events/{record_id(corpus_app, 'pr-es-001')}.ics").status_code == 404
    assert corpus_client.get("/events/999999.ics").status_code == 404
    with corpus_app.app_context():
        db = get_session()
        event = db.get(Record, record_id(corpus_app, "ev-de-conference-leipzig"))
        event.status = "draft"
        db.commit()
    try:
        assert corpus_client.get(f"/events/{event.id}.ics").status_code == 404
    finally:
        with corpus_app.app_context():
            db = get_session()
            db.get(Record, event.id).status = "published"
            db.commit()


def test_an_event_round_trips_through_the_interchange_format(corpus_app: Flask) -> None:
    with corpus_app.app_context():
        event = get_session().scalar(select(Record).where(Record.external_id == "ev-it-exchange-rome"))
        exported = to_interchange(event)
    assert exported["programme"][0]["title"] == "Apertura e presentazione della rete"
    assert normalise_record(exported) == exported


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ends_at": "2027-04-14 18:00"}, "ends_at", "is before starts_at"),
    ({"programme": [{"start": "2027-05-01 10:00", "title": "Later"}]}, "programme", "outside the event's dates"),
    ({"audiences": ["investors"]}, "audiences", "unknown value"),
    ({"timezone": "Europe/Atlantis"}, "timezone", "unknown time zone"),
])
def test_bad_event_input_is_a_field_error(change: dict, field: str, message: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        normalise_record({**EVENT, **change})
    assert any(e.field == field and message in e.message for e in caught.value.errors), caught.value.errors


def test_a_bad_event_in_an_import_imports_nothing(corpus_app: Flask) -> None:
    from kb_app.importer import ImportFailed, import_records

    good = {**EVENT, "id": "ev-test-good"}
    bad = {**EVENT, "id": "ev-test-bad", "ends_at": "2027-04-14 18:00"}
    import json
    with corpus_app.app_context():
        db = get_session()
        before = db.query(Record).count()
        try:
            report = import_records(db, json.dumps(good) + "\n" + json.dumps(bad) + "\n")
            assert report.errors
        except ImportFailed:
            pass
        db.rollback()
        assert db.query(Record).count() == before


def test_a_partner_submits_an_event_through_its_form_and_bad_dates_save_nothing(app: Flask) -> None:
    from kb_app.accounts import create_user

    with app.app_context():
        create_user(get_session(), email="ev@example.org", password="correct horse battery", role="partner",
                    organisation="enm")
    partner = app.test_client()
    assert partner.post("/login", data={"email": "ev@example.org", "password": "correct horse battery"}).status_code == 302
    form = partner.get("/submit/new?kind=event&ui=en").get_data(as_text=True)
    assert "Submit an event" in form and 'name="programme"' in form and 'value="press"' in form
    typed = {"lang": "it", "title": "Conferenza di prova", "body": "Descrizione", "event_type": "conference",
             "starts_at": "2027-02-18 09:30", "ends_at": "2027-02-17 17:00", "timezone": "Europe/Rome",
             "audiences": ["press", "migrants"], "programme": "2027-02-18 10:00 | Apertura | Anna | it", "save": "1"}
    refused = partner.post("/submit/new?kind=event&ui=en", data=typed)
    assert refused.status_code == 200 and "The end is before the start." in refused.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(Record).where(Record.title == "Conferenza di prova")) is None
    saved = partner.post("/submit/new?kind=event&ui=en", data={**typed, "ends_at": "2027-02-18 17:00"})
    assert saved.status_code == 302
    with app.app_context():
        event = get_session().scalar(select(Record).where(Record.title == "Conferenza di prova"))
        assert event.kind == "event" and event.status == "draft" and event.audiences == ["press", "migrants"]
        assert event.programme == [{"start": "2027-02-18T10:00", "title": "Apertura", "speakers": "Anna", "lang": "it"}]
    edit = partner.get(f"/submit/{event.id}/edit?ui=en").get_data(as_text=True)
    assert "2027-02-18 10:00 | Apertura | Anna | it" in edit


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_a_rare_word_in_one_record_of_another_language_is_found(app: Flask, mode: str) -> None:
    """A word said in one Spanish record only (a session title of an event, the method of a practice) is
    found although the query is taken for Italian: the query's words are looked for in the bodies of the
    other languages too when they are rare there (a name, a coined word), not only in their titles."""
    import json

    from kb_app.importer import import_records

    event = {**EVENT, "id": "ev-es-rare", "title": "Conferencia nacional", "body": "Microcrédito e inclusión.",
             "programme": [{"start": "2027-04-15 10:00", "title": "Mesa redonda Zanzibaroteca", "lang": "es"}]}
    practice = {"id": "pr-es-rare", "kind": "practice", "lang": "es", "title": "Microcréditos en Madrid",
                "body": "Un itinerario de emprendimiento.", "method": "Tutoría con el método Quetzalmorfo."}
    italian = {"id": "pr-it-other", "kind": "practice", "lang": "it", "title": "Microcredito a Roma",
               "body": "Un percorso di accompagnamento al credito per imprenditori migranti."}
    with app.app_context():
        import_records(get_session(), "\n".join(json.dumps(r) for r in (event, practice, italian)) + "\n")
    client = app.test_client()
    for word, kind, wanted in (("zanzibaroteca", "event", "ev-es-rare"), ("quetzalmorfo", "practice", "pr-es-rare")):
        found = client.get(f"/api/v1/search?q={word}&kind={kind}&mode={mode}").get_json()
        assert found["query"]["detected_lang"] != "es"  # the premise: the query is not taken for Spanish
        assert [r["external_id"] for r in found["results"]] == [wanted], (word, found["query"])
        assert found["total"] == 1


def test_the_events_page_and_the_search_read_dates_alike(corpus_client: FlaskClient) -> None:
    for url in ("/events?from=2027-05-01&to=2027-04-01&ui=en", "/search?q=conferenza&from=2027-05-01&to=2027-04-01&ui=en"):
        response = corpus_client.get(url)
        assert response.status_code == 400 and "to: the last day (2027-04-01) is before the first" in response.get_data(
            as_text=True), url
    for url in ("/events?from=15/04/2027&ui=en", "/api/v1/search?q=conferenza&from=15/04/2027"):
        response = corpus_client.get(url)
        assert response.status_code == 400 and "from must be a date as YYYY-MM-DD." in response.get_data(as_text=True)


def test_editing_an_event_through_its_form_keeps_each_sessions_end(app: Flask) -> None:
    """The form writes a session as `start – end | title | speakers | language`; an imported programme's ends
    survive an edit, and an end typed as a time of the same day (or a full date and time) is read."""
    import json

    from conftest import signed_in
    from kb_app.importer import import_records

    event = {**EVENT, "id": "ev-es-ends", "organisation": "enm",
             "programme": [{"start": "2027-04-15 10:00", "end": "2027-04-15 11:30", "title": "Mesa redonda",
                            "speakers": "Nantik Lum", "lang": "es"},
                           {"start": "2027-04-15 12:00", "title": "Clausura"}]}
    with app.app_context():
        import_records(get_session(), json.dumps(event) + "\n")
        record = get_session().scalar(select(Record).where(Record.external_id == "ev-es-ends"))
        record.status = "draft"
        get_session().commit()
        record_id = record.id
    editor = signed_in(app, "ed@example.org", "editor")
    form = editor.get(f"/submit/{record_id}/edit?ui=en").get_data(as_text=True)
    assert "2027-04-15 10:00 – 11:30 | Mesa redonda | Nantik Lum | es" in form
    lines = "2027-04-15 10:00 – 11:30 | Mesa redonda | Nantik Lum | es\n2027-04-15 12:00 - 2027-04-15 13:00 | Clausura"
    typed = {"lang": "es", "title": "Conferencia", "body": "Texto", "event_type": "conference",
             "starts_at": "2027-04-15 09:30", "ends_at": "2027-04-15 17:30", "timezone": "Europe/Madrid",
             "programme": lines, "save": "1"}
    assert editor.post(f"/submit/{record_id}/edit?ui=en", data=typed).status_code == 302
    with app.app_context():
        saved = get_session().get(Record, record_id).programme
    assert [(s["start"], s.get("end")) for s in saved] == [("2027-04-15T10:00", "2027-04-15T11:30"),
                                                           ("2027-04-15T12:00", "2027-04-15T13:00")]
