"""Language detection of records and short queries."""

import pytest

from indexing import detect_language


@pytest.mark.parametrize(
    "text, lang",
    [
        ("fondo di garanzia per le donne", "it"),
        ("prestiti per migranti", "it"),
        ("aide à la création d'entreprise", "fr"),
        ("crédito para mujeres", "es"),
        ("Existenzgründung Beratung", "de"),
        ("financial literacy for newcomers", "en"),
        ("القروض الصغيرة للمهاجرين", "ar"),
    ],
)
def test_short_queries(text, lang):
    assert detect_language(text) == lang


def test_unclear_short_query_follows_the_ui_language():
    assert detect_language("credito", hint="es") == "es"
    assert detect_language("mentoring", hint="it") == "it"
    # ...but clear evidence overrules the hint.
    assert detect_language("formazione imprenditoriale", hint="en") == "it"


def test_no_letters_gives_the_hint_or_english():
    assert detect_language("12 345 !!", hint="de") == "de"
    assert detect_language("") == "en"
