"""The case-study form round trip: template sections, drafts, validation that keeps the text, detection, translations."""
from __future__ import annotations

import json
import re

import lxml.html
from html import unescape
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb_app.accounts import create_user
from kb_app.db import get_session
from kb_app.importer import import_records
from kb_app.models import Record

PASSWORD = "correct horse battery"
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "practices"

GERMAN_PRACTICE = {
    "title": "Mikrokredit-Sprechstunde für Gründerinnen mit Migrationsgeschichte in Köln",
    "summary": "Eine wöchentliche Sprechstunde hilft Frauen mit Migrationsgeschichte, einen Mikrokredit zu beantragen "
               "und einen Businessplan zu schreiben.",
    "body": "In Köln gründen viele zugewanderte Frauen kleine Unternehmen, finden aber kaum Zugang zu Bankkrediten. "
            "Die Beratungsstelle bietet deshalb jeden Mittwoch eine offene Sprechstunde an.",
    "target_group": "Frauen mit Migrationsgeschichte, die ein Kleinunternehmen gründen wollen.",
    "challenge": "Banken lehnen Kredite ohne Sicherheiten und ohne lange Kreditgeschichte ab.",
    "method": "Beraterinnen prüfen die Geschäftsidee, helfen beim Businessplan und begleiten den Kreditantrag.",
    "results": "In zwei Jahren erhielten 48 Frauen einen Mikrokredit; 40 Unternehmen bestehen noch.",
    "country": "DE", "city": "Köln", "year": "2022", "start_date": "2022-03", "contact": "gruendung@example.org",
    "url": "https://example.org/sprechstunde", "themes": ["access-to-credit", "women-entrepreneurs"],
}


def add_account(app: Flask, email: str, role: str, organisation: str | None = None) -> int:
    with app.app_context():
        return create_user(get_session(), email=email, password=PASSWORD, role=role, organisation=organisation).id


def signed_in(app: Flask, email: str, role: str, organisation: str | None = None) -> FlaskClient:
    add_account(app, email, role, organisation)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def publish_corpus(app: Flask, *ids: str) -> dict[str, int]:
    """Import these shipped practices (published) and return their database ids by external id."""
    lines = []
    for path in CORPUS.glob("*.jsonl"):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in ids]
    assert len(lines) == len(ids)
    with app.app_context():
        db = get_session()
        import_records(db, "\n".join(lines))
        return {r.external_id: r.id for r in db.scalars(select(Record).where(Record.external_id.in_(ids)))}


def stored(app: Flask, record_id: int | None = None) -> Record | None:
    with app.app_context():
        db = get_session()
        record = db.get(Record, record_id) if record_id else db.scalar(select(Record).order_by(Record.id.desc()))
        if record is not None:
            record.revisions, record.themes, record.translation_of, record.organisation  # noqa: B018 - load now
        return record


def record_id_from(response) -> int:
    return int(re.search(r"/submit/(\d+)", response.headers["Location"])[1])


