"""The keyword leg over any keyword backend: which terms to look for where, and the spelling fallback."""

from __future__ import annotations

from dataclasses import dataclass

from indexing.analyzers import (
    LANGUAGES,
    WORD_PATTERN,
    normalise_term,
    spelling_word,
    terms_of,
)
from indexing.backends.base import (
    SPELL_FIELD,
    TEXT_PARTS,
    Clause,
    Filters,
    KeywordBackend,
    KeywordHit,
    text_field,
)
from indexing.query_parsing import QueryUnit, apply_corrections, parse_query


@dataclass
class KeywordSettings:
    """Query-time weights of the keyword leg."""

    title_boost: float = 3.0
    summary_boost: float = 2.0
    body_boost: float = 1.0
    # Query words are also searched in the other languages' fields (names, acronyms, cognates),
    # weighted down, and only in titles and summaries: their bodies are where common words
    # like "migrant" match thousands of records and cost most of the search time.
    other_language_weight: float = 0.3
    other_language_parts: tuple[str, ...] = ("title", "summary")
    # A term in more than this share of the bodies of its language is not searched in bodies
    # (see `common_terms`); small indexes keep every term.
    common_body_share: float = 0.3
    common_min_records: int = 200

    def boost(self, part: str) -> float:
        return {"title": self.title_boost, "summary": self.summary_boost, "body": self.body_boost}[part]


@dataclass
class KeywordResult:
    hits: list[KeywordHit]
    suggestion: str | None = None


def common_terms(
    backend: KeywordBackend, terms: set[str], lang: str, settings: KeywordSettings, keep_one: bool
) -> set[str]:
    """Of `terms`, those found in the bodies of most records of language `lang`.

    In a corpus about migrant enterprise, "migrant" or "business" says little, yet scoring
    their thousands of postings was most of the search time. In the query's own language
    they are searched in titles and summaries only (and if every term is that common, the
    rarest still searches bodies); in other languages they are not searched at all.
    """
    records = backend.doc_frequency("lang", lang)
    if records < settings.common_min_records or not terms:
        return set()
    field = text_field("body", lang)
    frequency = {t: backend.doc_frequency(field, t) for t in terms}
    common = {t for t, df in frequency.items() if df > settings.common_body_share * records}
    if keep_one and common and common == set(frequency):
        common.discard(min(frequency, key=frequency.get))
    return common


def strangers(backend: KeywordBackend, units: list[QueryUnit], lang: str) -> set[QueryUnit]:
    """The query words (or phrases) that occur in no title, summary or body of a record in `lang`.

    Such a word is most likely not in that language (a name, a coined word, a word the language
    detector read wrongly), so it is searched in the other languages' bodies as well as in their
    titles and summaries (issue 17: "Zanzibaroteca", said only in a session title of a Spanish
    event's programme, was missed for a query taken for Italian). A word the query's language
    knows ("Madrid" in a Spanish query) stays out of the other bodies, where it would bring in
    every record that merely names it.
    """
    fields = [text_field(part, lang) for part in TEXT_PARTS]
    return {
        unit for unit in units
        if (terms := terms_of(lang, unit.text))
        and not any(backend.doc_frequency(field, term) for term in terms for field in fields)
    }


def plan_clauses(
    backend: KeywordBackend, units: list[QueryUnit], lang: str, settings: KeywordSettings
) -> list[Clause]:
    """Every word (or phrase) in every language's fields, analysed with that language's
    analyzer, the query's own language weighted highest; one clause per field and terms."""
    # Stop words of the query's language are not searched elsewhere ("per" is no English stop word).
    foreign_units = [u for u in units if u.phrase or normalise_term(lang, u.text)]
    unknown = strangers(backend, foreign_units, lang)
    clauses: dict[tuple[str, tuple[str, ...]], Clause] = {}
    for code in LANGUAGES:
        weight = 1.0 if code == lang else settings.other_language_weight
        if weight <= 0:
            continue
        searched = units if code == lang else foreign_units
        single = {t for u in searched if not u.phrase for t in terms_of(code, u.text)}
        common = common_terms(backend, single, code, settings, keep_one=code == lang)
        for unit in searched:
            terms = terms_of(code, unit.text)
            if not terms:
                continue
            parts = TEXT_PARTS if code == lang or unit in unknown else settings.other_language_parts
            for part in parts:
                name = text_field(part, code)
                boost = settings.boost(part) * weight
                if unit.phrase and len(terms) > 1:
                    wanted = [tuple(terms)]
                else:
                    wanted = [(t,) for t in terms if not (t in common and (part == "body" or code != lang))]
                for key_terms in wanted:
                    key = (name, key_terms)
                    if key not in clauses or clauses[key].boost < boost:
                        clauses[key] = Clause(name, key_terms, boost)
    return list(clauses.values())


def corrections(backend: KeywordBackend, units: list[QueryUnit]) -> dict[str, str]:
    """Likely intended spellings of query words that occur nowhere in the index."""
    found = {}
    for unit in units:
        for word in WORD_PATTERN.findall(unit.text.lower()):
            surface = spelling_word(word)
            if len(word) < 4 or surface is None or backend.doc_frequency(SPELL_FIELD, surface):
                continue
            for max_distance in (1, 2):
                suggestion = backend.suggest(surface, max_distance)
                if suggestion:
                    found[word] = suggestion
                    break
    return found


class PlannedQuery:
    """A query's keyword clauses, planned once (they depend on its words and language, not on filters) and
    searched under any filters; the spelling fallback is planned at most once too."""

    def __init__(self, backend: KeywordBackend, text: str, lang: str, settings: KeywordSettings | None = None):
        self.backend, self.lang, self.settings = backend, lang, settings or KeywordSettings()
        self.units = parse_query(text)
        self.clauses = plan_clauses(backend, self.units, lang, self.settings)
        self._fallback: tuple[list[Clause], str] | None = None
        self._fallback_planned = False

    def _corrected(self) -> tuple[list[Clause], str] | None:
        """The clauses of the query with its unknown words corrected, and the corrected text (None: nothing to fix)."""
        if not self._fallback_planned:
            self._fallback_planned = True
            fixes = corrections(self.backend, self.units)
            if fixes:
                corrected = [QueryUnit(apply_corrections(unit.text, fixes), unit.phrase) for unit in self.units]
                suggestion = " ".join(f'"{u.text}"' if u.phrase else u.text for u in corrected)
                self._fallback = (plan_clauses(self.backend, corrected, self.lang, self.settings), suggestion)
        return self._fallback

    def search(self, limit: int = 200, filters: Filters | None = None,
               fallback: bool = True) -> KeywordResult:
        """Records matching the query words within `filters`, best first; if nothing matches, retry with the
        closest spellings found in the index and say which words were used."""
        hits = self.backend.search(self.clauses, filters, limit) if self.clauses else []
        if hits or not fallback:
            return KeywordResult(hits)
        corrected = self._corrected()
        if corrected is None:
            return KeywordResult([])
        clauses, suggestion = corrected
        return KeywordResult(self.backend.search(clauses, filters, limit) if clauses else [], suggestion)


def search_keywords(
    backend: KeywordBackend,
    text: str,
    lang: str,
    limit: int = 200,
    filters: Filters | None = None,
    settings: KeywordSettings | None = None,
    fallback: bool = True,
) -> KeywordResult:
    """Records matching the query words, best first; if nothing matches, retry with the closest
    spellings found in the index and say which words were used."""
    return PlannedQuery(backend, text, lang, settings).search(limit, filters, fallback)
