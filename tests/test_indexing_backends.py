"""One contract for every keyword backend (tantivy, Whoosh): the same records, queries and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexing import (
    EngineSettings,
    IndexDoc,
    IndexMismatchError,
    SearchEngine,
    SearchQuery,
)
from indexing.analysed import analyse_doc
from indexing.backends import KEYWORD_BACKENDS, open_keyword_backend
from indexing.backends.base import Range
from indexing.keyword_search import search_keywords


def record(rid: int, lang: str, title: str, summary: str = "", body: str = "", **extra) -> IndexDoc:
    return IndexDoc(
        id=rid, kind=extra.pop("kind", "practice"), lang=lang, title=title, summary=summary, body=body, **extra
    )


RECORDS = [
    record(1, "en", "Microcredit for migrant women", "Small loans and mentoring.", "A guarantee fund covers the loans.",
           themes=["access-to-credit"], country="IT"),
    record(2, "en", "Business plan coaching", "Coaches help write a business plan.", "Weekly sessions of business coaching.",
           themes=["training"], country="DE", kind="resource", audience="entrepreneur", level="beginner"),
    record(3, "it", "Microcredito per donne migranti", "Prestiti e tutoraggio.", "Il fondo di garanzia copre i prestiti.",
           themes=["access-to-credit"], country="IT"),
    record(4, "de", "Bürgschaftsfonds für Gründerinnen", "Kleinkredite mit Bürgschaft.", "Die Beratung ist kostenlos.",
           themes=["access-to-credit", "training"], country="DE"),
    record(5, "fr", "Création d'entreprise", "Accompagnement des créateurs.", "Le plan d'affaires est revu par un mentor.",
           country="FR"),
    record(6, "ar", "القروض الصغيرة للمهاجرين", "برنامج تدريب", "صندوق الضمان يغطي القروض", country="EU"),
    record(7, "en", "Fund of the city", "The plan of the fund for the city.", "", country="IT"),
]

# Query syntax of tantivy, Whoosh and Lucene: all of it is words to us, none of it may raise.
SYNTAX = [
    "title:microcredit",
    "body_en:fund",
    "rid:1",
    "lang:en microcredit",
    "micro*",
    "*",
    "?",
    "microcredit~",
    "microcredit~2",
    "microcredit^",
    "microcredit^10",
    '"unbalanced quote',
    'microcredit "fund',
    '""',
    "(microcredit",
    "microcredit)",
    "((()))",
    "[a TO z]",
    "{a TO z}",
    "AND",
    "OR",
    "NOT",
    "microcredit AND",
    "NOT microcredit",
    "microcredit OR fund NOT plan",
    "+microcredit -fund",
    "&& || !",
    "\\",
    "\\\"",
    ":",
    "/regex/",
    "a:b:c",
    "\x00microcredit\x1b",
    "",
    "   ",
]


@pytest.fixture(params=KEYWORD_BACKENDS)
def backend(request, tmp_path):
    index = open_keyword_backend(request.param, tmp_path / "keyword")
    index.add([analyse_doc(r) for r in RECORDS])
    index.commit()
    yield index
    index.close()


def found(backend, text: str, lang: str = "en", **filters) -> list[int]:
    return [hit.id for hit in search_keywords(backend, text, lang, filters=filters or None).hits]


def test_records_are_counted_and_found_by_stemmed_folded_words(backend):
    assert backend.count() == len(RECORDS)
    assert found(backend, "microcredits")[0] == 1
    assert 3 in found(backend, "MICROCRÉDITO", "it")
    assert 4 in found(backend, "burgschaftsfonds", "de")
    assert 6 in found(backend, "والقروض", "ar")


def test_title_matches_rank_above_body_matches(backend):
    assert found(backend, "fund")[:1] == [7]


def test_phrases_need_their_words_together_across_stop_words(backend):
    assert set(found(backend, '"guarantee fund"')) == {1}
    assert 7 not in found(backend, '"fund plan"')
    assert 7 in found(backend, '"plan of the fund"') and 7 in found(backend, '"plan fund"')


def test_filters_combine_or_within_and_across_keys(backend):
    assert set(found(backend, "microcredit credit fund loans", country=["IT"])) <= {1, 3, 7}
    assert found(backend, "business", kind=["resource"], level=["beginner"]) == [2]
    assert found(backend, "business", kind=["practice"]) == []
    assert set(found(backend, "credit fund plan", theme=["training", "access-to-credit"])) <= {1, 2, 3, 4}


DATED = [
    record(21, "en", "Bakery workshop", year=2019),
    record(22, "en", "Bakery workshop for women", year=2021),
    record(23, "en", "Bakery workshop week", kind="event", year=2021, starts_on="2021-05-03", ends_on="2021-05-07"),
    record(24, "en", "Bakery workshop day", kind="event", year=2022, starts_on="2022-01-10"),
    record(25, "en", "Bakery workshop notes"),
]


def test_range_filters_keep_values_in_range_and_leave_out_records_without_one(backend):
    backend.add([analyse_doc(r) for r in DATED])
    backend.commit()
    assert set(found(backend, "bakery", year=Range(2021, 2021))) == {22, 23}
    assert set(found(backend, "bakery", year=Range(2021, None))) == {22, 23, 24}
    assert set(found(backend, "bakery", year=Range(None, 2020))) == {21}
    assert set(found(backend, "bakery", year=Range())) == {21, 22, 23, 24}, "open on both sides: any year"
    # An event meets a span of days when it starts by the span's end and ends from its start; an event
    # that names no last day ends on its first.
    assert found(backend, "bakery", starts=Range(None, 20210505), ends=Range(20210505, None)) == [23]
    assert found(backend, "bakery", starts=Range(None, 20220110), ends=Range(20220110, None)) == [24]
    assert found(backend, "bakery", starts=Range(None, 20220109), ends=Range(20210508, None)) == []
    # Ranges and value filters combine.
    assert set(found(backend, "bakery", year=Range(2021, 2022), kind=["event"])) == {23, 24}
    assert found(backend, "bakery", year=Range(2019, 2022), kind=["resource"]) == []
    with pytest.raises(ValueError, match="country"):
        found(backend, "bakery", country=Range(1, 2))


def test_changes_are_seen_after_commit_and_replace_by_id(backend):
    backend.add([analyse_doc(record(1, "en", "Bicycle repair workshop"))])
    backend.delete([2, 999])
    backend.commit()
    assert backend.count() == len(RECORDS) - 1
    assert found(backend, "bicycle") == [1]
    assert 1 not in found(backend, "microcredit")
    assert found(backend, "coaching") == []


def test_misspelt_words_get_the_closest_indexed_spelling(backend):
    result = search_keywords(backend, "microcredti", "en")
    assert result.suggestion == "microcredit" and result.hits[0].id == 1
    assert backend.suggest("mentorign", 2) == "mentoring"
    assert backend.suggest("zzzzzz", 2) is None


def test_index_survives_close_and_reopen(tmp_path):
    for name in KEYWORD_BACKENDS:
        index = open_keyword_backend(name, tmp_path / name)
        index.add([analyse_doc(r) for r in RECORDS])
        index.commit()
        before = found(index, "microcredit fund")
        index.close()
        reopened = open_keyword_backend(name, tmp_path / name)
        assert reopened.count() == len(RECORDS) and found(reopened, "microcredit fund") == before
        reopened.close()


def test_both_backends_rank_alike(tmp_path):
    rankings = {}
    for name in KEYWORD_BACKENDS:
        index = open_keyword_backend(name, tmp_path / name)
        index.add([analyse_doc(r) for r in RECORDS])
        index.commit()
        rankings[name] = [found(index, q) for q in ("microcredit", "business plan", "fund", '"guarantee fund"')]
        index.close()
    first, *others = rankings.values()
    for other in others:
        assert [r[:1] for r in other] == [r[:1] for r in first]
        assert [set(r) for r in other] == [set(r) for r in first]


@pytest.mark.parametrize("text", SYNTAX)
def test_query_syntax_is_words_never_syntax(backend, text):
    result = search_keywords(backend, text, "en")
    assert all(isinstance(hit.id, int) for hit in result.hits)


def test_syntax_characters_do_not_change_what_words_find(backend):
    plain = found(backend, "microcredit")
    for text in ("title:microcredit", "microcredit~2", "microcredit^10", "(microcredit", '"microcredit', "microcredit*"):
        assert set(found(backend, text)) >= set(plain), text
    # NOT is a word (an English stop word), not negation: the records with the other word are found.
    assert set(found(backend, "NOT microcredit")) == set(plain)
    assert found(backend, "rid:1") == found(backend, "rid 1")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('ab :*~^"()[]{}+-!&|\\/?AND OR NOT')), max_size=40))
def test_any_mix_of_syntax_characters_never_raises(backend, text):
    search_keywords(backend, text, "en")


def test_an_index_of_another_backend_is_refused_with_the_reason(tmp_path):
    first, second = KEYWORD_BACKENDS[0], KEYWORD_BACKENDS[1]
    index = open_keyword_backend(first, tmp_path / "keyword")
    index.add([analyse_doc(RECORDS[0])])
    index.commit()
    index.close()
    with pytest.raises(IndexMismatchError, match=f"built by {first}.*configured keyword backend is {second}.*rebuild"):
        open_keyword_backend(second, tmp_path / "keyword")


def test_an_unknown_backend_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown keyword backend 'lucene'; use one of tantivy, whoosh"):
        open_keyword_backend("lucene", tmp_path / "keyword")


def test_engine_rebuilds_an_index_another_backend_built(tmp_path: Path):
    whoosh = SearchEngine.open(tmp_path / "index", settings=EngineSettings(keyword_backend="whoosh"))
    whoosh.upsert(RECORDS[:3])
    whoosh.close()
    with pytest.raises(IndexMismatchError, match="rebuild"):
        SearchEngine.open(tmp_path / "index", settings=EngineSettings(keyword_backend="tantivy"))
    engine = SearchEngine.open(
        tmp_path / "index", settings=EngineSettings(keyword_backend="tantivy"), on_mismatch="reset"
    )
    assert engine.needs_rebuild and engine.ids() == set()
    engine.rebuild(RECORDS)
    results = engine.search(SearchQuery(text="microcredit", mode="keyword"))
    assert results.hits[0].id == 1 and engine.stats()["keyword_records"] == len(RECORDS)
    engine.close()
