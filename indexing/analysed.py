"""A record's text analysed once per build, shared by the keyword backend and the concept tagger."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexing.analyzers import LANGUAGES, WORD_PATTERN, normalise_term, spelling_word
from indexing.documents import IndexDoc


@dataclass
class AnalysedDoc:
    """A record with the index terms of its title, summary and body (in its language, in order)
    and the surface words spelling suggestions are drawn from.

    Attached files' passages (IndexDoc.passages) are body text: in the record's language they join
    `terms["body"]`, in another language they are `other_bodies[lang]`, analysed with that language's analyzer.
    """

    doc: IndexDoc
    lang: str
    terms: dict[str, list[str]]
    spelling: list[str]
    other_bodies: dict[str, list[str]] = field(default_factory=dict)


def _terms(lang: str, text: str) -> list[str]:
    found = []
    for word in WORD_PATTERN.findall(text):
        term = normalise_term(lang, word)
        if term:
            found.append(term)
    return found


def analyse_doc(doc: IndexDoc) -> AnalysedDoc:
    """Analyse a record's texts with its language's analyzer (English for an unknown language)."""
    lang = doc.lang if doc.lang in LANGUAGES else "en"
    terms = {
        "title": _terms(lang, doc.title or ""),
        "summary": _terms(lang, doc.summary or ""),
        "body": _terms(lang, doc.body or ""),
    }
    other_bodies: dict[str, list[str]] = {}
    for passage in doc.passages:
        passage_lang = passage.lang if passage.lang in LANGUAGES else lang
        target = terms["body"] if passage_lang == lang else other_bodies.setdefault(passage_lang, [])
        target.extend(_terms(passage_lang, passage.text))
    # Spelling suggestions come from titles and summaries: the words people search with.
    words = WORD_PATTERN.findall(doc.title or "") + WORD_PATTERN.findall(doc.summary or "")
    spelling = [w for w in map(spelling_word, words) if w]
    return AnalysedDoc(doc, lang, terms, spelling, other_bodies)
