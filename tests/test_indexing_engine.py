"""The search engine end to end on a small six-language corpus: real tantivy and Whoosh, FAISS and encoder."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexing import KEYWORD_BACKENDS, EngineSettings, IndexDoc, IndexMismatchError, SearchEngine, SearchQuery

THESAURUS = [
    {
        "id": "microcredit",
        "labels": {
            "it": {"pref": "microcredito", "alt": ["microprestito"]},
            "en": {"pref": "microcredit", "alt": ["microloan"]},
            "fr": {"pref": "microcrédit", "alt": ["microprêt"]},
            "es": {"pref": "microcrédito", "alt": ["micropréstamo"]},
            "de": {"pref": "Mikrokredit", "alt": ["Kleinkredit"]},
            "ar": {"pref": "القروض الصغيرة", "alt": ["قرض صغير"]},
        },
    },
    {
        "id": "guarantee-fund",
        "labels": {
            "it": {"pref": "fondo di garanzia"},
            "en": {"pref": "guarantee fund"},
            "fr": {"pref": "fonds de garantie"},
            "es": {"pref": "fondo de garantía"},
            "de": {"pref": "Bürgschaftsfonds", "alt": ["Garantiefonds"]},
            "ar": {"pref": "صندوق الضمان"},
        },
    },
    {
        "id": "business-plan",
        "labels": {
            "it": {"pref": "piano d'impresa", "alt": ["business plan"]},
            "en": {"pref": "business plan"},
            "fr": {"pref": "plan d'affaires"},
            "es": {"pref": "plan de negocio"},
            "de": {"pref": "Businessplan", "alt": ["Geschäftsplan"]},
            "ar": {"pref": "خطة العمل"},
        },
    },
    {
        "id": "intercultural-mediation",
        "labels": {
            "it": {"pref": "mediazione interculturale"},
            "en": {"pref": "intercultural mediation"},
            "fr": {"pref": "médiation interculturelle"},
            "es": {"pref": "mediación intercultural"},
            "de": {"pref": "interkulturelle Mediation"},
            "ar": {"pref": "الوساطة الثقافية"},
        },
    },
    {
        "id": "residence-permit",
        "labels": {
            "it": {"pref": "permesso di soggiorno"},
            "en": {"pref": "residence permit"},
            "fr": {"pref": "titre de séjour"},
            "es": {"pref": "permiso de residencia"},
            "de": {"pref": "Aufenthaltstitel"},
            "ar": {"pref": "تصريح الإقامة"},
        },
    },
]


def doc(id, kind, lang, title, summary, body, themes=(), country=None, **extra) -> IndexDoc:
    return IndexDoc(
        id=id,
        kind=kind,
        lang=lang,
        title=title,
        summary=summary,
        body=body,
        themes=list(themes),
        country=country,
        external_id=f"t-{lang}-{id:03d}",
        **extra,
    )


CORPUS = [
    doc(
        1,
        "practice",
        "it",
        "Microcredito per donne migranti a Torino",
        "Uno sportello accompagna le donne straniere dalla prima idea al finanziamento.",
        "Le operatrici aiutano a preparare la domanda di microcredito e seguono il rimborso. "
        "Un fondo di garanzia regionale copre parte del rischio della banca.",
        themes=["access-to-credit"],
        country="IT",
    ),
    doc(
        2,
        "practice",
        "es",
        "Microcrédito para mujeres emprendedoras en Madrid",
        "Una asociación ofrece crédito y tutoría a mujeres inmigrantes que abren un negocio.",
        "Las participantes reciben un microcrédito de hasta 15.000 euros y seis meses de tutoría. "
        "La entidad negocia con la caja de ahorros las condiciones del préstamo.",
        themes=["access-to-credit", "mentoring"],
        country="ES",
    ),
    doc(
        3,
        "practice",
        "de",
        "Bürgschaftsfonds für Gründerinnen mit Migrationshintergrund",
        "Eine Förderbank sichert Kleinkredite für Gründerinnen ab.",
        "Der Bürgschaftsfonds übernimmt bis zu achtzig Prozent des Ausfallrisikos. "
        "So erhalten Gründerinnen ohne Sicherheiten einen Mikrokredit für ihr Geschäft.",
        themes=["guarantee-funds"],
        country="DE",
    ),
    doc(
        4,
        "resource",
        "fr",
        "Rédiger un plan d'affaires",
        "Un module pour apprendre à construire le plan d'affaires d'une petite entreprise.",
        "La création d'une entreprise commence par une étude de marché. "
        "Le plan d'affaires présente le projet, les prévisions financières et le besoin de financement.",
        themes=["business-planning"],
        country="FR",
        audience="entrepreneur",
        level="beginner",
    ),
    doc(
        5,
        "resource",
        "en",
        "Writing a business plan for a small shop",
        "A short unit on turning a shop idea into a business plan a lender can read.",
        "Start from the customers and the competitors. Estimate sales carefully and list the loans you need.",
        themes=["business-planning"],
        country="EU",
        audience="entrepreneur",
        level="beginner",
    ),
    doc(
        6,
        "practice",
        "ar",
        "القروض الصغيرة للمهاجرين في بلنسية",
        "جمعية تساعد المهاجرين على الحصول على القُرُوض الصَّغِيرَة لبدء مشاريعهم.",
        "يقدم المستشارون المرافقة في إعداد خطة العمل ويتابعون السداد مع البنك.",
        themes=["access-to-credit"],
        country="ES",
    ),
    doc(
        7,
        "practice",
        "en",
        "Intercultural mediation at the bank counter",
        "Mediators help newcomers explain their project to bank staff.",
        "Intercultural mediation reduces misunderstandings between loan officers and migrant entrepreneurs.",
        themes=["mentoring"],
        country="BE",
    ),
    doc(
        8,
        "resource",
        "it",
        "Il permesso di soggiorno per lavoro autonomo",
        "Quali documenti servono per convertire il permesso di soggiorno e aprire una partita IVA.",
        "Il fondo dell'associazione paga la consulenza. La garanzia richiesta dalla questura è il reddito minimo.",
        themes=["legal-administrative"],
        country="IT",
        audience="operator",
        level="intermediate",
    ),
    doc(
        9,
        "practice",
        "en",
        "Financial literacy evenings for newcomers",
        "Evening classes teach recent arrivals how to budget, save and manage household money.",
        "Volunteers run six sessions on budgeting, bank accounts and avoiding debt traps.",
        themes=["financial-literacy"],
        country="BE",
    ),
    doc(
        10,
        "practice",
        "fr",
        "Accompagnement des créateurs d'entreprise réfugiés à Lyon",
        "Un incubateur suit les réfugiés pendant la création de leur entreprise.",
        "Les créateurs obtiennent un microcrédit grâce au fonds de garantie de la région.",
        themes=["access-to-credit", "mentoring"],
        country="FR",
    ),
]


@pytest.fixture(scope="module")
def thesaurus_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("thesaurus") / "thesaurus.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in THESAURUS), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=KEYWORD_BACKENDS)
def engine(request, tmp_path_factory, thesaurus_path):
    """One engine over the whole corpus per keyword backend, shared by the read-only tests of this module."""
    engine = SearchEngine.open(
        tmp_path_factory.mktemp("index"),
        thesaurus_path=thesaurus_path,
        settings=EngineSettings(keyword_backend=request.param),
    )
    engine.upsert(CORPUS)
    yield engine
    engine.close()


@pytest.fixture(params=KEYWORD_BACKENDS)
def small_engine(request, tmp_path, thesaurus_path):
    engine = SearchEngine.open(
        tmp_path / "index", thesaurus_path=thesaurus_path, settings=EngineSettings(keyword_backend=request.param)
    )
    engine.upsert(CORPUS[:4])
    yield engine
    engine.close()


def ids(results) -> list[int]:
    return [hit.id for hit in results.hits]


def search(engine, text, **kwargs):
    kwargs.setdefault("per_page", 20)
    return engine.search(SearchQuery(text=text, **kwargs))


# --- cross-language retrieval ---------------------------------------------------------------


def test_italian_query_finds_other_languages_through_a_concept(engine):
    results = search(engine, "microcredito", ui_lang="it")
    assert results.query_lang == "it"
    assert {2, 3, 6, 10} <= set(ids(results))  # es, de, ar, fr records
    assert [c["id"] for c in results.concepts] == ["microcredit"]
    german = next(h for h in results.hits if h.id == 3)
    bridge = german.matched_by["concept"]["concepts"][0]
    assert bridge == {"id": "microcredit", "label": "microcredito", "doc_label": "Mikrokredit"}


def test_hybrid_puts_a_cross_language_concept_match_in_the_first_page(engine):
    results = search(engine, "fondo di garanzia", ui_lang="it", per_page=5)
    assert 3 in ids(results)  # the German Bürgschaftsfonds practice
    assert 10 in ids(results)  # the French "fonds de garantie"


def test_keyword_mode_crosses_languages_by_concept_expansion(engine):
    results = search(engine, "guarantee fund", mode="keyword", ui_lang="en")
    assert {1, 3, 10} <= set(ids(results))
    french = next(h for h in results.hits if h.id == 10)
    assert "fonds de garantie" in french.matched_by["keyword"]["terms"]


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_every_explanation_has_a_rank(engine, mode):
    results = search(engine, "microcredito fondo di garanzia", mode=mode, ui_lang="it")
    assert results.hits
    for hit in results.hits:
        legs = [leg for leg in hit.matched_by.values() if leg is not None]
        assert legs and all(isinstance(leg["rank"], int) and leg["rank"] >= 1 for leg in legs)


def test_semantic_mode_finds_an_english_paraphrase(engine):
    results = search(engine, "money management classes for people who just arrived", mode="semantic")
    assert ids(results)[0] == 9
    assert results.hits[0].matched_by["semantic"]["score"] > 0.3
    assert results.hits[0].matched_by["keyword"] is None


# --- analysis ---------------------------------------------------------------------------------


def test_unaccented_query_finds_accented_words(engine):
    assert 2 in ids(search(engine, "credito mujeres", mode="keyword"))
    assert 10 in ids(search(engine, "creation entreprise refugies", mode="keyword"))


def test_arabic_query_without_article_or_with_other_spellings_matches(engine):
    assert 6 in ids(search(engine, "قروض", mode="keyword"))
    assert 6 in ids(search(engine, "القروض الصغيره", mode="keyword"))  # ه for ة
    assert 6 in ids(search(engine, "المُهاجِرين", mode="keyword"))  # with harakat


def test_stemming_matches_other_word_forms(engine):
    assert 5 in ids(search(engine, "loan", mode="keyword", ui_lang="en"))
    assert 3 in ids(search(engine, "Förderbanken", mode="keyword", ui_lang="de"))
    assert 1 in ids(search(engine, "migrante", mode="keyword", ui_lang="it"))


def test_phrase_query_needs_the_words_together(engine):
    loose = ids(search(engine, "fondo garanzia", mode="keyword", ui_lang="it"))
    phrase = ids(search(engine, '"fondo di garanzia"', mode="keyword", ui_lang="it"))
    assert 8 in loose and 8 not in phrase  # record 8 has "fondo" and "garanzia" apart
    assert 1 in phrase


def test_misspelt_query_falls_back_to_close_words(engine):
    results = search(engine, "microcreditto", mode="keyword", ui_lang="it")
    assert 1 in ids(results)
    assert results.suggestion == "microcredito"


def test_snippet_is_escaped_and_marks_matches_in_the_record_language(engine):
    results = search(engine, "microcredito", ui_lang="it")
    spanish = next(h for h in results.hits if h.id == 2)
    assert "<mark>microcrédito</mark>" in spanish.snippet
    # Markup characters in the query are separators around the one word searched; the snippet stays escaped.
    snippet = search(engine, "<credito/>&\"'", mode="keyword").hits[0].snippet
    assert "<credito" not in snippet and "<mark>" in snippet


# --- filters and facets -----------------------------------------------------------------------


def test_filters_restrict_results_and_facets_count_all_of_them(engine):
    everything = search(engine, "microcredito", ui_lang="it", per_page=1)
    assert everything.total > 1 and len(everything.hits) == 1
    assert sum(everything.facets["lang"].values()) == everything.total

    filtered = search(engine, "microcredito", ui_lang="it", filters={"lang": ["es", "de"]}, per_page=1)
    # The language facet is counted without the language filter: the other languages keep their counts.
    assert filtered.facets["lang"] == everything.facets["lang"]
    assert filtered.total == everything.facets["lang"].get("es", 0) + everything.facets["lang"].get("de", 0)
    assert filtered.total == sum(filtered.facets["kind"].values())
    page2 = search(engine, "microcredito", ui_lang="it", filters={"lang": ["es", "de"]}, per_page=1, page=2)
    assert {h.lang for h in filtered.hits + page2.hits} <= {"es", "de"}

    themed = search(engine, "plan", filters={"theme": ["business-planning"], "level": ["beginner"]})
    assert set(ids(themed)) == {4, 5}


def _crowded_engine(folder: Path, thesaurus_path: Path, backend: str) -> SearchEngine:
    """Ten Italian practices about microcredit and, far down any ranking of the word, three Belgian records
    that mention it once (two practices, one resource), with a small over-fetch."""
    engine = SearchEngine.open(folder, thesaurus_path=thesaurus_path,
                               settings=EngineSettings(keyword_backend=backend, overfetch=5))
    cities = ["Torino", "Milano", "Bologna", "Napoli", "Bari", "Genova", "Firenze", "Verona", "Padova", "Trento"]
    crowd = [
        doc(100 + n, "practice", "it", f"Microcredito per imprese migranti a {city}",
            f"Il microcredito di {city} finanzia le piccole imprese.",
            f"Uno sportello di {city} prepara la domanda di microcredito e segue il rimborso del microcredito.",
            country="IT")
        for n, city in enumerate(cities)
    ]
    rare = [
        doc(200 + n, kind, "it", f"Orientamento al lavoro e alla formazione a Bruxelles, sede {n}",
            "Corsi di lingua, tirocini e accompagnamento alla ricerca di un impiego.",
            "Le operatrici seguono i partecipanti nei colloqui, nei corsi serali e nei tirocini in azienda; "
            "per chi vuole aprire una bottega indicano anche il microcredito di un ente partner.",
            country="BE")
        for n, kind in enumerate(["practice", "practice", "resource"])
    ]
    engine.upsert(crowd + rare)
    return engine


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
@pytest.mark.parametrize("backend", KEYWORD_BACKENDS)
def test_a_filter_on_a_rare_value_finds_every_matching_record_beyond_the_over_fetch(tmp_path, thesaurus_path,
                                                                                    backend, mode):
    engine = _crowded_engine(tmp_path / "index", thesaurus_path, backend)
    try:
        everything = search(engine, "microcredito", mode=mode, ui_lang="it", per_page=100)
        belgian = search(engine, "microcredito", mode=mode, ui_lang="it", per_page=100, filters={"country": ["BE"]})
        practices = search(engine, "microcredito", mode=mode, ui_lang="it", per_page=100,
                           filters={"country": ["BE"], "kind": ["practice"]})
    finally:
        engine.close()
    assert not {200, 201, 202} & set(ids(everything)), "the Belgian records are past the over-fetch of the word"
    # Filtered, they are the whole result set: the legs search inside the filter.
    assert set(ids(belgian)) == {200, 201, 202} and belgian.total == 3
    assert set(ids(practices)) == {200, 201} and practices.total == 2
    # Disjunctive counts: the unticked country and kind still say what ticking them would add.
    assert belgian.facets["country"]["BE"] == 3 and belgian.facets["country"]["IT"] > 0
    assert practices.facets["country"]["BE"] == 2 and practices.facets["country"]["IT"] > 0
    assert practices.facets["kind"] == {"practice": 2, "resource": 1}
    # A facet the query does not filter on is counted over the result set.
    assert practices.facets["lang"] == {"it": 2}


def test_year_and_event_date_ranges_narrow_the_set_and_the_year_facet_ignores_its_own_range(small_engine):
    dated = [
        replace(CORPUS[0], year=2018),
        replace(CORPUS[1], year=2021),
        replace(CORPUS[2], year=2021),
        doc(11, "event", "it", "Convegno sul microcredito a Roma", "Due giorni di microcredito.", "Microcredito.",
            year=2026, starts_on="2026-03-16", ends_on="2026-03-18"),
        doc(12, "event", "es", "Jornada de microcrédito en Madrid", "Un día de microcrédito.", "Microcrédito.",
            year=2027, starts_on="2027-04-15", ends_on="2027-04-15"),
    ]
    small_engine.upsert(dated)
    everything = search(small_engine, "", filters={"lang": ["it", "es", "de"]})
    assert everything.facets["year"] == {"2027": 1, "2026": 1, "2021": 2, "2018": 1}
    ranged = search(small_engine, "", filters={"lang": ["it", "es", "de"]}, year_from=2019, year_to=2026)
    assert set(ids(ranged)) == {2, 3, 11} and ranged.total == 3
    assert ranged.facets["year"] == everything.facets["year"]
    assert ranged.facets["lang"] == {"es": 1, "de": 1, "it": 1}
    # An event is kept when its days overlap the range, whichever day of it the range meets.
    assert ids(search(small_engine, "", filters={"kind": ["event"]}, date_from="2026-03-18")) == [12, 11]
    assert ids(search(small_engine, "", filters={"kind": ["event"]}, date_from="2026-03-17", date_to="2026-03-17")) == [11]
    assert ids(search(small_engine, "microcredito", date_to="2026-03-15")) == []
    # A date range leaves out what has no dates, whatever else matches.
    assert {h.id for h in search(small_engine, "microcredito", date_from="2026-01-01").hits} <= {11, 12}
    with pytest.raises(ValueError, match="year_from"):
        search(small_engine, "microcredito", year_from=2022, year_to=2020)


def test_a_record_store_without_event_dates_is_rebuilt_not_searched(tmp_path, thesaurus_path):
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    engine.upsert(CORPUS[:2])
    folder = engine.stats()["index_folder"]
    engine.close()
    with sqlite3.connect(Path(folder) / "records.sqlite") as db:  # a store written by an older version
        db.execute("ALTER TABLE records DROP COLUMN starts_on")
    with pytest.raises(IndexMismatchError, match="event dates"):
        SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    reset = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path, on_mismatch="reset")
    assert reset.needs_rebuild
    reset.close()


def test_empty_query_with_filters_browses(engine):
    results = search(engine, "", filters={"kind": ["resource"]})
    assert set(ids(results)) == {4, 5, 8} and results.total == 3
    assert search(engine, "   ").total == 0


def test_unknown_mode_or_filter_is_a_clear_error(engine):
    with pytest.raises(ValueError, match="mode"):
        search(engine, "x", mode="fuzzy")
    with pytest.raises(ValueError, match="filter"):
        search(engine, "x", filters={"colour": ["red"]})


# --- more like this ---------------------------------------------------------------------------


def test_related_records_cross_languages(engine):
    related = engine.related(3, k=5)
    assert 3 not in [h.id for h in related]
    assert any(h.lang != "de" and h.matched_by["concept"] for h in related)


# --- bad input --------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "!!!???",
    "the of and",
    "il la di per",
    "AND",
    "OR NOT",
    "*",
    '"',
    "((",
    ")",
    "a*b?c~2^3",
    "title:foo AND (bar OR",
    "'; DROP TABLE records; --",
    "<b>bold</b><script>x()</script>",
    "\x00\x01\x1b[31m",
    'microcredito "fondo',
    "x" * 5000,
    "crédito " * 900,
    "مرحبا hello Привет 你好",
    "\u202e\u200b",
    "% _ \\",
    "AND OR NOT TO",
]


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_nasty_queries_give_valid_results(engine, text, mode):
    results = engine.search(SearchQuery(text=text, mode=mode))
    assert results.total >= len(results.hits)
    assert all(isinstance(h.snippet, str) for h in results.hits)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_is_a_valid_query(engine, text):
    results = engine.search(SearchQuery(text=text, mode="hybrid"))
    assert results.total >= len(results.hits) and results.query_lang in {"it", "en", "fr", "es", "de", "ar"}


# --- upkeep -----------------------------------------------------------------------------------


def test_upsert_and_delete_are_visible_at_once(small_engine):
    new = doc(
        50,
        "practice",
        "en",
        "Street food licences for refugee cooks",
        "How a city office speeds up food stall licences.",
        "The licence desk explains hygiene rules.",
    )
    small_engine.upsert([new])
    assert 50 in ids(search(small_engine, "food stall licence", mode="keyword"))
    changed = doc(
        50, "practice", "en", "Bicycle repair workshop", "A repair shop run by newcomers.", "Tools and training."
    )
    small_engine.upsert([changed])
    assert 50 not in ids(search(small_engine, "food stall licence", mode="keyword"))
    assert 50 in ids(search(small_engine, "bicycle repair", mode="keyword"))
    small_engine.delete([50, 1])
    assert small_engine.ids() == {2, 3, 4}
    assert 1 not in ids(search(small_engine, "microcredito", ui_lang="it"))
    assert 50 not in ids(search(small_engine, "bicycle repair"))


def test_a_record_indexed_again_keeps_no_old_facet_or_concept(small_engine, tmp_path, thesaurus_path):
    first = doc(60, "practice", "it", "Microcredito per sarte", "Un fondo di garanzia.", "Prestiti a donne migranti.",
                themes=["access-to-credit"], country="IT")
    small_engine.upsert([first])
    assert 60 in ids(search(small_engine, "", filters={"theme": ["access-to-credit"], "country": ["IT"]}))
    moved = doc(60, "practice", "es", "Taller de bicicletas", "Un taller de reparación.", "Herramientas y formación.",
                themes=["business-planning"], country="ES")
    small_engine.upsert([moved])
    assert 60 not in ids(search(small_engine, "", filters={"theme": ["access-to-credit"]}))
    assert 60 not in ids(search(small_engine, "", filters={"country": ["IT"]}))
    found = search(small_engine, "", filters={"theme": ["business-planning"], "country": ["ES"]})
    assert 60 in ids(found) and found.facets["lang"].get("es", 0) >= 1 and "it" not in found.facets["lang"]
    # Its old concepts (credit, guarantee fund, women) no longer bring it up; the slot it frees is reused.
    assert 60 not in ids(search(small_engine, "fondo di garanzia microcredito donne", mode="keyword", per_page=50))
    small_engine.delete([60])
    small_engine.upsert([first])
    assert 60 in ids(search(small_engine, "fondo di garanzia", mode="keyword"))
    assert 60 not in ids(search(small_engine, "", filters={"country": ["ES"]}))


def test_index_survives_close_and_reopen(tmp_path, thesaurus_path):
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    engine.upsert(CORPUS[:5])
    engine.delete([2])
    before = ids(search(engine, "microcredito", ui_lang="it"))
    engine.close()
    reopened = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    assert reopened.ids() == {1, 3, 4, 5}
    assert ids(search(reopened, "microcredito", ui_lang="it")) == before
    assert reopened.stats()["records"] == 4 and reopened.stats()["passages"] >= 8
    reopened.close()


def test_the_index_keeps_the_settings_it_was_tuned_with(tmp_path, thesaurus_path):
    tuned = EngineSettings(dense_min_score=0.61, dense_relative_floor=0.8, keyword_min_score=0.4, overfetch=50)
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path, settings=tuned)
    engine.upsert(CORPUS[:3])
    engine.close()
    saved = json.loads(next((tmp_path / "index").glob("gen-*/engine.json")).read_text(encoding="utf-8"))
    assert saved["settings"]["dense_min_score"] == 0.61 and saved["settings"]["overfetch"] == 50
    reopened = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    assert reopened.settings == tuned, "opened without settings, the index uses those it was saved with"
    reopened.close()
    chosen = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path, settings=EngineSettings())
    assert chosen.settings == EngineSettings(), "settings given on open win over the saved ones"
    chosen.close()


def test_a_stricter_floor_only_cuts_the_result_set(tmp_path, thesaurus_path):
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path,
                               settings=EngineSettings(dense_min_score=0, semantic_min_score=0, dense_relative_floor=0,
                                                       keyword_min_score=0, concept_min_match=0))
    engine.upsert(CORPUS)
    loose = ids(search(engine, "microcredito per donne", mode="semantic", ui_lang="it", per_page=100))
    engine.settings.semantic_min_score = 0.5  # semantic mode's own absolute floor
    strict = ids(search(engine, "microcredito per donne", mode="semantic", ui_lang="it", per_page=100))
    engine.close()
    assert len(loose) == len(CORPUS) and 0 < len(strict) < len(loose)
    assert strict == [rid for rid in loose if rid in strict], "the floor cuts the tail; the order stays"


def test_a_search_by_meaning_keeps_the_records_of_the_query_concept_below_its_floor(tmp_path, thesaurus_path):
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path,
                               settings=EngineSettings(semantic_min_score=0.99))  # no record reaches it by cosine
    engine.upsert(CORPUS)
    found = search(engine, "Bürgschaftsfonds", mode="semantic", ui_lang="de", per_page=100)
    engine.settings.semantic_min_score = 0.0
    by_cosine = ids(search(engine, "Bürgschaftsfonds", mode="semantic", ui_lang="de", per_page=100))
    engine.close()
    # The records naming a guarantee fund (the Italian, German and French practices), in the order of their cosine.
    assert set(ids(found)) == {1, 3, 10} and found.total == 3
    assert ids(found) == [rid for rid in by_cosine if rid in (1, 3, 10)]
    assert all(hit.matched_by["concept"] for hit in found.hits)


def _other_model(folder: Path) -> str:
    """A tiny static-embedding sentence-transformers model (another model, another dimension)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    from indexing.encoders import teacher_model_path

    tokenizer = Tokenizer.from_file(str(Path(teacher_model_path()) / "tokenizer.json"))
    SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=16)]).save(str(folder))
    return str(folder)


