"""Per-language analysis and thesaurus matching, as search sees them."""

import hashlib
import json

import pytest

from indexing.analyzers import LANGUAGES, stop_list_path, terms_of
from indexing.analyzers import _stopwords
from indexing.concepts import CONCEPT_GROUPS, Concept, Thesaurus
from indexing.documents import INDEXED_TEXT_VERSION


def test_accents_fold_before_stemming_so_spellings_meet():
    assert terms_of("es", "educación") == terms_of("es", "educacion")
    assert terms_of("fr", "financière") == terms_of("fr", "FINANCIERE")
    assert terms_of("it", "attività") == terms_of("it", "attivita")


def test_stop_words_are_dropped_and_stems_shared():
    assert terms_of("en", "the loans of the migrants") == terms_of("en", "loan migrant")
    assert terms_of("fr", "les entreprises") == terms_of("fr", "entreprise")


def test_arabic_normalisation_and_light_stemming():
    plain = terms_of("ar", "القروض الصغيرة للمهاجرين")
    assert terms_of("ar", "القُرُوض الصَّغِيرَه للمـهاجرين") == plain  # harakat, tatweel, ه for ة
    assert terms_of("ar", "قروض صغيرة مهاجرين") == plain  # without the article and ل
    assert terms_of("ar", "أعمال") == terms_of("ar", "اعمال")  # alef forms


def test_thesaurus_tags_multiword_labels_and_detects_the_longest():
    thesaurus = Thesaurus(
        [
            Concept("guarantee", {"it": {"pref": "garanzia"}, "en": {"pref": "guarantee"}}),
            Concept(
                "guarantee-fund",
                {
                    "it": {"pref": "fondo di garanzia"},
                    "en": {"pref": "guarantee fund"},
                    "de": {"pref": "Bürgschaftsfonds"},
                },
            ),
        ]
    )
    assert thesaurus.tag("Il Fondo di Garanzia copre la garanzia.", "it") == {"guarantee-fund": 1, "guarantee": 2}
    assert [m.id for m in thesaurus.detect("fondi di garanzia", "it")] == ["guarantee-fund"]
    assert thesaurus.expansion(["guarantee-fund"])["de"] == ["Bürgschaftsfonds"]
    assert thesaurus.label("guarantee-fund", "fr") == "guarantee fund"  # English when a label is missing


def test_a_label_two_concepts_share_detects_both():
    thesaurus = Thesaurus(
        [
            Concept("migrant", {"de": {"pref": "Migranten", "alt": ["Migrantinnen"]}}),
            Concept("women", {"de": {"pref": "Frauen", "alt": ["Migrantinnen", "Frau"]}}),
            Concept("microcredit", {"de": {"pref": "Mikrokredit"}}),
        ]
    )
    found = [m.id for m in thesaurus.detect("Mikrokredit für Migrantinnen", "de")]
    assert found == ["microcredit", "migrant", "women"]


def test_a_function_word_of_the_query_language_names_no_concept_in_another():
    thesaurus = Thesaurus([Concept("unemployment-benefit", {"es": {"pref": "paro"}, "fr": {"pref": "chômage"}})])
    assert thesaurus.detect("mentorat par des cadres retraités", "fr") == []
    assert [m.id for m in thesaurus.detect("capitalizar el paro", "es")] == ["unemployment-benefit"]
    # The same word still bridges when the query's own language does not drop it.
    assert [m.id for m in thesaurus.detect("paro", "it")] == ["unemployment-benefit"]


def test_spelling_variants_that_analyse_alike_tag_once():
    thesaurus = Thesaurus([Concept("women", {"de": {"pref": "Gründerinnen", "alt": ["Grunderinnen", "Gruenderinnen"]}})])
    assert thesaurus.tag("Ein Kurs für Gründerinnen.", "de") == {"women": 1}


