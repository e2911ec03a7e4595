"""Stored-XSS sweep: hostile text in every field people can write, then every page and export that shows it.

One knowledge base of its own is filled once per module through the real write paths (`kb import`, `kb users create`,
the submission and review forms, the JSON API with an editor's token, the reading-list and admin forms, an upload).
Every payload carries a marker naming the field it was written into (`xz017q` ...), and sets `window.__xss` to that
marker if it ever runs. Each page is then checked twice: raw, through the Flask test client (no unescaped payload, no
event-handler attribute or script carrying one, no `javascript:` link), and in Chromium with the CSP bypassed, so that
only the escaping stands between a payload and the page (`window.__xss` stays undefined, no dialog, the same DOM checks).
Exports and JSON must come with a non-HTML content type and `nosniff`.
"""
from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote

import pytest
from conftest import PASSWORD, FreshDatabase, Kb, dispose
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select
from werkzeug.serving import make_server
from wtforms import StringField, TextAreaField

from kb_app import create_app
from kb_app.auth.forms import OrganisationForm
from kb_app.catalogue import add_revision, apply_record, new_record, publish
from kb_app.db import get_session
from kb_app.interchange import TEXT_LIMITS
from kb_app.kinds import PRACTICE, allowed_fields
from kb_app.models import (
    Attachment,
    Base,
    Module,
    Organisation,
    Record,
    Theme,
    User,
)
from kb_app.submit.forms import TEXT_FIELDS as FORM_TEXT_FIELDS

# -- payloads ---------------------------------------------------------------------------------------------------

# Each is formatted with the marker of the field it goes into; most dangerous first, since short fields take only
# the ones that fit.
PAYLOADS = (
    "\"><img src=x onerror=\"window.__xss='{m}'\">",
    "<script>window.__xss='{m}'</script>",
    "<svg onload=window.__xss='{m}'>",
    "' autofocus onfocus='window.__xss=\"{m}\"' x='",
    "</textarea></title><script>window.__xss='{m}'</script>",
    "javascript:window.__xss='{m}'",
    "{m}{{{{7*7}}}}",
    "\u202e<img src=x onerror=window.__xss='{m}'>\u202c مرحبا بكم {m} \u2067نص\u2069",
)
# The payloads that are markup: they must never reach a page as they were written.
MARKUP_PAYLOADS = tuple(p for p in PAYLOADS if re.search(r"[<>\"']", p) and "javascript:" not in p)
MARKER = re.compile(r"xz\d{3}q")
EVALUATED_TEMPLATE = re.compile(r"xz\d{3}q49")
DIRECTION_OVERRIDE = re.compile("[\u202a-\u202e]")  # LRE, RLE, PDF, LRO, RLO
ISOLATE = re.compile("[\u2066-\u2069]")  # LRI, RLI, FSI and their PDI  # what "{m}{{7*7}}" turns into if a template engine evaluates it
JS_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster")

# Every free-text field of the interchange format (what `kb import`, the API and, through the one normaliser, the
# form accept): a field added there is swept without touching this file. `url` must be a web address and `module` a
# curriculum slug, so they get payloads of their own kind.
# Practices and resources carry the swept text, each the fields its kind declares (another kind's are refused);
# an event carries its own fields besides (EVENT_TEXT).
EVENT_TEXT = ("venue", "outcomes")


def _kind_text(kind: str) -> tuple[str, ...]:
    allowed = allowed_fields(kind)
    return tuple(name for name in TEXT_LIMITS
                 if name in allowed and name not in ("url", "module", "registration_url", *EVENT_TEXT))


PRACTICE_TEXT = _kind_text("practice")
RESOURCE_TEXT = _kind_text("resource")
RECORD_TEXT = tuple(dict.fromkeys((*PRACTICE_TEXT, *RESOURCE_TEXT)))  # every free-text column of a record
# What the public record page shows of each kind (the JSON twin shows every field).
PRACTICE_FIELDS = tuple(n for n in PRACTICE.page_sections if n != "body")  # the template's own sections
PRACTICE_PAGE = ("title", "summary", "body", *PRACTICE_FIELDS, "city", "contact", "organisation")
RESOURCE_PAGE = ("title", "summary", "body", "learning_objectives", "city", "organisation",
                 "competence_area", "format")
# Organisation fields an administrator types (the identifier is a checked slug).
ORG_TEXT = tuple(name for name, unbound in vars(OrganisationForm).items()
                 if getattr(unbound, "field_class", None) in (StringField, TextAreaField) and name != "slug")

# Text columns that no person writes as free text (codes, server-made values, the shipped corpus), with why; every
# other String/Text column of the model must be swept below, so a new one fails test_every_text_column_is_swept.
NOT_FREE_TEXT = {
    "records": {"external_id": "checked id", "kind": "code", "lang": "code", "status": "code", "country": "code",
                "start_date": "checked date", "end_date": "checked date", "audience": "code", "level": "code",
                "url": "checked web address (its own payload)", "licence": "code (one of licences.LICENCE_IDS)"},
    "event_details": {"event_type": "code", "starts_at": "checked date and time", "ends_at": "checked date and time",
                      "timezone": "checked time zone name", "registration_url": "checked web address"},
    "organisations": {"slug": "checked slug", "country": "code", "role": "corpus only"},
    "themes": {"slug": "corpus only"},
    "users": {"password_hash": "server-made", "role": "code", "ui_lang": "code"},
    "api_tokens": {"token_hash": "server-made"},
    "curriculum_paths": {"slug": "corpus only", "audience": "code"},
    "modules": {"slug": "corpus only"},
    "revisions": {"action": "code", "status": "code"},
    "attachments": {"content_type": "sniffed", "sha256": "server-made", "stored_name": "server-made",
                    "text_status": "code", "text_problem": "code", "lang": "code (the text itself is swept in "
                    "test_documents_search: a payload inside a document)"},
    "reading_lists": {"audience": "code", "notes_lang": "code", "visibility": "code", "share_token": "server-made"},
    "login_attempts": {"key": "server-made, never shown"},
    "saved_searches": {"frequency": "code", "ui_lang": "code"},
    "record_usage": {"period": "server-made month (YYYY-MM)"},
    "sign_in_sessions": {"key_hash": "server-made", "user_agent": "browser-sent, stored for the audit, never shown"},
    "invitations": {"token_hash": "server-made"},
}
SWEPT_COLUMNS = {
    "records": set(RECORD_TEXT) - {"organisation"},
    "event_details": set(EVENT_TEXT),
    "organisations": set(ORG_TEXT),
    "users": {"email", "name"},
    "api_tokens": {"name"},
    "revisions": {"comment"},
    "attachments": {"filename"},
    "reading_lists": {"title", "description"},
    "reading_list_items": {"note", "heading"},
    "cohorts": {"name"},
}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PLAIN_PRACTICE = {"lang": "en", "summary": "A plain summary.", "body": "A plain context.", "challenge": "Access.",
                  "method": "Meetings.", "results": "Loans.", "country": "IT"}