def test_index_built_with_another_model_is_refused(tmp_path, thesaurus_path):
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    engine.upsert(CORPUS[:2])
    engine.close()
    other = _other_model(tmp_path / "tiny-model")
    with pytest.raises(IndexMismatchError, match="rebuild"):
        SearchEngine.open(tmp_path / "index", encoder=other, thesaurus_path=thesaurus_path)
    fresh = SearchEngine.open(tmp_path / "index", encoder=other, thesaurus_path=thesaurus_path, on_mismatch="reset")
    assert fresh.needs_rebuild and fresh.ids() == set()
    fresh.rebuild(CORPUS[:3])
    assert fresh.ids() == {1, 2, 3} and fresh.stats()["dimension"] == 16 and not fresh.needs_rebuild
    fresh.close()


def test_failed_rebuild_leaves_the_old_index_serving(small_engine, thesaurus_path):
    def broken_source():
        yield CORPUS[4]
        yield CORPUS[5]
        raise RuntimeError("database went away")

    folders_before = sorted(p.name for p in small_engine.index_dir.iterdir())
    with pytest.raises(RuntimeError, match="went away"):
        small_engine.rebuild(broken_source())
    assert small_engine.ids() == {1, 2, 3, 4}
    assert 3 in ids(search(small_engine, "Bürgschaftsfonds"))
    assert sorted(p.name for p in small_engine.index_dir.iterdir()) == folders_before

    seen = []
    assert small_engine.rebuild(iter(CORPUS[4:7]), progress=seen.append) == 3
    assert small_engine.ids() == {5, 6, 7} and seen[-1] == 3
    assert 7 in ids(search(small_engine, "intercultural mediation"))
    reopened = SearchEngine.open(small_engine.index_dir, thesaurus_path=thesaurus_path, settings=small_engine.settings)
    assert reopened.ids() == {5, 6, 7}
    reopened.close()