def test_a_concept_group_outside_the_declared_list_is_refused(tmp_path):
    path = tmp_path / "thesaurus.jsonl"
    good = {"id": "women", "labels": {"en": {"pref": "women"}}, "group": "target_group"}
    bad = {"id": "tailoring", "labels": {"en": {"pref": "tailoring"}}, "group": "trade"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2: concept 'tailoring' has group 'trade'"):
        Thesaurus.from_jsonl(path)
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert Thesaurus.from_jsonl(path).concepts["women"].group == "target_group"
    assert "target_group" in CONCEPT_GROUPS


def test_every_language_has_its_stop_list_as_data():
    for lang in LANGUAGES:
        words = [w for w in stop_list_path(lang).read_text(encoding="utf-8").splitlines() if w and not w.startswith("#")]
        assert len(words) > 50, lang
        # A listed word, in any spelling, yields no index term; a topic word still does.
        assert terms_of(lang, words[0].upper()) == []
    assert terms_of("fr", "À entreprise") == terms_of("fr", "entreprise")  # "à" is listed, folded at load
    assert terms_of("ar", "إلى المهاجرين") == terms_of("ar", "المهاجرين")  # "إلى" normalised like the text


def test_snowball_stemmers_join_the_forms_a_searcher_uses():
    # Snowball's current German and Spanish stemmers (PyStemmer), also on unaccented text.
    assert terms_of("de", "Gründerinnen") == terms_of("de", "Gründer")
    assert terms_of("es", "información") == terms_of("es", "informacion") == terms_of("es", "informar")
    assert terms_of("it", "imprenditrici") == terms_of("it", "imprenditrice")
    assert terms_of("en", "loans") == terms_of("en", "loan")
    assert terms_of("fr", "entreprises") == terms_of("fr", "entreprise")


def test_a_stem_of_under_three_letters_keeps_the_word_whole():
    # German Snowball would make the Spanish tax acronym "IAE" (a German label of it) "ia", the "Ia" of a supernova.
    assert terms_of("de", "IAE") == ["iae"] and terms_of("de", "Ia") == ["ia"]
    assert terms_of("fr", "via") != terms_of("fr", "vie")
    thesaurus = Thesaurus.from_jsonl("corpus/thesaurus.jsonl")
    assert thesaurus.detect("naine blanche supernova de type Ia", "fr") == []


# Words of every language (inflections, accents, compounds, acronyms, Arabic affixes), analysed in every language.
ANALYSIS_PROBE = (
    "Le imprenditrici migranti hanno ottenuto microcrediti e garanzie; attività, città, perché. "
    "The loans were granted to entrepreneurs running businesses; mentoring, trading, university. "
    "Les entreprises créées par des réfugiées à Lyon : financière, bijoux, congolaise, vie, via, ans. "
    "Las asociaciones de mujeres emprendedoras reciben información y financiación; educación, IAE. "
    "Gründerinnen mit Migrationshintergrund erhalten Kleinkredite vom Bürgschaftsfonds; Straße, Märkte, begleitet. "
    "القروض الصغيرة للمهاجرين والمهاجرات في المدينة، بالتعاون مع الجمعيات وللنساء 2026"
)
# The analysis fingerprint each indexed-text version was released with.
ANALYSIS_FINGERPRINTS = {3: "b751910b989c2120", 4: "b751910b989c2120"}


def test_a_change_of_the_analysis_bumps_the_indexed_text_version():
    digest = hashlib.sha256()
    for lang in LANGUAGES:
        digest.update(" ".join(sorted(_stopwords(lang))).encode("utf-8"))
        digest.update(" ".join(terms_of(lang, ANALYSIS_PROBE)).encode("utf-8"))
    fingerprint = digest.hexdigest()[:16]
    # Fails when stems, stop lists or folding change (a PyStemmer upgrade too): indexes written before would
    # hold other terms. Bump INDEXED_TEXT_VERSION in indexing/documents.py and add its fingerprint here.
    assert ANALYSIS_FINGERPRINTS.get(INDEXED_TEXT_VERSION) == fingerprint, (INDEXED_TEXT_VERSION, fingerprint)