def hostile(marker: str, limit: int | None = None) -> str:
    """As many payloads as fit in `limit` characters, each carrying the marker."""
    text = ""
    for template in PAYLOADS:
        candidate = f"{text} {template.format(m=marker)}".strip()
        if limit is None or len(candidate) <= limit:
            text = candidate
    assert marker in text and "<" in text, f"no payload fits in {limit} characters"
    return text


def hostile_url(marker: str) -> str:
    # The normaliser only takes http(s) addresses without quotes or angle brackets; a single quote may still break
    # out of an attribute that is not escaped.
    return f"https://example.org/{marker}'onmouseover='window.__xss=1'"


# -- the knowledge base ------------------------------------------------------------------------------------------

@dataclass
class Sweep:
    app: Flask
    ids: dict[str, Any] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # slot ("form.title") -> the text written
    markers: dict[str, str] = field(default_factory=dict)  # slot -> its marker
    emails: dict[str, str] = field(default_factory=dict)  # role -> e-mail address of the account
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    captured: dict[str, str] = field(default_factory=dict)  # pages only seen once (flash messages, a refused form)

    def marker(self, slot: str) -> str:
        return self.markers.setdefault(slot, f"xz{len(self.markers):03d}q")

    def text(self, slot: str, limit: int | None = None) -> str:
        self.values[slot] = hostile(self.marker(slot), limit)
        return self.values[slot]

    def url(self, slot: str) -> str:
        self.values[slot] = hostile_url(self.marker(slot))
        return self.values[slot]

    def literal(self, slot: str, template: str) -> str:
        self.values[slot] = template.format(m=self.marker(slot))
        return self.values[slot]

    def slot_of(self, marker: str) -> str:
        return next((slot for slot, m in self.markers.items() if m == marker), f"unknown marker {marker}")

    def path(self, template: str) -> str:
        """`{name}` is an id, slug or URL-quoted reflected payload of the sweep (`ids`), `@slot` a slot's marker."""
        path = re.sub(r"@([\w.]+)", lambda m: self.markers[m.group(1)], template)
        return path.format(**self.ids)

    def client(self, role: str) -> FlaskClient:
        if role not in self.clients:
            client = self.app.test_client()
            if role != "anon":
                response = client.post("/login", data={"email": self.emails[role], "password": PASSWORD})
                assert response.status_code == 302, f"{role} could not sign in"
            self.clients[role] = client
        return self.clients[role]


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (302, 303)), \
        f"{response.request.method} {response.request.path}: {response.status_code} {response.get_data(as_text=True)[:600]}"
    return response


def _id_from(location: str) -> int:
    return int(re.search(r"/(\d+)(?:/edit)?(?:[#?].*)?$", location).group(1))


def _record_fields(sweep: Sweep, source: str, names: tuple[str, ...]) -> dict[str, str]:
    return {name: sweep.text(f"{source}.{name}", TEXT_LIMITS.get(name)) for name in names}


