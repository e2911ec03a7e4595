"""Records, themes, organisations, concepts, curricula and health as the API serves them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb_app.catalogue import add_revision, apply_record, new_record
from kb_app.db import get_session
from kb_app.interchange import normalise_record
from kb_app.kinds import LANGUAGES, PRACTICE
from kb_app.rate_limit import WindowRateLimiter
from kb_app.settings import PROJECT_ROOT

from conftest import FreshDatabase, dispose, make_app

PRACTICE_FIELDS = tuple(n for n in PRACTICE.page_sections if n != "body")  # the template's own sections


@pytest.fixture()
def api(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", WindowRateLimiter())
    return corpus_app.test_client()


def first_record(api: FlaskClient, query: str) -> dict:
    results = api.get(f"/api/v1/records?{query}&per_page=1").get_json()["results"]
    assert results, query
    return api.get(f"/api/v1/records/{results[0]['id']}").get_json()


def test_a_practice_shows_every_template_field_it_has(api: FlaskClient) -> None:
    record = first_record(api, "kind=practice&lang=en")
    fields = record["fields"]
    assert fields["kind"] == "practice" and fields["id"] == record["external_id"]
    assert fields["title"] == record["title"] and fields["body"]
    present = [name for name in PRACTICE_FIELDS if name in fields]
    assert len(present) >= 4, f"the corpus practice shows only {present}"
    assert record["url"].endswith(f"/records/{record['id']}")
    assert isinstance(record["versions"], list) and isinstance(record["related"], list)
    assert record["id"] not in {r["id"] for r in record["related"]}


def test_related_records_are_published_records_in_any_language(api: FlaskClient) -> None:
    record = first_record(api, "kind=practice&lang=it")
    assert record["related"], "a corpus practice has related material"
    for related in record["related"]:
        assert api.get(f"/api/v1/records/{related['id']}").status_code == 200


def test_a_curriculum_resource_says_where_it_sits(api: FlaskClient) -> None:
    curricula = api.get("/api/v1/curricula").get_json()["paths"]
    path = curricula[0]
    module = next(m for m in path["modules"] if m["resources"])
    resource = api.get(urlsplit(module["resources"][0]["api_url"]).path).get_json()
    assert resource["kind"] == "resource"
    assert resource["curriculum"]["path"] == path["slug"]
    assert resource["curriculum"]["module"] == module["slug"]


def test_curricula_list_both_paths_with_modules_in_order(api: FlaskClient) -> None:
    paths = {p["slug"]: p for p in api.get("/api/v1/curricula").get_json()["paths"]}
    assert set(paths) == {"operators", "entrepreneurs"}
    for path in paths.values():
        positions = [m["position"] for m in path["modules"]]
        assert positions == sorted(positions) and len(positions) >= 3
        assert set(path["titles"]) == set(LANGUAGES)
        for module in path["modules"]:
            order = [r["position"] for r in module["resources"] if r["position"] is not None]
            assert order == sorted(order)
    total = sum(len(m["resources"]) for p in paths.values() for m in p["modules"])
    assert total > 0


def test_theme_counts_agree_with_the_record_listing(api: FlaskClient) -> None:
    themes = api.get("/api/v1/themes").get_json()["themes"]
    assert len(themes) >= 10
    for theme in themes[:5]:
        assert set(theme["labels"]) == set(LANGUAGES)
        listed = api.get(f"/api/v1/records?theme={theme['slug']}&per_page=1").get_json()
        assert listed["total"] == theme["records"]


def test_organisations_page_stably_and_the_partner_filter_keeps_only_partners(api: FlaskClient) -> None:
    everyone = api.get("/api/v1/organisations?per_page=100").get_json()
    paged = [o["slug"] for page in (1, 2, 3) for o in api.get(f"/api/v1/organisations?per_page=3&page={page}").get_json()["results"]]
    assert paged == [o["slug"] for o in everyone["results"]][:9]
    partners = api.get("/api/v1/organisations?partner=true&per_page=100").get_json()
    assert 0 < partners["total"] <= everyone["total"]
    assert all(o["is_partner"] for o in partners["results"])
    assert any(o["slug"] == "enm" and o["records"] > 0 for o in partners["results"])


def test_health_reports_counts_index_state_and_encoder(api: FlaskClient) -> None:
    health = api.get("/api/v1/health").get_json()
    assert health["status"] == "ok"
    records = health["records"]
    assert records["total"] == sum(records["by_kind"].values()) == sum(records["by_language"].values()) > 0
    assert set(records["by_language"]) == set(LANGUAGES)
    assert health["index"]["records"] == records["total"]
    assert health["index"]["in_sync"] is True
    encoder = health["encoder"]
    assert encoder["name"] and encoder["dimension"] > 0 and isinstance(encoder["multilingual"], bool)
    assert encoder["path"] is None or Path(encoder["path"]).exists()


# -- concepts: a knowledge base of its own with a small thesaurus -----------------------------------

THESAURUS = [
    {"id": "microcredit", "labels": {"it": {"pref": "microcredito", "alt": ["micro-credito"]},
                                     "en": {"pref": "microcredit", "alt": ["microloan", "micro-loan"]},
                                     "fr": {"pref": "microcrédit", "alt": []}, "es": {"pref": "microcrédito"},
                                     "de": {"pref": "Mikrokredit", "alt": ["Kleinstkredit"]},
                                     "ar": {"pref": "القروض الصغيرة", "alt": []}},
     "broader": [], "narrower": ["guarantee-fund"], "related": [], "themes": ["access-to-credit"]},
    {"id": "guarantee-fund", "labels": {"en": {"pref": "guarantee fund"}, "it": {"pref": "fondo di garanzia"}},
     "broader": ["microcredit"], "narrower": [], "related": [], "themes": ["guarantee-funds"]},
    {"id": "women", "labels": {"en": {"pref": "women"}, "it": {"pref": "donne", "alt": ["donna"]}},
     "themes": ["women-entrepreneurs"], "group": "target_group"},
]


@pytest.fixture()
def thesaurus_client(tmp_path: Path, databases: FreshDatabase) -> Iterator[FlaskClient]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("themes.jsonl", "organisations.jsonl", "curriculum.json"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
    (corpus / "thesaurus.jsonl").write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in THESAURUS) + "\n",
                                            encoding="utf-8")
    app = make_app(tmp_path / "data", databases, KB_CORPUS_DIR=str(corpus))
    from kb_app.cli import ensure_schema

    with app.app_context():
        ensure_schema(app)
    yield app.test_client()
    dispose(app)


def test_concepts_carry_labels_in_every_language(thesaurus_client: FlaskClient) -> None:
    body = thesaurus_client.get("/api/v1/concepts").get_json()
    assert body["total"] == 3
    by_id = {c["id"]: c for c in body["results"]}
    micro = by_id["microcredit"]
    assert set(micro["labels"]) == set(LANGUAGES)
    assert micro["labels"]["de"] == {"pref": "Mikrokredit", "alt": ["Kleinstkredit"]}
    assert micro["labels"]["es"] == {"pref": "microcrédito", "alt": []}
    assert micro["narrower"] == ["guarantee-fund"]
    fund = by_id["guarantee-fund"]
    assert fund["labels"]["ar"] == {"pref": None, "alt": []}
    assert "q=microcredit" in micro["search_url"]
    assert by_id["women"]["group"] == "target_group" and micro["group"] is None


def test_concepts_filter_by_theme_and_page(thesaurus_client: FlaskClient) -> None:
    body = thesaurus_client.get("/api/v1/concepts?theme=guarantee-funds").get_json()
    assert [c["id"] for c in body["results"]] == ["guarantee-fund"]
    second = thesaurus_client.get("/api/v1/concepts?per_page=1&page=2")
    assert [c["id"] for c in second.get_json()["results"]] == ["microcredit"]
    assert 'rel="prev"' in second.headers["Link"]


# -- only published records, anywhere ---------------------------------------------------------------

def test_unpublished_records_are_invisible_everywhere(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        draft = new_record("practice")
        session.add(draft)
        apply_record(session, draft, normalise_record({
            "id": "pr-en-draft", "kind": "practice", "lang": "en", "title": "A confidential draft about tontines",
            "body": "Rotating savings groups (tontines) as a bridge to microcredit."}))
        draft.status = "draft"
        add_revision(session, draft, "drafted")
        session.commit()
        draft_id = draft.id
    client = app.test_client()
    assert client.get(f"/api/v1/records/{draft_id}").status_code == 404
    assert client.get("/api/v1/records").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=tontines").get_json()["total"] == 0
    assert client.get("/api/v1/export").get_data(as_text=True) == ""
    assert client.get("/api/v1/health").get_json()["records"]["total"] == 0
