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


# Index term of each word already seen, per language (None: a stop word), and the spelling
# form of each: a build sees the same few hundred thousand words over and over, and a plain dict
# lookup is the cheapest way to reuse them.
_MEMO_LIMIT = 500_000
_memo: dict[str, dict[str, str | None]] = {lang: {} for lang in LANGUAGES}
_spelling_memo: dict[str, str | None] = {}


def _remembered(memo: dict[str, str | None], word: str, make) -> str | None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    value = memo[word] = make(word)
    return value


def _terms(lang: str, words: list[str]) -> list[str]:
    memo = _memo[lang]
    found = []
    for word in words:
        term = memo[word] if word in memo else _remembered(memo, word, lambda w: normalise_term(lang, w))
        if term:
            found.append(term)
    return found


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
    memo = _spelling_memo
    spelling = []
    for word in title + summary:
        surface = memo[word] if word in memo else _remembered(memo, word, spelling_word)
        if surface:
            spelling.append(surface)
    return AnalysedDoc(doc, lang, terms, spelling, other_bodies)