def test_searches_run_while_records_are_written(small_engine):
    import threading

    errors: list[BaseException] = []

    def searcher():
        try:
            for text in ["microcredito", "Bürgschaftsfonds", "plan d'affaires", "crédito"] * 5:
                small_engine.search(SearchQuery(text=text))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n, record in enumerate(CORPUS[4:], start=1):
        small_engine.upsert([record])
        if n % 2:
            small_engine.delete([record.id])
    for thread in threads:
        thread.join()
    assert errors == []
    assert small_engine.ids() == {1, 2, 3, 4, 6, 8, 10}


def test_a_changed_thesaurus_retags_records_on_open(tmp_path, thesaurus_path):
    smaller = tmp_path / "thesaurus.jsonl"
    smaller.write_text(json.dumps(THESAURUS[0]), encoding="utf-8")  # only "microcredit"
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=smaller)
    engine.upsert([CORPUS[6]])  # the English intercultural mediation practice
    engine.close()
    reopened = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path)
    results = search(reopened, "mediazione interculturale", ui_lang="it")
    bridge = results.hits[0].matched_by["concept"]
    assert bridge["rank"] == 1 and bridge["concepts"][0]["doc_label"] == "intercultural mediation"
    reopened.close()


def _crowded_events(folder: Path, thesaurus_path: Path, backend: str) -> SearchEngine:
    """Ten Italian events of 2026 about a help desk (a word no concept holds, so only the keyword leg finds it)
    and, far down any ranking of the word, four of 2027 that
    mention it once (three of them on 15 April 2027),, one resource of no year that does too; a small over-fetch."""
    engine = SearchEngine.open(folder, thesaurus_path=thesaurus_path,
                               settings=EngineSettings(keyword_backend=backend, overfetch=5))
    cities = ["Torino", "Milano", "Bologna", "Napoli", "Bari", "Genova", "Firenze", "Verona", "Padova", "Trento"]
    crowd = [
        doc(100 + n, "event", "it", f"Lo sportello per imprese migranti apre a {city}",
            f"Lo sportello di {city} accoglie le piccole imprese.",
            f"Uno sportello di {city} prepara la domanda e lo sportello segue il rimborso.",
            country="IT", year=2026, starts_on=f"2026-05-{n + 10:02d}", ends_on=f"2026-05-{n + 10:02d}")
        for n, city in enumerate(cities)
    ]
    rare_days = [("2027-04-14", "2027-04-15"), ("2027-04-15", None), ("2027-04-15", "2027-04-20"), ("2027-06-01", None)]
    rare = [
        doc(200 + n, "event", "it", f"Orientamento al lavoro e alla formazione a Bruxelles, sede {n}",
            "Corsi di lingua, tirocini e accompagnamento alla ricerca di un impiego.",
            "Le operatrici seguono i partecipanti nei colloqui, nei corsi serali e nei tirocini in azienda; "
            "per chi vuole aprire una bottega indicano anche lo sportello di un ente partner.",
            country="BE", year=2027, starts_on=first, ends_on=last)
        for n, (first, last) in enumerate(rare_days)
    ]
    undated = doc(300, "resource", "it", "Guida alla formazione a Bruxelles", "Corsi di lingua e tirocini.",
                  "Tra i contatti anche lo sportello di un ente partner.", country="BE")
    engine.upsert(crowd + rare + [undated])
    return engine


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
@pytest.mark.parametrize("backend", KEYWORD_BACKENDS)
def test_a_year_or_date_range_on_a_rare_value_finds_every_keyword_match_beyond_the_over_fetch(tmp_path, thesaurus_path,
                                                                                              backend, mode):
    engine = _crowded_events(tmp_path / "index", thesaurus_path, backend)
    try:
        everything = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100)
        of_2027 = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100, year_from=2027, year_to=2027)
        since_2027 = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100, year_from=2027)
        on_the_day = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100,
                            date_from="2027-04-15", date_to="2027-04-15")
        from_the_day = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100, date_from="2027-04-15")
        up_to_may = search(engine, "sportello", mode=mode, ui_lang="it", per_page=100, date_to="2026-05-11")
        with pytest.raises(ValueError, match="date_from"):
            search(engine, "sportello", mode=mode, ui_lang="it", date_from="15/04/2027")
    finally:
        engine.close()
    assert not {200, 201, 202, 203, 300} & set(ids(everything)), "the 2027 records are past the over-fetch of the word"
    # The ranges reach the keyword index, so every record of the range holding the word is found.
    assert set(ids(of_2027)) == {200, 201, 202, 203} and of_2027.total == 4
    assert set(ids(since_2027)) == {200, 201, 202, 203}, "a record with no year is outside any year range"
    # An event is in a date range when its days meet it, whichever of its days that is.
    assert set(ids(on_the_day)) == {200, 201, 202} and on_the_day.total == 3
    assert set(ids(from_the_day)) == {200, 201, 202, 203}
    assert set(ids(up_to_may)) == {100, 101}


