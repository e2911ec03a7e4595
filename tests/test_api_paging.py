"""Search and listings through the API: filters, facets, matched_by, pages and RFC 8288 Link headers."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb_app.kinds import LANGUAGES
from kb_app.rate_limit import WindowRateLimiter

LINK = re.compile(r'<([^>]+)>;\s*rel="([a-z]+)"')


@pytest.fixture()
def api(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", WindowRateLimiter())
    return corpus_app.test_client()


def links(header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(header or "")}


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_paging_through_records_by_next_links_sees_every_published_record_once_in_id_order(api: FlaskClient) -> None:
    url = "/api/v1/records?per_page=17"
    seen: list[int] = []
    pages = 0
    total = None
    while url:
        response = api.get(url)
        assert response.status_code == 200
        body = response.get_json()
        total = body["total"] if total is None else total
        assert body["total"] == total
        seen.extend(r["id"] for r in body["results"])
        rels = links(response.headers.get("Link"))
        assert {"first", "last"} <= set(rels)
        url = relative(rels["next"]) if "next" in rels else ""
        pages += 1
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 17)
    health = api.get("/api/v1/health").get_json()
    assert total == health["records"]["total"]


def test_link_header_on_a_middle_page_keeps_the_query_and_points_both_ways(api: FlaskClient) -> None:
    response = api.get("/api/v1/records?kind=practice&lang=it&lang=es&per_page=5&page=2")
    body = response.get_json()
    rels = links(response.headers["Link"])
    assert set(rels) == {"first", "prev", "next", "last"}
    for rel, page in (("first", "1"), ("prev", "1"), ("next", "3"), ("last", str(-(-body["total"] // 5)))):
        query = parse_qs(urlsplit(rels[rel]).query)
        assert query["page"] == [page]
        assert query["lang"] == ["it", "es"] and query["kind"] == ["practice"] and query["per_page"] == ["5"]
    assert all(r["kind"] == "practice" and r["lang"] in ("it", "es") for r in body["results"])


def test_the_last_page_has_no_next_link_and_the_first_no_prev(api: FlaskClient) -> None:
    first = api.get("/api/v1/records?per_page=100")
    assert "prev" not in links(first.headers["Link"])
    last_url = relative(links(first.headers["Link"])["last"])
    last = api.get(last_url)
    assert "next" not in links(last.headers["Link"])
    assert last.get_json()["results"], "the last page is not empty"


def test_search_results_carry_scores_snippets_and_why_they_matched(api: FlaskClient) -> None:
    response = api.get("/api/v1/search?q=microcredit+guarantee+fund&per_page=20")
    body = response.get_json()
    assert body["total"] > 0
    assert body["query"]["q"] == "microcredit guarantee fund"
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in body["results"]:
        assert result["api_url"].endswith(f"/api/v1/records/{result['id']}")
        legs = {name for name, why in result["matched_by"].items() if why}
        assert legs, f"result {result['id']} does not say how it was found"
        if result["matched_by"]["keyword"]:
            assert result["matched_by"]["keyword"]["rank"] >= 1
    assert set(body["facets"]) >= {"kind", "lang", "theme", "country"}
    assert sum(body["facets"]["kind"].values()) == body["total"]


def test_an_italian_query_reaches_other_languages_and_names_the_bridging_concepts(api: FlaskClient) -> None:
    body = api.get("/api/v1/search?q=fondo+di+garanzia+per+il+microcredito&per_page=50").get_json()
    assert body["query"]["detected_lang"] == "it"
    concepts = body["query"]["concepts"]
    assert concepts, "the thesaurus recognises the query's concepts"
    assert all(set(c["labels"]) == set(LANGUAGES) for c in concepts)
    bridged = [r for r in body["results"] if r["lang"] != "it" and r["matched_by"]["concept"]]
    assert {r["lang"] for r in bridged} >= {"en", "de"}
    assert all(c["id"] in {q["id"] for q in concepts} for r in bridged for c in r["matched_by"]["concept"]["concepts"])


def test_search_pages_follow_each_other_without_overlap(api: FlaskClient) -> None:
    first = api.get("/api/v1/search?q=business+plan&per_page=5")
    rels = links(first.headers["Link"])
    second = api.get(relative(rels["next"]))
    assert second.get_json()["page"] == 2
    assert parse_qs(urlsplit(rels["next"]).query)["q"] == ["business plan"]
    ids_1 = [r["id"] for r in first.get_json()["results"]]
    ids_2 = [r["id"] for r in second.get_json()["results"]]
    assert ids_1 and ids_2 and not set(ids_1) & set(ids_2)
    assert first.get_json()["total"] == second.get_json()["total"]


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_each_mode_honours_the_filters(api: FlaskClient, mode: str) -> None:
    body = api.get(f"/api/v1/search?q=credito&mode={mode}&kind=resource&lang=es&per_page=50").get_json()
    assert body["query"]["mode"] == mode
    assert body["query"]["filters"] == {"kind": ["resource"], "lang": ["es"]}
    assert all(r["kind"] == "resource" and r["lang"] == "es" for r in body["results"])
    # Each facet is counted with the other facets' filters but not its own.
    assert body["facets"]["lang"].get("es", 0) == body["facets"]["kind"].get("resource", 0) == body["total"]


def test_keyword_mode_reports_only_keyword_matches(api: FlaskClient) -> None:
    body = api.get("/api/v1/search?q=tutoring&mode=keyword").get_json()
    assert body["results"]
    for result in body["results"]:
        assert result["matched_by"]["keyword"] is not None
        assert result["matched_by"]["semantic"] is None


def test_a_filter_alone_browses_the_matching_records(api: FlaskClient) -> None:
    body = api.get("/api/v1/search?theme=guarantee-funds&per_page=100").get_json()
    listed = api.get("/api/v1/records?theme=guarantee-funds&per_page=100").get_json()
    assert body["total"] == listed["total"] > 0
    assert {r["id"] for r in body["results"]} == {r["id"] for r in listed["results"]}


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/search?q=x&per_page=101", "per_page"),
    ("/api/v1/search?q=x&page=0", "page"),
    ("/api/v1/records?per_page=101", "per_page"),
    ("/api/v1/records?page=-1", "page"),
    ("/api/v1/records?lang=xx", "lang"),
    ("/api/v1/organisations?per_page=many", "per_page"),
    ("/api/v1/concepts?page=1.5", "page"),
])
def test_page_sizes_and_numbers_out_of_range_are_refused_naming_the_parameter(api: FlaskClient, url: str, parameter: str) -> None:
    response = api.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(f"{parameter}:")


def test_a_4000_character_arabic_query_gets_an_answer_without_a_giant_link_header(api: FlaskClient) -> None:
    query = ("قرض صغير لرواد الأعمال المهاجرين " * 200)[:4000]
    response = api.get("/api/v1/search", query_string={"q": query, "per_page": 5})
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"]["q"] == query.strip() or body["query"]["q"] == query
    assert body["total"] > 0
    header_bytes = sum(len(f"{name}: {value}\r\n".encode()) for name, value in response.headers.items())
    assert header_bytes < 8192, "every header line stays within what common proxies accept"
    assert "Link" not in response.headers  # left out whole: a cut link would point at another query
    short = api.get("/api/v1/search", query_string={"q": query[:40], "per_page": 5})
    assert "next" in links(short.headers.get("Link"))