def _build(sweep: Sweep, kb: Kb) -> None:
    app = sweep.app
    with app.app_context():
        session = get_session()
        theme = session.scalars(select(Theme.slug).order_by(Theme.slug)).first()
        module = session.scalars(select(Module).order_by(Module.id)).first()
        sweep.ids.update(theme=theme, path=module.path.slug, module=module.slug)
        session.close()

    # `kb import`: a practice with every free-text field, and an Arabic translation of it.
    imported = {"id": "pr-en-xss", "kind": "practice", "lang": "en", "country": "IT", "themes": [theme],
                "year": 2020, **_record_fields(sweep, "imp", PRACTICE_TEXT), "url": sweep.url("imp.url")}
    translation = {"id": "pr-ar-xss", "kind": "practice", "lang": "ar", "translation_of": "pr-en-xss",
                   "country": "IT", **_record_fields(sweep, "imp_ar", ("title", "body"))}
    jsonl = kb.data_dir.parent / "hostile.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (imported, translation)) + "\n",
                     encoding="utf-8")
    result = kb("import", str(jsonl))
    assert result.exit_code == 0, result.output
    # `kb users create`: the first administrator.
    sweep.emails["admin"] = "admin@example.org"
    result = kb("users", "create", "--email", sweep.emails["admin"], "--role", "admin",
                "--name", sweep.text("user.admin.name", 200), "--password", PASSWORD)
    assert result.exit_code == 0, result.output

    # The administrator's forms: an organisation and the accounts (one with a hostile e-mail address).
    admin = sweep.client("admin")
    org_values = {name: sweep.text(f"org.{name}", getattr(Organisation.__table__.c[name].type, "length", None))
                  for name in ORG_TEXT}
    _ok(admin.post("/admin/organisations", data={**org_values, "country": "IT", "is_partner": "y"}))
    with app.app_context():
        session = get_session()
        org = session.scalar(select(Organisation).where(Organisation.name == org_values["name"]))
        sweep.ids.update(org=org.id, org_slug=org.slug)
        session.close()
    sweep.emails.update(partner="partner@example.org", editor="editor@example.org", trainer="trainer@example.org")
    # An address may hold angle brackets and quotes before the @ (the check only wants no spaces and one @).
    sweep.emails["mailer"] = sweep.literal("user.mailer.email", "<svg/onload=window.__xss='{m}'>@example.org")
    for role, account_role, organisation in (("partner", "partner", sweep.ids["org_slug"]), ("editor", "editor", ""),
                                             ("trainer", "trainer", ""), ("mailer", "partner", sweep.ids["org_slug"])):
        name = "" if role == "mailer" else sweep.text(f"user.{role}.name", 200)
        _ok(admin.post("/admin/accounts", data={"email": sweep.emails[role], "name": name, "role": account_role,
                                                "organisation": organisation, "password": PASSWORD}))
    # Without a password the person is sent a link, and the administrator is told the address.
    _ok(admin.post("/admin/accounts", data={
        "email": sweep.literal("user.ghost.email", "'\"><img/src=x/onerror=window.__xss='{m}'>@example.org"),
        "role": "trainer", "organisation": "", "name": ""}))
    sweep.captured["flash-accounts"] = _ok(admin.get("/admin/accounts"), 200).get_data(as_text=True)
    with app.app_context():
        session = get_session()
        for role in ("partner", "mailer"):
            sweep.ids[role] = session.scalar(select(User.id).where(User.email == sweep.emails[role]))
        session.close()
    partner, editor, mailer = sweep.client("partner"), sweep.client("editor"), sweep.client("mailer")

    # The submission form: a practice with every field of the form and an attachment, sent back once, then published.
    form_fields = {name: sweep.text(f"form.{name}", TEXT_LIMITS[name] - 10)
                   for name in FORM_TEXT_FIELDS if name != "url"}
    form_data = {**PLAIN_PRACTICE, **form_fields, "url": sweep.url("form.url"), "themes": [theme]}
    # A file name loses its path (so no slash here) and browsers send a double quote as %22; the upload then turns
    # angle brackets into "_", which leaves the single quotes to try breaking out of an attribute.
    attachment = sweep.literal("attachment.filename",
                               "<img src=x onerror=window.__xss='{m}'>' autofocus onfocus='window.__xss=1' x='\u202efdp.exe")
    created = _ok(partner.post("/submit/new", data={**form_data, "save": "1", "attachments": [(io.BytesIO(PDF),
                               attachment + ".pdf")]}, content_type="multipart/form-data"))
    form_id = sweep.ids["form"] = _id_from(created.headers["Location"])
    _ok(partner.post(f"/submit/{form_id}/send"))
    _ok(editor.post(f"/review/{form_id}/request-changes", data={"comment": sweep.text("comment.changes")}))
    form_data.update(title=form_data["title"] + " v2", challenge=sweep.text("form.challenge2", 19_000))
    _ok(partner.post(f"/submit/{form_id}/edit", data={**form_data, "save": "1"}))
    _ok(partner.post(f"/submit/{form_id}/send"))
    _ok(editor.post(f"/review/{form_id}/publish", data={"comment": sweep.text("comment.publish")}))
    # One left waiting for review (sent by the account with the hostile address), one sent back with a comment.
    created = _ok(mailer.post("/submit/new", data={**PLAIN_PRACTICE, "title": sweep.text("p2.title", 300),
                                                   "save": "1"}))
    sweep.ids["p2"] = _id_from(created.headers["Location"])
    _ok(mailer.post(f"/submit/{sweep.ids['p2']}/send"))
    created = _ok(partner.post("/submit/new", data={**PLAIN_PRACTICE, "title": sweep.text("p3.title", 300),
                                                    "save": "1"}))
    sweep.ids["p3"] = _id_from(created.headers["Location"])
    _ok(partner.post(f"/submit/{sweep.ids['p3']}/send"))
    _ok(editor.post(f"/review/{sweep.ids['p3']}/request-changes", data={"comment": sweep.text("comment.p3")}))

    # The JSON API with an editor's token (named with a payload): a resource with every free-text field.
    tokens_page = _ok(editor.post("/account/tokens", data={"name": sweep.text("token.name", 100)}), 201)
    secret = re.search(r'value="(kb_[\w-]+)"', tokens_page.get_data(as_text=True)).group(1)
    bearer = {"Authorization": f"Bearer {secret}"}
    resource = {"kind": "resource", "lang": "en", "country": "IT", "themes": [theme], "audience": "operator",
                "level": "beginner", "duration_minutes": 45, "year": 2023, "path": sweep.ids["path"],
                "module": sweep.ids["module"], "position": 1,
                **_record_fields(sweep, "api", RESOURCE_TEXT), "url": sweep.url("api.url")}
    created = _ok(app.test_client().post("/api/v1/records", json=resource, headers=bearer), 201)
    sweep.ids["api"] = created.get_json()["id"]
    # An event through the same API: its own free text, a programme session and a co-organiser carry payloads.
    event = {"kind": "event", "lang": "en", "country": "IT", "themes": [theme], "event_type": "conference",
             "starts_at": "2027-04-15 09:30", "ends_at": "2027-04-15 17:30", "timezone": "Europe/Rome",
             "title": sweep.text("event.title", TEXT_LIMITS["title"]), "summary": sweep.text("event.summary", 3000),
             "body": sweep.text("event.body", 3000), "venue": sweep.text("event.venue", TEXT_LIMITS["venue"]),
             "outcomes": sweep.text("event.outcomes", 3000), "co_organisers": [sweep.text("event.coorg", 200)],
             "programme": [{"start": "2027-04-15 10:00", "title": sweep.text("event.session", 300),
                            "speakers": sweep.text("event.speakers", 500), "lang": "en"}]}
    created = _ok(app.test_client().post("/api/v1/records", json=event, headers=bearer), 201)
    sweep.ids["event"] = created.get_json()["id"]
    refused = app.test_client().post("/api/v1/records", headers=bearer, json={
        "kind": "practice", "lang": "en", "title": "A link", "body": "Text.", "url": "javascript:window.__xss=1"})
    assert refused.status_code == 400 and "url" in refused.get_json()["error"]["message"]
    refused = _ok(partner.post("/submit/new", data={
        **PLAIN_PRACTICE, "title": sweep.text("refused.title", 300), "year": "next year", "save": "1",
        "url": sweep.literal("refused.url", "javascript:window.__xss='{m}'")}), 200)
    sweep.captured["form-refused"] = refused.get_data(as_text=True)
    assert "http://" in sweep.captured["form-refused"]  # the form says why, and shows what was typed again

    # A record from before the address check (or written around it): its page must not link a javascript: URL.
    with app.app_context():
        session = get_session()
        legacy = new_record("practice")
        session.add(legacy)
        apply_record(session, legacy, {"kind": "practice", "lang": "en", "country": "IT",
                                       "title": sweep.text("legacy.title", 300), "body": "Kept from an old system.",
                                       "url": sweep.literal("legacy.url", " JaVaScRiPt:window.__xss='{m}'")})
        publish(legacy)
        add_revision(session, legacy, "imported")
        session.commit()
        sweep.ids["legacy"] = legacy.id
        ids = dict(session.execute(select(Record.external_id, Record.id)).all())
        sweep.ids.update(imp=ids["pr-en-xss"], imp_ar=ids["pr-ar-xss"])
        sweep.ids["attachment"] = session.scalar(select(Attachment.id).where(Attachment.record_id == form_id))
        session.close()

    # A trainer's public reading list with a section, notes, and a copy of it.
    trainer = sweep.client("trainer")
    created = _ok(trainer.post("/lists/new", data={
        "title": sweep.text("list.title", 200), "description": sweep.text("list.description"), "audience": "operator",
        "notes_lang": "ar", "visibility": "public"}))
    list_id = sweep.ids["list"] = _id_from(created.headers["Location"])
    _ok(trainer.post(f"/lists/{list_id}/headings", data={"heading": sweep.text("list.heading", 200)}))
    for key in ("form", "api", "imp"):
        _ok(trainer.post("/lists/add", data={"record_id": sweep.ids[key], "list_id": str(list_id),
                                             "note": sweep.text(f"list.note.{key}", 4000), "next": ""}))
    created = _ok(trainer.post(f"/lists/{list_id}/copy", data={"title": sweep.text("copy.title", 200)}))
    sweep.ids["copy"] = _id_from(created.headers["Location"])
    # The copy opens with the messages of every step above, which name the records and lists.
    sweep.captured["flash-lists"] = _ok(trainer.get(created.headers["Location"]), 200).get_data(as_text=True)

    # A trainer's cohort of the hostile organisation, two invitations, and a learner who signs up through one, passes
    # the first module's self-check and leaves its (hostile) resource to continue with.
    created = _ok(trainer.post("/cohorts", data={"name": sweep.text("cohort.name", 200), "path": sweep.ids["path"],
                                                 "organisation": sweep.ids["org_slug"]}))
    cohort_id = sweep.ids["cohort"] = _id_from(created.headers["Location"])
    tokens = []
    for _ in range(2):
        invited = _ok(trainer.post(f"/cohorts/{cohort_id}/invitations", data={"days": "7"}), 201)
        tokens.append(re.search(r'/join/([\w-]+)"', invited.get_data(as_text=True)).group(1))
    sweep.ids["invitation"] = tokens[1]
    sweep.emails["learner"] = "learner@example.org"
    _ok(app.test_client().post(f"/join/{tokens[0]}", data={
        "name": sweep.text("user.learner.name", 200), "email": sweep.emails["learner"], "password": PASSWORD,
        "confirm": PASSWORD}))
    with app.app_context():
        session = get_session()
        questions = session.scalar(select(Module).where(Module.slug == sweep.ids["module"])).self_check
        session.close()
    _ok(sweep.client("learner").post(f"/learning/modules/{sweep.ids['module']}/check",
                                     data={f"q-{q['id']}": str(q["answer"]) for q in questions}), 200)

    # Reflected input, for the pages that echo what they are given.
    sweep.ids["reflected_q"] = quote(sweep.text("reflected.q", 400), safe="")
    sweep.ids["reflected_slug"] = quote(sweep.literal("reflected.slug", "<img src=x onerror=window.__xss='{m}'>"), safe="")
    sweep.ids["reflected_next"] = quote(sweep.literal("reflected.next", "/\"><svg onload=window.__xss='{m}'>"), safe="")

    # The index replays the change log: every published record is found by the marker of its title.
    anon = sweep.client("anon")
    for key in ("form", "api", "imp", "imp_ar", "legacy"):
        marker = sweep.markers[f"{key}.title"]
        found = _ok(anon.get(f"/api/v1/search?q={marker}&mode=keyword"), 200).get_json()
        assert sweep.ids[key] in [r["id"] for r in found["results"]], f"{key} is not searchable by {marker}"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory, databases: FreshDatabase) -> Iterator[Sweep]:
    """A knowledge base of its own, holding hostile text in every field, shared by every test of this module."""
    data_dir = tmp_path_factory.mktemp("xss-sweep") / "data"
    database_url = databases.url()
    kb = Kb(data_dir, database_url)
    result = kb("init", "--no-corpus")
    assert result.exit_code == 0, result.output
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
                      "KB_INDEX_SYNC_SECONDS": 0, "WTF_CSRF_ENABLED": False, "KB_RATE_LIMIT_PER_MINUTE": 100_000})
    built = Sweep(app=app)
    try:
        _build(built, kb)
        yield built
    finally:
        dispose(app)


