"""A record's text analysed once per build, shared by the keyword backend and the concept tagger."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable

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


# Index term of each word already seen, per language (None: a stop word), and the spelling
# form of each: a build sees the same few hundred thousand words over and over, and a plain dict
# lookup (a miss computes the word once, through __missing__) is the cheapest way to reuse them.
_MEMO_LIMIT = 500_000


class _Memo(dict):
    """word -> its analysed form, computed by `make` the first time a word is looked up."""

    def __init__(self, make: Callable[[str], str | None]):
        super().__init__()
        self.make = make

    def __missing__(self, word: str) -> str | None:
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        value = self[word] = self.make(word)
        return value


_memo: dict[str, _Memo] = {lang: _Memo(partial(normalise_term, lang)) for lang in LANGUAGES}
_spelling_memo = _Memo(spelling_word)


def _terms(lang: str, words: list[str]) -> list[str]:
    return [term for term in map(_memo[lang].__getitem__, words) if term]


def analyse_doc(doc: IndexDoc) -> AnalysedDoc:
    """Analyse a record's texts with its language's analyzer (English for an unknown language)."""
    lang = doc.lang if doc.lang in LANGUAGES else "en"
    title = WORD_PATTERN.findall(doc.title or "")
    summary = WORD_PATTERN.findall(doc.summary or "")
    terms = {
        "title": _terms(lang, title),
        "summary": _terms(lang, summary),
        "body": _terms(lang, WORD_PATTERN.findall(doc.body or "")),
    }
    other_bodies: dict[str, list[str]] = {}
    for passage in doc.passages:
        passage_lang = passage.lang if passage.lang in LANGUAGES else lang
        target = terms["body"] if passage_lang == lang else other_bodies.setdefault(passage_lang, [])
        target.extend(_terms(passage_lang, WORD_PATTERN.findall(passage.text)))
    # Spelling suggestions come from titles and summaries: the words people search with.
    spelling = [surface for surface in map(_spelling_memo.__getitem__, title + summary) if surface]
    return AnalysedDoc(doc, lang, terms, spelling, other_bodies)
