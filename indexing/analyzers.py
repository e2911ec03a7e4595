"""Per-language text analysis (tokens, stop words, accent folding, stemming, Arabic normalisation)."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer

LANGUAGES: tuple[str, ...] = ("it", "en", "fr", "es", "de", "ar")
# One stop list per language in LANGUAGES, as data: indexing/data/stopwords/<lang>.txt.
STOP_LIST_DIR = Path(__file__).parent / "data" / "stopwords"

# Words are runs of letters/digits; combining marks (Latin accents in decomposed text, Arabic
# harakat, tatweel) stay inside the word so they can be normalised away instead of splitting it.
WORD_PATTERN = re.compile(r"[\w\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]+")

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})

# Light10-style affixes (Larkey et al.), written in normalised form (ة->ه, ى->ي).
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def fold_accents(text: str) -> str:
    """Remove Latin diacritics (é -> e; ß has no decomposition, so it is spelled ss)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_arabic(word: str) -> str:
    """Strip diacritics and tatweel; unify alef, hamza carriers, ta marbuta and alef maqsura."""
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def stem_arabic(word: str) -> str:
    """Light stemming: conjunction و, article forms (ال, بال, لل, ...), then common suffixes."""
    if len(word) > 3 and word.startswith("و"):
        word = word[1:]
    for article in _ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            word = word[len(article) :]
            break
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")


def is_arabic(word: str) -> bool:
    return _ARABIC_CHAR.search(word) is not None


def stop_list_path(lang: str) -> Path:
    """The data file of `lang`'s stop words (one word per line, # comments)."""
    return STOP_LIST_DIR / f"{lang}.txt"


@lru_cache(maxsize=8)
def _stopwords(lang: str) -> frozenset[str]:
    """`lang`'s stop words in the form analysis compares them (read once per process)."""
    lines = stop_list_path(lang).read_text(encoding="utf-8").splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if lang == "ar":
        return frozenset(normalise_arabic(w) for w in words)
    return frozenset(fold_accents(w.lower()) for w in words)


# The Snowball algorithm (PyStemmer) of each language but Arabic. For Arabic, stem_arabic beat Snowball's
# "arabic" on kb eval (2026-12-08, keyword nDCG@10 on the Arabic queries 0.696 against 0.686-0.689,
# hybrid equal at 0.767; Snowball gives the two common spellings of one word, الصغيرة and الصغيره, two stems).
SNOWBALL_ALGORITHMS: dict[str, str] = {"it": "italian", "en": "english", "fr": "french", "es": "spanish", "de": "german"}
MIN_STEM_LETTERS = 3
_per_thread = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer:
    """This thread's Snowball stemmer for `lang` (a PyStemmer object must not be shared by threads)."""
    stemmers = getattr(_per_thread, "stemmers", None)
    if stemmers is None:
        stemmers = _per_thread.stemmers = {}
    if lang not in stemmers:
        stemmer = Stemmer.Stemmer(SNOWBALL_ALGORITHMS[lang])
        stemmer.maxCacheSize = 0  # normalise_term keeps the cache, shared by every thread
        stemmers[lang] = stemmer
    return stemmers[lang]


@lru_cache(maxsize=200_000)
def normalise_term(lang: str, word: str) -> str | None:
    """The index term for one word in `lang`, or None for a stop word.

    Accents are folded before stemming so that "educacion" and "educación" always get the
    same stem (the snowball stemmers only recognise some suffixes in their accented form).
    """
    if lang not in LANGUAGES:
        lang = "en"
    word = word.lower()
    if is_arabic(word):
        word = normalise_arabic(word)
        if not word or word in _stopwords("ar"):
            return None
        return stem_arabic(word)
    word = fold_accents(word)
    if not word or word in _stopwords(lang):
        return None
    if lang == "ar" or word.isdigit():
        return word
    stem = _stemmer(lang).stemWord(word)
    # A stem of one or two letters joins unrelated short words and acronyms (German Snowball makes the tax
    # "IAE" "ia", as it is in "type Ia"; French "via" and "vie" both "vi"): such a word is kept whole.
    return stem if len(stem) >= MIN_STEM_LETTERS else word


@dataclass(frozen=True)
class Term:
    """An analysed word with its place in the original text."""

    term: str
    start: int
    end: int


def analyze(lang: str, text: str) -> list[Term]:
    """Index terms of `text` in `lang` with character offsets; stop words are dropped."""
    terms = []
    for match in WORD_PATTERN.finditer(text):
        term = normalise_term(lang, match.group(0))
        if term:
            terms.append(Term(term, match.start(), match.end()))
    return terms


def terms_of(lang: str, text: str) -> list[str]:
    """Just the index terms of `text` in `lang`, in order."""
    return [t.term for t in analyze(lang, text)]


def term_set(lang: str, text: str) -> set[str]:
    """The distinct index terms of `text` (faster than `analyze` when order does not matter)."""
    found = {normalise_term(lang, word) for word in WORD_PATTERN.findall(text)}
    found.discard(None)
    return found


def spelling_word(word: str) -> str | None:
    """A word as spelling suggestions know it: lower-cased, Arabic marks dropped, accents kept
    (so a suggestion reads naturally); None for digits and single letters."""
    word = word.lower()
    if is_arabic(word):
        word = normalise_arabic(word)
    if len(word) < 2 or word.isdigit():
        return None
    return word