# -- what a page may not contain ---------------------------------------------------------------------------------

class _ActiveContent(HTMLParser):
    """Event-handler attributes, scripts and javascript: URLs carrying a payload, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hits: list[str] = []
        self._script = False
        self._data_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "__xss" in value:
                self.hits.append(f"<{tag} {name}={value!r}>")
            if name in JS_URL_ATTRIBUTES and re.match(r"\s*javascript:", value, re.IGNORECASE):
                self.hits.append(f"<{tag} {name}={value!r}>")
        # A JSON-LD block is data a browser never runs; what matters is that nothing can close it early.
        self._script = tag == "script"
        self._data_block = tag == "script" and dict(attrs).get("type") == "application/ld+json"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and self._data_block:
            try:
                json.loads(data)
            except ValueError:
                self.hits.append(f"<script type=application/ld+json> not JSON: {data[:120]}")
            if "<" in data:
                self.hits.append(f"<script type=application/ld+json> with a raw '<': {data[:120]}")
        elif self._script and "__xss" in data:
            self.hits.append(f"<script>{data[:120]}")


def raw_problems(sweep: Sweep, html: str) -> list[str]:
    """What in this HTML would run a payload (empty when the page is safe), naming the field each came from."""
    problems = []
    for slot, marker in sweep.markers.items():
        for template in MARKUP_PAYLOADS:
            if template.format(m=marker) in html:
                problems.append(f"{slot}: unescaped {template.format(m=marker)!r}")
    for slot, value in sweep.values.items():
        if "<" in value and value in html:
            problems.append(f"{slot}: unescaped {value[:80]!r}")
    scan = _ActiveContent()
    scan.feed(html)
    scan.close()
    for hit in scan.hits:
        problems.append(f"{', '.join(sweep.slot_of(m) for m in MARKER.findall(hit)) or '?'}: active content {hit}")
    for evaluated in EVALUATED_TEMPLATE.findall(html):
        problems.append(f"{sweep.slot_of(evaluated[:-2])}: template evaluated ({evaluated})")
    # Typed direction controls must not reach a page raw: an override reverses the text after it ("cv\u202efdp.exe"
    # reads "cvexe.pdf"), an isolate left open or a stray closer reorders the page around the value.
    for override in DIRECTION_OVERRIDE.finditer(html):
        problems.append(f"{', '.join(sweep.slot_of(m) for m in MARKER.findall(html[override.start():override.start() + 200])) or '?'}: "
                        f"direction override U+{ord(override.group()):04X} shown raw")
    depth = 0
    for char in ISOLATE.findall(html):
        depth = depth + 1 if char != "\u2069" else depth - 1
        if depth < 0:
            problems.append("a direction isolate is closed that was never opened")
            depth = 0
    if depth:
        problems.append(f"{depth} direction isolate(s) left open")
    return problems


def test_the_raw_check_catches_unescaped_payloads(sweep: Sweep) -> None:
    marker = sweep.markers["form.title"]
    for template in PAYLOADS[:5]:
        assert raw_problems(sweep, f"<p>{template.format(m=marker)}</p>"), template
    assert raw_problems(sweep, f'<input value="{PAYLOADS[0].format(m=marker)}">')
    assert raw_problems(sweep, f"<a href='{PAYLOADS[5].format(m=marker)}'>x</a>")
    assert raw_problems(sweep, f"<a href=\"java&#115;cript:window.__xss='{marker}'\">x</a>")
    assert raw_problems(sweep, f"<p>{marker}49</p>")
    escaped = f"<p>&lt;script&gt;window.__xss=&#39;{marker}&#39;&lt;/script&gt;</p>"
    assert raw_problems(sweep, escaped) == []
    assert raw_problems(sweep, f"<p>cv\u202efdp.exe {marker}</p>")
    assert raw_problems(sweep, f"<p>\u2067{marker}</p>") and raw_problems(sweep, f"<p>{marker}\u2069</p>")
    assert raw_problems(sweep, f"<p>\u2067{marker}\u2069</p>") == []


# -- the fields ----------------------------------------------------------------------------------------------------

def test_every_text_column_is_swept() -> None:
    """A new text column fails here until it is swept (or listed, with the reason, as not free text)."""
    unswept = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text)):
                continue
            if column.name in SWEPT_COLUMNS.get(table.name, set()) | set(NOT_FREE_TEXT.get(table.name, {})):
                continue
            unswept.append(f"{table.name}.{column.name}")
    assert unswept == []
    assert set(PRACTICE_FIELDS) <= set(RECORD_TEXT) and set(FORM_TEXT_FIELDS) <= set(RECORD_TEXT) | {"url"}
    assert {"name", "description"} <= set(ORG_TEXT)


def test_payloads_are_stored_as_written(sweep: Sweep) -> None:
    """Nothing is cleaned away on input, so the pages below really are shown the payloads."""
    anon = sweep.client("anon")
    for key, names in (("imp", PRACTICE_TEXT), ("api", RESOURCE_TEXT), ("imp_ar", ("title", "body"))):
        fields = anon.get(f"/api/v1/records/{sweep.ids[key]}").get_json()["fields"]
        for name in names:
            stored = fields.get(name)
            if name == "organisation":  # the record names its organisation by slug; the name is the organisation's
                organisations = anon.get("/api/v1/organisations?per_page=100").get_json()["results"]
                stored = next(o["name"] for o in organisations if o["slug"] == stored)
            assert stored == sweep.values[f"{key}.{name}"], f"{key}.{name}"
        if key != "imp_ar":
            assert fields["url"] == sweep.values[f"{key}.url"]
    fields = anon.get(f"/api/v1/records/{sweep.ids['form']}").get_json()["fields"]
    for name in FORM_TEXT_FIELDS:
        slot = "form.challenge2" if name == "challenge" else f"form.{name}"
        expected = sweep.values[slot] + (" v2" if name == "title" else "")
        assert fields[name] == expected, slot
    listed = anon.get(f"/api/v1/lists/{sweep.ids['list']}").get_json()
    assert listed["list"]["title"] == sweep.values["list.title"]
    assert listed["list"]["description"] == sweep.values["list.description"]
    assert [e["heading"] for e in listed["entries"] if e["heading"]] == [sweep.values["list.heading"]]
    assert {e["note"] for e in listed["entries"] if e["record"]} == {sweep.values[f"list.note.{k}"]
                                                                     for k in ("form", "api", "imp")}


# -- the pages -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    name: str
    role: str  # anon, partner, mailer, editor, trainer, admin
    path: str  # see Sweep.path
    expect: tuple[str, ...] = ()  # slots whose markers must be on the page (so the check is not vacuous)
    status: int = 200


def _slots(source: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{source}.{name}" for name in names)


FORM_PAGE = tuple("form.challenge2" if n == "challenge" else f"form.{n}" for n in FORM_TEXT_FIELDS) + ("org.name",)
LIST_PAGE = ("list.title", "list.description", "list.heading", "list.note.form", "list.note.api", "list.note.imp",
             "form.title", "api.title", "imp.title", "user.trainer.name")
# The export names a record's organisation by its slug, not by its name.
EXPORTED_PRACTICE = tuple(name for name in PRACTICE_TEXT if name != "organisation")
EXPORTED_RESOURCE = tuple(name for name in RESOURCE_TEXT if name != "organisation")
HISTORY = ("comment.changes", "comment.publish", "user.partner.name", "user.editor.name", "form.challenge",
           "form.challenge2", "form.title")

PAGES = (
    # Anyone.
    Page("home", "anon", "/", ("form.title", "form.summary", "imp.title", "org.name", "imp.organisation")),
    Page("organisation", "anon", "/organisations/{org_slug}", ("org.name", "org.description", "form.title")),
    Page("organisations", "anon", "/organisations", ("org.name",)),
    Page("saved-searches", "trainer", "/alerts", ()),
    Page("search-summary", "anon", "/search?q=@form.summary", ("form.title", "form.summary", "org.name")),
    Page("search-keyword-body", "anon", "/search?q=@imp.body&mode=keyword", ("imp.title", "imp.body")),
    Page("search-resource", "anon", "/search?q=@api.title+@api.learning_objectives&mode=keyword",
         ("api.title", "api.learning_objectives", "api.organisation")),
    Page("search-filtered", "anon", "/search?q=@imp.target_group&country=IT&theme={theme}&lang=en",
         ("imp.title",)),
    Page("search-reflected", "anon", "/search?q={reflected_q}", ("reflected.q",)),
    Page("record-form", "anon", "/records/{form}", FORM_PAGE),
    Page("record-api", "anon", "/records/{api}", _slots("api", RESOURCE_PAGE) + ("api.url",)),
    Page("record-event", "anon", "/records/{event}", _slots("event", ("title", "summary", "body", "venue", "outcomes",
                                                                       "coorg", "session", "speakers"))),
    Page("events", "anon", "/events", ("event.title",)),
    Page("record-import", "anon", "/records/{imp}", _slots("imp", PRACTICE_PAGE) + ("imp.url", "imp_ar.title")),
    Page("record-import-ar", "anon", "/records/{imp_ar}", ("imp_ar.title", "imp_ar.body", "imp.title")),
    Page("record-legacy", "anon", "/records/{legacy}", ("legacy.title",)),
    Page("browse-theme", "anon", "/browse/themes/{theme}", ("form.title", "api.title", "imp.title", "org.name")),
    Page("browse-country", "anon", "/browse/countries/IT", ("org.name", "org.city", "form.title", "imp.title")),
    Page("browse-path", "anon", "/browse/paths/{path}", ("api.title",)),
    Page("browse-themes", "anon", "/browse/themes"),
    Page("browse-countries", "anon", "/browse/countries"),
    Page("overview", "anon", "/overview"),
    Page("reflected-404", "anon", "/browse/themes/{reflected_slug}", ("reflected.slug",), status=404),
    Page("login-next", "anon", "/login?next={reflected_next}", ("reflected.next",)),
    Page("lists-public", "anon", "/lists/public", ("list.title", "list.description", "user.trainer.name")),
    Page("lists-public-search", "anon", "/lists/public?q=@list.title", ("list.title",)),
    Page("lists-public-reflected", "anon", "/lists/public?q={reflected_q}", ("reflected.q",)),
    Page("list", "anon", "/lists/{list}", LIST_PAGE),
    Page("list-handout", "anon", "/lists/{list}/handout", LIST_PAGE),
    # Editors.
    Page("review-submitted", "editor", "/review", ("p2.title", "org.name", "user.mailer.email")),
    Page("review-changes", "editor", "/review?status=changes_requested", ("p3.title", "org.name")),
    Page("review-published", "editor", "/review?status=published",
         ("form.title", "api.title", "imp.title", "imp.organisation", "api.organisation")),
    Page("review-record", "editor", "/review/{form}", FORM_PAGE + HISTORY + ("attachment.filename",)),
    Page("review-waiting", "editor", "/review/{p2}", ("p2.title", "user.mailer.email")),
    Page("review-legacy", "editor", "/review/{legacy}", ("legacy.title", "legacy.url")),
    Page("history", "editor", "/submit/{form}/history", HISTORY),
    Page("edit-form", "editor", "/submit/{form}/edit", FORM_PAGE + ("attachment.filename",)),
    Page("preview", "editor", "/submit/{form}", FORM_PAGE + ("attachment.filename",)),
    Page("translate-new", "editor", "/submit/new?translation_of={form}",
         ("form.title", "form.city", "form.contact", "form.url")),
    Page("translate-search", "editor", "/submit/translate?q=@imp.title", ("imp.title", "imp.organisation")),
    Page("translate-reflected", "editor", "/submit/translate?q={reflected_q}", ("reflected.q",)),
    Page("tokens", "editor", "/account/tokens", ("token.name",)),
    Page("account-editor", "editor", "/account", ("user.editor.name",)),
    # Partners.
    Page("submissions", "partner", "/submit", ("form.title", "p2.title", "p3.title", "comment.p3", "org.name")),
    Page("sent-back", "partner", "/submit/{p3}", ("p3.title", "comment.p3")),
    Page("edit-sent-back", "partner", "/submit/{p3}/edit?check=1", ("p3.title",)),
    Page("account-partner", "partner", "/account", ("user.partner.name", "org.name")),
    Page("account-mailer", "mailer", "/account", ("user.mailer.email", "org.name")),
    # Trainers.
    Page("my-lists", "trainer", "/lists", ("list.title", "list.description", "copy.title")),
    Page("list-owner", "trainer", "/lists/{list}", LIST_PAGE),
    Page("list-edit", "trainer", "/lists/{list}/edit", ("list.title", "list.description")),
    Page("list-copy", "trainer", "/lists/{copy}", ("copy.title", "list.title", "list.heading", "list.note.form")),
    Page("list-add", "trainer", "/lists/add?record_id={form}&next={reflected_next}",
         ("form.title", "list.title", "copy.title", "reflected.next")),
    Page("record-trainer", "trainer", "/records/{form}", FORM_PAGE + ("list.title", "copy.title")),
    Page("search-trainer", "trainer", "/search?q=@form.summary", ("form.title", "list.title", "copy.title")),
    Page("search-trainer-reflected", "trainer", "/search?q={reflected_q}", ("reflected.q", "list.title")),
    Page("cohorts", "trainer", "/cohorts", ("cohort.name",)),
    Page("cohort", "trainer", "/cohorts/{cohort}", ("cohort.name", "user.learner.name", "org.name")),
    # Learners.
    Page("join", "anon", "/join/{invitation}", ("cohort.name", "org.name")),
    Page("my-learning", "learner", "/learning", ("api.title",)),
    Page("home-learner", "learner", "/", ("api.title",)),
    Page("path-learner", "learner", "/browse/paths/{path}", ("api.title",)),
    Page("record-learner", "learner", "/records/{api}", ("api.title",)),
    Page("self-check", "learner", "/learning/modules/{module}/check"),
    Page("certificate-not-yet", "learner", "/learning/paths/{path}/certificate", status=409),
    Page("account-learner", "learner", "/account", ("user.learner.name", "org.name")),
    # Administrators.
    Page("accounts", "admin", "/admin/accounts",
         ("user.admin.name", "user.partner.name", "user.editor.name", "user.trainer.name", "user.mailer.email",
          "user.ghost.email", "org.name")),
    Page("account-edit", "admin", "/admin/accounts/{partner}", ("user.partner.name",)),
    Page("account-edit-mailer", "admin", "/admin/accounts/{mailer}", ("user.mailer.email",)),
    Page("organisations", "admin", "/admin/organisations", ("org.name", "imp.organisation", "api.organisation")),
    Page("organisation-edit", "admin", "/admin/organisations/{org}", _slots("org", ORG_TEXT) + ("user.mailer.email",)),
    Page("account-admin", "admin", "/account", ("user.admin.name",)),
)
# JSON twins that a browser may also be sent to.
JSON_PAGES = (
    Page("api-record", "anon", "/api/v1/records/{form}", FORM_PAGE),
    Page("api-search", "anon", "/api/v1/search?q=@imp.body", ("imp.title", "imp.body")),
    Page("list-json", "anon", "/lists/{list}.json", LIST_PAGE),
)


def _expected_on(sweep: Sweep, page: Page, text: str) -> list[str]:
    return [slot for slot in page.expect if sweep.markers[slot] not in text]


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.name)
def test_html_page_keeps_payloads_inert(sweep: Sweep, spec: Page) -> None:
    response = sweep.client(spec.role).get(sweep.path(spec.path))
    assert response.status_code == spec.status
    assert response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert raw_problems(sweep, html) == []
    assert _expected_on(sweep, spec, html) == [], "payloads missing from the page, so it was not really tested"


CAPTURED = {
    "flash-accounts": ("user.ghost.email", "user.mailer.email", "org.name"),
    "flash-lists": ("form.title", "api.title", "imp.title", "list.title", "copy.title"),
    "form-refused": ("refused.title", "refused.url"),
}


@pytest.mark.parametrize("name", CAPTURED)
def test_pages_seen_once_keep_payloads_inert(sweep: Sweep, name: str) -> None:
    html = sweep.captured[name]
    assert raw_problems(sweep, html) == []
    assert [slot for slot in CAPTURED[name] if sweep.markers[slot] not in html] == []


@dataclass(frozen=True)
class Download:
    name: str
    role: str
    path: str
    mimetype: str
    expect: tuple[str, ...]
    attachment: bool = False


DOWNLOADS = (
    Download("api-record-form", "anon", "/api/v1/records/{form}", "application/json", FORM_PAGE),
    Download("api-record-event", "anon", "/api/v1/records/{event}", "application/json",
             _slots("event", ("title", "venue", "outcomes", "session", "speakers"))),
    Download("api-record-resource", "anon", "/api/v1/records/{api}", "application/json",
             _slots("api", RESOURCE_TEXT) + ("api.url",)),
    Download("api-record-import", "anon", "/api/v1/records/{imp}", "application/json",
             _slots("imp", PRACTICE_TEXT) + ("imp_ar.title",)),
    Download("api-search", "anon", "/api/v1/search?q=@imp.body", "application/json", ("imp.title", "imp.body")),
    Download("api-records", "anon", "/api/v1/records?per_page=100", "application/json",
             ("form.title", "api.title", "imp.title", "imp_ar.title", "legacy.title")),
    Download("api-organisations", "anon", "/api/v1/organisations?per_page=100", "application/json",
             _slots("org", ORG_TEXT) + ("imp.organisation", "api.organisation")),
    Download("api-curricula", "anon", "/api/v1/curricula", "application/json", ("api.title",)),
    Download("api-lists", "anon", "/api/v1/lists", "application/json", ("list.title", "list.description")),
    Download("api-list", "anon", "/api/v1/lists/{list}", "application/json", LIST_PAGE),
    Download("api-my-lists", "trainer", "/api/v1/lists?mine=true", "application/json", ("list.title", "copy.title")),
    Download("list-json", "anon", "/lists/{list}.json", "application/json", LIST_PAGE),
    Download("lists-public-json", "anon", "/lists/public.json", "application/json", ("list.title", "list.description")),
    Download("export-jsonl", "anon", "/api/v1/export?format=jsonl", "application/x-ndjson",
             _slots("imp", EXPORTED_PRACTICE) + _slots("api", EXPORTED_RESOURCE) + ("form.title",), attachment=True),
    Download("export-csv", "anon", "/api/v1/export?format=csv", "text/csv",
             _slots("imp", EXPORTED_PRACTICE) + _slots("api", EXPORTED_RESOURCE) + ("form.title",), attachment=True),
    Download("list-markdown", "anon", "/lists/{list}/export.md", "text/markdown",
             ("list.title", "list.description", "list.heading", "list.note.form", "form.title", "api.title",
              "imp.title", "org.name"), attachment=True),
    Download("list-csv", "anon", "/lists/{list}/export.csv", "text/csv",
             ("list.heading", "list.note.api", "form.title", "form.summary", "api.title", "imp.title", "org.name"),
             attachment=True),
    Download("list-ris", "anon", "/lists/{list}/export.ris", "application/x-research-info-systems",
             ("form.title", "api.title", "list.note.form", "org.name"), attachment=True),
    Download("list-csl-json", "anon", "/lists/{list}/export.csl.json", "application/vnd.citationstyles.csl+json",
             ("form.title", "api.summary", "list.note.imp", "imp.organisation"), attachment=True),
    Download("cohort-csv", "trainer", "/cohorts/{cohort}/progress.csv", "text/csv", ("user.learner.name",),
             attachment=True),
    Download("api-cohort", "trainer", "/api/v1/cohorts/{cohort}/progress", "application/json",
             ("cohort.name", "user.learner.name")),
    Download("api-my-progress", "learner", "/api/v1/me/progress", "application/json", ("user.learner.name",)),
    Download("attachment", "editor", "/attachments/{attachment}", "application/pdf", (), attachment=True),
)


@pytest.mark.parametrize("download", DOWNLOADS, ids=lambda d: d.name)
def test_json_and_exports_are_never_served_as_html(sweep: Sweep, download: Download) -> None:
    response = sweep.client(download.role).get(sweep.path(download.path), buffered=True)
    assert response.status_code == 200
    assert response.mimetype == download.mimetype
    assert not re.search(r"html|xml|svg", response.content_type)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if download.attachment:
        assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.get_data()
    if download.mimetype == "application/pdf":
        assert body == PDF
        assert "sandbox" in response.headers["Content-Security-Policy"]
        return
    text = body.decode("utf-8")
    assert _expected_on(sweep, download, text) == []  # the payloads are there, as data
    assert not EVALUATED_TEMPLATE.search(text)
    if download.mimetype == "text/markdown":
        # Markdown readers render inline HTML: every angle bracket of the data is backslash-escaped.
        assert re.findall(r"(?<!\\)<.{0,40}", text) == []
        assert not re.search(r"\]\(\s*javascript:", text, re.IGNORECASE)
    if download.mimetype.endswith("/json") or download.mimetype.endswith("+json"):
        json.loads(text)
    if download.mimetype == "application/x-ndjson":
        assert all(json.loads(line) for line in text.splitlines())


def test_attachment_name_is_a_safe_download_name(sweep: Sweep) -> None:
    response = sweep.client("editor").get(sweep.path("/attachments/{attachment}"), buffered=True)
    disposition = response.headers["Content-Disposition"]
    assert sweep.markers["attachment.filename"] in disposition
    assert not re.search(r"[<>\r\n]", disposition)
    assert not DIRECTION_OVERRIDE.search(unquote(disposition)), "the download name cannot read backwards"


# -- the same pages in a browser -------------------------------------------------------------------------------

SCAN = """([expected, urlAttributes]) => {
  const hits = [];
  const jsUrl = /^\\s*javascript:/i;
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") && attribute.value.includes("__xss")) hits.push(`<${element.localName} ${name}="${attribute.value}">`);
      if (urlAttributes.includes(name) && jsUrl.test(attribute.value)) hits.push(`<${element.localName} ${name}="${attribute.value}">`);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    if (script.type === "application/ld+json") {
      // Data, never run: it must be whole JSON (a payload that closed it early would leave a broken block).
      try { JSON.parse(script.textContent); } catch (e) { hits.push(`<script type=ld+json> not JSON: ${script.textContent.slice(0, 120)}`); }
    } else if ((script.textContent || "").includes("__xss")) hits.push(`<script>${script.textContent.slice(0, 120)}`);
  }
  const html = document.documentElement.outerHTML;
  return {flag: window.__xss === undefined ? null : String(window.__xss), hits,
          evaluated: document.documentElement.textContent.match(/xz\\d{3}q49/g) || [],
          missing: expected.filter((marker) => !html.includes(marker))};
}"""


@pytest.fixture(scope="module")
def sweep_server(sweep: Sweep) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, sweep.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="xss-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@dataclass
class Tab:
    page: Any
    dialogs: list[str]


@pytest.fixture(scope="module")
def role_tab(browser: Any, sweep_server: str, sweep: Sweep) -> Iterator[Callable[[str], Tab]]:
    """A browser tab per role, signed in through the sign-in form, with the pages' CSP bypassed: the escaping alone
    must keep the payloads inert (the CSP is a second line of defence, checked on every response above)."""
    made: dict[str, tuple[Any, Tab]] = {}

    def get(role: str) -> Tab:
        if role not in made:
            context = browser.new_context(base_url=sweep_server, bypass_csp=True, locale="en-GB",
                                          viewport={"width": 1280, "height": 900})
            context.set_default_timeout(20_000)
            if role != "anon":
                response = context.request.post(f"{sweep_server}/login", form={
                    "email": sweep.emails[role], "password": PASSWORD})
                landing = "/learning" if role == "learner" else "/account"  # learners land on their learning page
                assert response.ok and response.url.endswith(landing), f"{role} could not sign in"
            tab = Tab(context.new_page(), [])
            tab.page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
            made[role] = (context, tab)
        return made[role][1]

    yield get
    for context, _tab in made.values():
        context.close()


def scan_in_browser(page: Any, sweep: Sweep, expected: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(what would run a payload, naming its field; expected slots missing from the page)."""
    found = page.evaluate(SCAN, [[sweep.markers[slot] for slot in expected], list(JS_URL_ATTRIBUTES)])
    problems = []
    if found["flag"] is not None:
        problems.append(f"{sweep.slot_of(found['flag'])}: a payload ran (window.__xss = {found['flag']!r})")
    for hit in found["hits"]:
        problems.append(f"{', '.join(sweep.slot_of(m) for m in MARKER.findall(hit)) or '?'}: active content {hit}")
    for evaluated in found["evaluated"]:
        problems.append(f"{sweep.slot_of(evaluated[:-2])}: template evaluated ({evaluated})")
    return problems, [sweep.slot_of(marker) for marker in found["missing"]]


