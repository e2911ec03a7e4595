"""Language detection for records and queries over the six supported languages."""

from __future__ import annotations

import threading

from indexing.analyzers import LANGUAGES, WORD_PATTERN

# A short query must beat the UI language by this much before we overrule the user's hint:
# two-word queries often look like several languages at once.
_SURE_CONFIDENCE = 0.6
_SURE_MARGIN = 0.3
_SHORT_QUERY_WORDS = 4

# lingua's low-accuracy mode: 69 of 72 dev queries and all 162 seed records right (high: 70 and
# 162) in about 20 MB instead of about 200 MB per process (bench/language_detection.py).
DETECTION_MODE = "low"

_detector = None
_detector_lock = threading.Lock()


def _get_detector():
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                languages = [Language.from_iso_code_639_1(_iso(code)) for code in LANGUAGES]
                # Preloading the six models (about a second, once) keeps the first query of each
                # language from paying for it.
                builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
                if DETECTION_MODE == "low":
                    builder = builder.with_low_accuracy_mode()
                _detector = builder.build()
    return _detector


def _iso(code: str):
    from lingua import IsoCode639_1

    return getattr(IsoCode639_1, code.upper())


def _arabic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f") / len(letters)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code among it/en/fr/es/de/ar; short or unclear text falls back to `hint`.

    Without a usable hint the fallback is English.
    """
    fallback = hint if hint in LANGUAGES else "en"
    text = (text or "")[:2000]
    if not any(c.isalpha() for c in text):
        return fallback
    if _arabic_share(text) > 0.5:
        return "ar"
    confidences = _get_detector().compute_language_confidence_values(text)
    if not confidences:
        return fallback
    ranked = [(c.language.iso_code_639_1.name.lower(), c.value) for c in confidences]
    best, best_value = ranked[0]
    if hint not in LANGUAGES or best == hint:
        return best
    if len(WORD_PATTERN.findall(text)) > _SHORT_QUERY_WORDS:
        return best
    hint_value = dict(ranked).get(hint, 0.0)
    if best_value >= _SURE_CONFIDENCE and best_value - hint_value >= _SURE_MARGIN:
        return best
    return hint