# --- analysis on a worker process (issue 16) ----------------------------------------------------------------


def _what_a_user_sees(engine: SearchEngine) -> list:
    seen = []
    for text in ("microcredito", "refugee entrepreneurs", "permesso di soggiorno", "Existenzgründung"):
        for mode in ("hybrid", "keyword", "semantic"):
            results = engine.search(SearchQuery(text=text, mode=mode, per_page=20))
            seen.append((text, mode, [(h.id, round(h.score, 6), h.matched_by) for h in results.hits], results.total,
                         results.facets, results.concepts))
    seen.append({i: [(h.id, round(h.score, 6)) for h in engine.related(i)] for i in sorted(engine.ids())})
    seen.append({i: engine.key_terms(i, "en") for i in sorted(engine.ids())})
    return seen


@pytest.mark.parametrize("build", ["rebuild", "upsert_batches"])
def test_a_build_analysed_on_a_worker_process_gives_the_same_index_as_in_process(build, tmp_path, thesaurus_path):
    seen = []
    for name, min_records in (("in-process", 0), ("worker", 1)):
        settings = EngineSettings(batch_size=2, analysis_process_min_records=min_records)
        engine = SearchEngine.open(tmp_path / name, thesaurus_path=thesaurus_path, settings=settings)
        try:
            if build == "rebuild":
                engine.rebuild(iter(CORPUS))
            else:
                engine.upsert_batches([CORPUS[i:i + 2] for i in range(0, len(CORPUS), 2)], total=len(CORPUS))
                engine.save()
            seen.append(_what_a_user_sees(engine))
        finally:
            engine.close()
    assert len(seen[0][-1]) == len(CORPUS) and any(results[4] for results in seen[0][:-2])
    assert seen[0] == seen[1]


def test_a_dying_analysis_worker_fails_the_build_clearly_and_keeps_the_previous_index(tmp_path, thesaurus_path):
    import multiprocessing

    from indexing.analysis_worker import AnalysisWorkerError

    settings = EngineSettings(batch_size=2, analysis_process_min_records=1)
    engine = SearchEngine.open(tmp_path / "index", thesaurus_path=thesaurus_path, settings=settings)
    try:
        engine.upsert(CORPUS[:4])
        before = _what_a_user_sees(engine)

        def docs_then_kill():
            yield from CORPUS[:4]
            for child in multiprocessing.active_children():
                child.kill()
            yield from CORPUS[4:]

        with pytest.raises(AnalysisWorkerError, match="analysis worker process died"):
            engine.rebuild(docs_then_kill())
        assert _what_a_user_sees(engine) == before
        assert len(list((tmp_path / "index").glob("gen-*"))) == 1
    finally:
        engine.close()