@pytest.mark.browser
def test_the_browser_check_catches_live_payloads(browser: Any, sweep: Sweep) -> None:
    """The same payloads, deliberately left unescaped in the context each one targets, are caught."""
    marker = sweep.markers["form.title"]
    contexts = [f"<p>{PAYLOADS[1]}</p>", f"<input value=\"{PAYLOADS[0]}\">", f"<p>{PAYLOADS[2]}</p>",
                f"<input value='{PAYLOADS[3]}'>", f"<textarea>{PAYLOADS[4]}</textarea>",
                f"<a href=\"{PAYLOADS[5]}\">x</a>", f"<p>{PAYLOADS[7]}</p>", "<p>{m}49</p>"]
    context = browser.new_context()
    try:
        tab = context.new_page()
        for html in contexts:
            tab.set_content(html.format(m=marker))
            problems, _missing = scan_in_browser(tab, sweep)
            assert any(p.startswith("form.title:") for p in problems), html
            tab.evaluate("() => { delete window.__xss; }")
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("spec", PAGES + JSON_PAGES, ids=lambda p: p.name)
def test_page_keeps_payloads_inert_in_a_browser(sweep: Sweep, role_tab: Callable[[str], Tab], spec: Page) -> None:
    tab = role_tab(spec.role)
    tab.dialogs.clear()
    response = tab.page.goto(sweep.path(spec.path), wait_until="load")
    assert response is not None and response.status == spec.status
    problems, missing = scan_in_browser(tab.page, sweep, spec.expect)
    assert tab.dialogs == []
    assert problems == []
    assert missing == [], "payloads missing from the page, so it was not really tested"