def test_the_form_guides_through_the_template_with_help_text(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    page = partner.get("/submit/new").get_data(as_text=True)
    for heading in ("The practice in brief", "The practice, section by section", "Where and when", "What the practice is about",
                    "Contact and links", "Attachments"):
        assert heading in page
    for label in ("Target group", "Challenge addressed", "Method and activities", "Results", "Resources needed",
                  "Evidence of success", "Transferability", "Difficulties and how they were overcome"):
        assert label in page
    assert "The problem the practice addresses." in page  # help text of the challenge section
    assert "Detect from the text" in page
    assert 'name="organisation"' not in page  # a partner always submits for their own organisation

    italian = partner.get("/submit/new?ui=it").get_data(as_text=True)
    assert 'lang="it"' in italian


def test_partner_submits_a_practice_and_follows_its_status(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = partner.post("/submit/new", data={**GERMAN_PRACTICE, "lang": "", "preview": "1"})
    assert response.status_code == 302
    record_id = record_id_from(response)
    preview = partner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft" in preview and GERMAN_PRACTICE["title"] in preview and "Send for review" in preview
    assert "Possible duplicates" in preview

    record = stored(app, record_id)
    assert record.lang == "de"  # detected from the text
    assert record.status == "draft" and record.country == "DE" and record.city == "Köln"
    assert [t.slug for t in record.themes] == ["access-to-credit", "women-entrepreneurs"]
    assert record.organisation.slug == "enm"

    response = partner.post(f"/submit/{record_id}/send")
    assert response.status_code == 302
    assert "Awaiting review" in partner.get(f"/submit/{record_id}").get_data(as_text=True)
    listing = partner.get("/submit").get_data(as_text=True)
    assert GERMAN_PRACTICE["title"] in listing and "Awaiting review" in listing
    record = stored(app, record_id)
    assert [r.action for r in record.revisions] == ["created", "submitted"]
    assert all(r.user_id is not None for r in record.revisions)
    # Not public before an editor publishes it.
    assert app.test_client().get(f"/records/{record_id}").status_code == 404


def test_validation_errors_show_at_each_field_and_keep_everything_typed(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    typed = {**GERMAN_PRACTICE, "lang": "de", "start_date": "31/12/2020", "end_date": "2019-01",
             "url": "javascript:alert(1)", "year": "20x0", "title": "T" * 301, "save": "1"}
    response = partner.post("/submit/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was saved yet" in page
    assert "Enter a date as YYYY-MM-DD or YYYY-MM." in page
    assert "Enter a web address starting with http:// or https://." in page
    assert "Enter a whole number, such as 2021." in page
    assert "This has 301 characters; at most 300 are allowed." in page
    # Each message sits with its field, and the field is marked for assistive technology.
    assert re.search(r'id="start_date"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="start_date"', page)
    for name in ("summary", "body", "method", "results", "challenge", "target_group", "contact"):
        assert GERMAN_PRACTICE[name] in unescape(page), name
    assert 'value="31/12/2020"' in page and 'value="javascript:alert(1)"' in page
    assert 'value="access-to-credit" checked' in page or 'checked id="themes-' in page or \
        re.search(r'<input checked[^>]*value="access-to-credit"', page)
    assert stored(app) is None


def test_a_draft_needs_only_a_title_but_review_needs_the_template(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = partner.post("/submit/new", data={"title": "Sportello per il microcredito", "lang": "it", "save": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    record_id = record_id_from(response)
    assert "Saved." in partner.get(response.headers["Location"]).get_data(as_text=True)

    untitled = partner.post("/submit/new", data={"body": "Testo senza titolo.", "save": "1"}).get_data(as_text=True)
    assert "Please fill in this field." in untitled

    response = partner.post(f"/submit/{record_id}/send")
    assert response.headers["Location"].endswith(f"/submit/{record_id}/edit?check=1")
    page = partner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Some sections still need to be filled in" in page
    for name in ("summary", "body", "challenge", "method", "results", "country"):
        errors = re.search(rf'<ul class="errors" id="{name}-errors">(.*?)</ul>', page, re.S)
        assert errors and "Needed before the practice can be sent for review." in errors[1], name
    assert 'id="title-errors"' not in page
    assert stored(app, record_id).status == "draft"


def test_editing_offers_the_language_the_text_is_in(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    response = partner.post("/submit/new", data={**GERMAN_PRACTICE, "lang": "it", "save": "1"})
    record_id = record_id_from(response)
    assert stored(app, record_id).lang == "it"  # what the partner chose is stored
    page = partner.get(f"/submit/{record_id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="de">|<option value="de" selected>', page)
    assert "The text looks like German, but the record was saved as Italian." in page


def test_stored_text_is_escaped_on_every_page(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = {**GERMAN_PRACTICE, "lang": "de", "title": f"Kredit {attack}", "summary": f"Zusammenfassung {attack}",
            "method": f"Methode {attack}", "city": attack, "save": "1"}
    record_id = record_id_from(partner.post("/submit/new", data=data))
    partner.post(f"/submit/{record_id}/edit", data={**data, "method": f"Neue Methode {attack}", "save": "1"})
    partner.post(f"/submit/{record_id}/send")
    editor = signed_in(app, "ed@example.org", "editor")
    pages = [partner.get(p).get_data(as_text=True) for p in
             ("/submit", f"/submit/{record_id}", f"/submit/{record_id}/history")]
    pages += [editor.get(p).get_data(as_text=True) for p in ("/review", f"/review/{record_id}", f"/submit/{record_id}/edit")]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_after_sending_the_partner_withdraws_to_edit_or_deletes_a_draft(app: Flask) -> None:
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    record_id = record_id_from(partner.post("/submit/new", data={**GERMAN_PRACTICE, "lang": "de", "save": "1"}))
    partner.post(f"/submit/{record_id}/send")
    response = partner.get(f"/submit/{record_id}/edit")
    assert response.status_code == 302
    assert "cannot be changed while it is Awaiting review" in partner.get(response.headers["Location"]).get_data(as_text=True)

    partner.post(f"/submit/{record_id}/withdraw")
    assert stored(app, record_id).status == "draft"
    assert partner.get(f"/submit/{record_id}/edit").status_code == 200
    assert partner.post(f"/submit/{record_id}/delete").status_code == 302
    assert stored(app, record_id) is None
    assert GERMAN_PRACTICE["title"] not in partner.get("/submit").get_data(as_text=True)


def test_a_partner_translates_a_published_practice(app: Flask) -> None:
    ids = publish_corpus(app, "pr-it-001")
    original_id = ids["pr-it-001"]
    partner = signed_in(app, "lucia@example.org", "partner", "accion-contra-el-hambre")
    page = partner.get(f"/submit/new?translation_of={original_id}").get_data(as_text=True)
    assert "You are translating:" in page and "Microcredito con tutoraggio" in page
    assert '<option selected value="IT">' in page or '<option value="IT" selected>' in page
    assert re.search(r'<input checked[^>]*value="mentoring"', page)

    spanish = {"translation_of": str(original_id), "title": "Microcrédito con tutoría para microempresas de extranjeros",
               "body": "Traducción al español de la práctica italiana.", "country": "IT", "save": "1"}
    same_lang = partner.post("/submit/new", data={**spanish, "lang": "it"}).get_data(as_text=True)
    assert "The original is in this language already" in same_lang
    response = partner.post("/submit/new", data={**spanish, "lang": "es"})
    record = stored(app, record_id_from(response))
    assert record.translation_of.id == original_id and record.lang == "es"
    assert record.organisation.slug == "accion-contra-el-hambre"
    show = partner.get(f"/submit/{record.id}").get_data(as_text=True)
    assert "Other language versions" in show and "(the original)" in show

    hunt = partner.get("/submit/translate?q=microcredito tutoraggio").get_data(as_text=True)
    assert f"/submit/new?translation_of={original_id}" in hunt
    # A draft is not something to translate.
    assert partner.get(f"/submit/new?translation_of={record.id}").status_code == 404


def test_record_ids_that_cannot_be_ids_are_not_found(app: Flask) -> None:
    # Too large for the id column (SQLite: OverflowError; PostgreSQL: integer out of range), or digits int() refuses.
    partner = signed_in(app, "lucia@example.org", "partner", "accion-contra-el-hambre")
    record_id = record_id_from(partner.post("/submit/new", data={"title": "Bozza", "lang": "it", "save": "1"}))
    for bad in ("99999999999999999999999", "2147483648", "²", "-1"):
        assert partner.get(f"/submit/new?translation_of={bad}").status_code == 404, bad
        assert partner.post(f"/submit/{record_id}/translation", data={"original": bad}).status_code == 404, bad
    assert partner.get("/submit/99999999999999999999999").status_code == 404


def test_possible_duplicates_are_shown_before_sending_and_can_become_a_link(app: Flask) -> None:
    ids = publish_corpus(app, "pr-en-001", "pr-en-003", "pr-es-003")
    partner = signed_in(app, "ana@example.org", "partner", "enm")
    near_copy = {"lang": "en", "save": "1",
                 "title": "A shared tutoring standard for migrant microcredit in the partner countries",
                 "summary": "Partners agreed one tutoring standard for microcredit to migrant entrepreneurs.",
                 "body": "Draft."}
    record_id = record_id_from(partner.post("/submit/new", data=near_copy))
    preview = partner.get(f"/submit/{record_id}").get_data(as_text=True)
    duplicates = preview.split("Possible duplicates", 1)[1].split("</section>", 1)[0]
    first = re.search(r'<a href="[^"]*/records/(\d+)"', duplicates)
    assert first and int(first[1]) == ids["pr-en-001"]

    # The partner decides their draft is the Italian version of the Spanish practice, and links it.
    partner.post(f"/submit/{record_id}/edit", data={**near_copy, "lang": "it", "save": "1"})
    # One click is not enough: the link waits for a confirmation with both records side by side.
    asked = partner.post(f"/submit/{record_id}/translation", data={"original": str(ids["pr-es-003"])})
    assert asked.status_code == 303 and stored(app, record_id).translation_of_id is None
    confirm = partner.get(asked.location).get_data(as_text=True)
    assert "Finanzas para el día a día" in confirm and 'name="confirmed"' in confirm
    partner.post(f"/submit/{record_id}/translation", data={"original": str(ids["pr-es-003"]), "confirmed": "yes"})
    assert stored(app, record_id).translation_of_id == ids["pr-es-003"]
    versions = partner.get(f"/submit/{record_id}").get_data(as_text=True).split("Other language versions", 1)[1]
    assert "Finanzas para el día a día" in versions.split("</section>", 1)[0] and "(the original)" in versions
    partner.post(f"/submit/{record_id}/translation", data={"original": ""})
    assert stored(app, record_id).translation_of_id is None


def test_a_partner_chooses_the_licence_of_a_practice(app: Flask) -> None:
    partner = signed_in(app, "lic@example.org", "partner", "Ente Nazionale per il Microcredito")
    form = partner.get("/submit/new?ui=en").get_data(as_text=True)
    assert "Creative Commons Attribution-ShareAlike 4.0 (the catalogue&#39;s default)" in form
    assert '<option value="CC0-1.0">Public domain (CC0 1.0)</option>' in form
    record_id = record_id_from(partner.post("/submit/new", data={**GERMAN_PRACTICE, "lang": "de", "licence": "CC0-1.0",
                                                                "save": "1"}))
    assert stored(app, record_id).licence == "CC0-1.0"
    refused = partner.post(f"/submit/{record_id}/edit", data={**GERMAN_PRACTICE, "lang": "de",
                                                              "licence": "All rights reserved", "save": "1"})
    assert refused.status_code == 200 and "Choose a licence from the list." in refused.get_data(as_text=True)
    assert stored(app, record_id).licence == "CC0-1.0"  # nothing lost


def test_fields_needed_before_review_are_marked_and_the_json_twin_names_the_same(app: Flask) -> None:
    partner = signed_in(app, "marks@example.org", "partner", "enm")
    form = lxml.html.fromstring(partner.get("/submit/new?ui=en").get_data(as_text=True))
    marked = {label.get("for") or label.getparent().getparent().get("id", "").removesuffix("-field")
              for label in form.xpath('//*[span[@class="field-mark"]]')
              if "before review" in label.xpath('string(span[@class="field-mark"])')}
    to_save = {label.get("for") for label in form.xpath('//label[span[@class="field-mark"]]')
               if "to save" in label.xpath('string(span[@class="field-mark"])')}
    assert to_save == {"title"}

    record_id = record_id_from(partner.post("/submit/new", data={"title": "Bozza", "lang": "it", "save": "1"}))
    twin = partner.get(f"/submit/{record_id}.json").get_json()
    # The title is needed for both, and marked with the stronger "needed to save".
    assert set(twin["needed_before_review"]) == marked | to_save and twin["needed_to_save"] == ["title"]
    assert set(twin["missing_for_review"]) == marked, "an empty draft misses every field needed before review"
    assert twin["status"] == "draft" and twin["urls"]["html"] == f"/submit/{record_id}"

    # Sending it anyway: the draft is kept, and the page says so instead of "nothing was saved".
    sent = partner.post(f"/submit/{record_id}/send")
    page = partner.get(sent.location + "&ui=en").get_data(as_text=True)
    assert "Your draft is saved" in page and "Nothing was saved yet" not in page
    assert stored(app, record_id).status == "draft" and stored(app, record_id).title == "Bozza"
    preview = lxml.html.fromstring(partner.get(f"/submit/{record_id}?ui=en").get_data(as_text=True))
    listed = preview.xpath('//div[contains(@class, "missing-for-review")]//a/@href')
    assert {href.rsplit("#", 1)[1] for href in listed} == set(twin["missing_for_review"])


def test_a_look_alike_from_another_organisation_and_country_is_not_offered_as_a_translation(app: Flask) -> None:
    ids = publish_corpus(app, "pr-en-001", "pr-en-003", "pr-es-003")
    partner = signed_in(app, "far@example.org", "partner", "enm")
    with app.app_context():
        spanish = get_session().get(Record, ids["pr-es-003"])
        country = "DE" if spanish.country != "DE" else "AT"
    record_id = record_id_from(partner.post("/submit/new", data={
        "lang": "it", "save": "1", "country": country,
        "title": "Finanze per la vita quotidiana: conto, bilancio e risparmio",
        "summary": "Un corso di educazione finanziaria di base per persone migranti.", "body": "Bozza."}))
    twin = partner.get(f"/submit/{record_id}.json").get_json()
    hint = next(card for card in twin["duplicates"] if card["id"] == ids["pr-es-003"])
    assert hint["may_be_translation"] is False and hint["confirm_url"] is None
    preview = partner.get(f"/submit/{record_id}").get_data(as_text=True)
    assert f"original={ids['pr-es-003']}" not in preview, "no link offered next to an unrelated hint"
