"""Per-language analysis and thesaurus matching, as search sees them."""

from indexing.analyzers import terms_of
from indexing.concepts import Concept, Thesaurus


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
