"""Atom feeds of searches, themes and countries, read with feedparser as a feed reader would."""
from __future__ import annotations

import re

import feedparser
import pytest
from flask.testing import FlaskClient


def feed(client: FlaskClient, path: str, **args: str):  # noqa: ANN201 - feedparser's dict
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    return parsed


def record_ids(parsed) -> list[int]:  # noqa: ANN001
    return [int(re.search(r"/records/(\d+)$", e.link).group(1)) for e in parsed.entries]


def test_a_filtered_search_feed_has_the_newest_matching_records(corpus_client: FlaskClient) -> None:
    parsed = feed(corpus_client, "/feeds/search.atom", country="IT", kind="practice", ui="en")
    assert parsed.entries
    assert parsed.feed.title.startswith("M.I.C.R.O.: ") and "Italy" in parsed.feed.title
    for record_id in record_ids(parsed):
        data = corpus_client.get(f"/api/v1/records/{record_id}").get_json()
        assert data["country"] == "IT" and data["kind"] == "practice"
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    first = parsed.entries[0]
    assert first.id.startswith("http://localhost/records/id/")  # the permanent link is the entry's id
    assert first.title and first.summary
    assert any(link.rel == "self" for link in parsed.feed.links)


def test_a_query_feed_keeps_to_the_search_results(corpus_client: FlaskClient) -> None:
    parsed = feed(corpus_client, "/feeds/search.atom", q="microcredito donne", theme="access-to-credit")
    assert "“microcredito donne”" in parsed.feed.title
    found: set[int] = set()
    for page in (1, 2):
        results = corpus_client.get("/api/v1/search", query_string={
            "q": "microcredito donne", "theme": "access-to-credit", "per_page": 100, "page": page}).get_json()
        found |= {r["id"] for r in results["results"]}
    assert parsed.entries and set(record_ids(parsed)) <= found
    assert all(any(t.term == "access-to-credit" for t in e.tags) for e in parsed.entries)


def test_theme_and_country_feeds(corpus_client: FlaskClient) -> None:
    theme = feed(corpus_client, "/feeds/themes/mentoring.atom")
    assert theme.entries and all(any(t.term == "mentoring" for t in e.tags) for e in theme.entries)
    country = feed(corpus_client, "/feeds/countries/es.atom")
    for record_id in record_ids(country)[:5]:
        assert corpus_client.get(f"/api/v1/records/{record_id}").get_json()["country"] == "ES"
    assert corpus_client.get("/feeds/themes/no-such-theme.atom").status_code == 404
    assert corpus_client.get("/feeds/countries/ZZ.atom").status_code == 404


@pytest.mark.parametrize("args", [
    {"kind": "recipe"}, {"lang": "xx"}, {"country": "Spain"}, {"theme": "Not A Slug"}, {"colour": "red"},
    {"mode": "psychic"}, {"q": "x" * 6000},
])
def test_invalid_filters_are_a_400(corpus_client: FlaskClient, args: dict[str, str]) -> None:
    response = corpus_client.get("/feeds/search.atom", query_string=args)
    assert response.status_code == 400


def test_the_lang_filter_does_not_switch_the_interface(corpus_client: FlaskClient) -> None:
    parsed = feed(corpus_client, "/feeds/search.atom", lang="de", ui="en")
    assert all(e.get("language", "de") == "de" for e in parsed.entries)
    response = corpus_client.get("/feeds/search.atom", query_string={"lang": "de"}, headers={"Accept-Language": "en"})
    assert b'xml:lang="en"' in response.data


def test_results_and_browse_pages_link_their_feeds(corpus_client: FlaskClient) -> None:
    html = corpus_client.get("/search", query_string={"q": "microcredit", "country": "ES", "ui": "en"}).text
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/search.atom?q=microcredit&amp;country=ES"' in html
    assert ">Follow this search</a>" in html
    theme_page = corpus_client.get("/browse/themes/mentoring?ui=en").text
    assert 'href="/feeds/themes/mentoring.atom"' in theme_page
    assert 'href="/feeds/countries/IT.atom"' in corpus_client.get("/browse/countries/IT").text
