"""Whoosh keyword index: per-language analysed fields, safe query building, typo fallback."""

from __future__ import annotations

import random as _random
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh import fields as wf
from whoosh import index as wi
from whoosh import query as wq
from whoosh import util as whoosh_util
from whoosh.scoring import BM25F

from indexing.analyzers import LANGUAGES, WORD_PATTERN, normalise_term, spelling_analyzer, terms_of, whoosh_analyzer
from indexing.documents import IndexDoc

TEXT_PARTS = ("title", "summary", "body")
FILTER_KEYS = ("kind", "lang", "theme", "country", "audience", "level")
_SPELL_FIELD = "spell"
_PHRASE = re.compile(r'"([^"]*)"')
# Longer queries are cut: past this many words or phrases ranking no longer improves and
# Whoosh time grows with every term.
MAX_QUERY_UNITS = 24


@dataclass
class KeywordHit:
    """A record found by the keyword index."""

    id: int
    score: float


@dataclass
class KeywordResult:
    hits: list[KeywordHit]
    suggestion: str | None = None


@dataclass(frozen=True)
class QueryUnit:
    """A word or quoted phrase of the user's query."""

    text: str
    phrase: bool


def parse_query(text: str) -> list[QueryUnit]:
    """Split a query into quoted phrases and bare words; every other character is just text.

    Nothing here is Whoosh syntax, so no input can raise a parse error: AND, *, ( ) are
    ordinary words or separators.
    """
    text = text or ""
    units: list[QueryUnit] = []
    last = 0
    for match in _PHRASE.finditer(text):
        units.extend(QueryUnit(w, False) for w in WORD_PATTERN.findall(text[last : match.start()]))
        words = WORD_PATTERN.findall(match.group(1))
        if len(words) > 1:
            units.append(QueryUnit(" ".join(words), True))
        else:
            units.extend(QueryUnit(w, False) for w in words)
        last = match.end()
    # An unbalanced quote is ignored rather than treated as a phrase.
    units.extend(QueryUnit(w, False) for w in WORD_PATTERN.findall(text[last:]))
    return units[:MAX_QUERY_UNITS]


def _schema() -> wf.Schema:
    schema = wf.Schema(
        rid=wf.ID(stored=True, unique=True),
        kind=wf.ID,
        lang=wf.ID,
        theme=wf.KEYWORD(lowercase=False, commas=False),
        country=wf.ID,
        audience=wf.ID,
        level=wf.ID,
    )
    schema.add(_SPELL_FIELD, wf.TEXT(analyzer=spelling_analyzer(), phrase=False))
    for lang in LANGUAGES:
        for part in TEXT_PARTS:
            schema.add(f"{part}_{lang}", wf.TEXT(analyzer=whoosh_analyzer(lang), phrase=True))
    return schema


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
    # (see KeywordIndex._common_terms); small indexes keep every term.
    common_body_share: float = 0.3
    common_min_records: int = 200

    def boost(self, part: str) -> float:
        return {"title": self.title_boost, "summary": self.summary_boost, "body": self.body_boost}[part]


# Whoosh names its segment and temp files with the global `random` module. Anything that seeds that
# module (Hypothesis does, per example) makes names repeat and segments clobber each other, so Whoosh
# gets a generator of its own.
whoosh_util.random = _random.SystemRandom()


class KeywordIndex:
    """A Whoosh index in one folder; searches are serialised (Whoosh is pure Python anyway)."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if wi.exists_in(str(folder)):
            self._ix = wi.open_dir(str(folder), schema=_schema())
        else:
            self._ix = wi.create_in(str(folder), _schema())
        self._lock = threading.RLock()
        self._searcher = self._ix.searcher(weighting=BM25F())
        self._record_ids: dict[int, int] = {}
        self._writer = None

    # --- upkeep -------------------------------------------------------------------------

    def _get_writer(self):
        if self._writer is None:
            self._writer = self._ix.writer(limitmb=128)
        return self._writer

    def add(self, docs: list[IndexDoc]) -> None:
        """Add or replace records (visible after `commit`)."""
        writer = self._get_writer()
        for doc in docs:
            lang = doc.lang if doc.lang in LANGUAGES else "en"
            values = {
                "rid": str(doc.id),
                "kind": doc.kind or "",
                "lang": doc.lang or "",
                "theme": " ".join(doc.themes or []),
                "country": doc.country or "",
                "audience": doc.audience or "",
                "level": doc.level or "",
                # Spelling suggestions come from titles and summaries: the words people search with,
                # at a sixth of the cost of analysing every body a second time.
                _SPELL_FIELD: " ".join((doc.title or "", doc.summary or "")),
                f"title_{lang}": doc.title or "",
                f"summary_{lang}": doc.summary or "",
                f"body_{lang}": doc.body or "",
            }
            writer.update_document(**{k: v for k, v in values.items() if v})

    def delete(self, record_ids) -> None:
        writer = self._get_writer()
        for rid in record_ids:
            writer.delete_by_term("rid", str(rid))

    def commit(self) -> None:
        """Write pending changes and make them visible to searches."""
        with self._lock:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                try:
                    writer.commit()
                except BaseException:
                    # A failed commit must not poison every later write: drop the writer (and its lock).
                    try:
                        writer.cancel()
                    except Exception:  # noqa: BLE001 - the original error is the one to report
                        pass
                    raise
            # A new searcher rather than refresh(): refreshing from an empty index fails in Whoosh.
            if self._ix.latest_generation() != self._searcher.reader().generation():
                old, self._searcher = self._searcher, self._ix.searcher(weighting=BM25F())
                self._record_ids = {}
                old.close()

    def count(self) -> int:
        with self._lock:
            return self._searcher.doc_count()

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.cancel()
                self._writer = None
            self._searcher.close()
            self._ix.close()

    # --- search -------------------------------------------------------------------------

    def _build(self, units: list[QueryUnit], lang: str, settings: KeywordSettings):
        """One Whoosh query: every word (or phrase) in every language's fields, analysed with
        that language's analyzer, the query's own language weighted highest."""
        reader = self._searcher.reader()
        # Stop words of the query's language are not searched elsewhere ("per" is no English stop word).
        foreign_units = [u for u in units if u.phrase or normalise_term(lang, u.text)]
        clauses: dict[tuple, wq.Query] = {}
        for code in LANGUAGES:
            weight = 1.0 if code == lang else settings.other_language_weight
            if weight <= 0:  # a zero boost would make Whoosh divide by zero
                continue
            searched = units if code == lang else foreign_units
            single = {t for u in searched if not u.phrase for t in terms_of(code, u.text)}
            common = self._common_terms(reader, single, code, settings, keep_one=code == lang)
            for unit in searched:
                terms = terms_of(code, unit.text)
                if not terms:
                    continue
                for part in TEXT_PARTS if code == lang else settings.other_language_parts:
                    name = f"{part}_{code}"
                    boost = settings.boost(part) * weight
                    if unit.phrase and len(terms) > 1:
                        key = (name, tuple(terms))
                        if key not in clauses or clauses[key].boost < boost:
                            clauses[key] = wq.Phrase(name, terms, boost=boost)
                        continue
                    for term in terms:
                        if term in common and (part == "body" or code != lang):
                            continue
                        key = (name, term)
                        if key not in clauses or clauses[key].boost < boost:
                            clauses[key] = wq.Term(name, term, boost=boost)
        return wq.Or(list(clauses.values())) if clauses else None

    @staticmethod
    def _common_terms(reader, terms: set[str], lang: str, settings: KeywordSettings, keep_one: bool) -> set[str]:
        """Of `terms`, those found in the bodies of most records of language `lang`.

        In a corpus about migrant enterprise, "migrant" or "business" says little, yet scoring
        their thousands of postings was most of the search time. In the query's own language
        they are searched in titles and summaries only (and if every term is that common, the
        rarest still searches bodies); in other languages they are not searched at all.
        """
        records = reader.doc_frequency("lang", lang)
        if records < settings.common_min_records or not terms:
            return set()
        field = f"body_{lang}"
        frequency = {t: reader.doc_frequency(field, t) for t in terms}
        common = {t for t, df in frequency.items() if df > settings.common_body_share * records}
        if keep_one and common and common == set(frequency):
            common.discard(min(frequency, key=frequency.get))
        return common

    @staticmethod
    def _filter(filters: dict[str, list[str]] | None):
        parts = []
        for key, values in (filters or {}).items():
            values = [v for v in values or [] if v]
            if key in FILTER_KEYS and values:
                parts.append(wq.Or([wq.Term(key, str(v)) for v in values]))
        return wq.And(parts) if parts else None

    def _run(self, query, filters, limit: int) -> list[KeywordHit]:
        results = self._searcher.search(query, limit=limit, filter=self._filter(filters))
        hits = []
        for score, docnum in results.top_n:
            # Reading the stored record id unpickles a block each time; the mapping is fixed
            # for a searcher, so it is remembered until the next commit.
            rid = self._record_ids.get(docnum)
            if rid is None:
                rid = self._record_ids[docnum] = int(self._searcher.stored_fields(docnum)["rid"])
            hits.append(KeywordHit(rid, float(score)))
        return hits

    def corrections(self, units: list[QueryUnit]) -> dict[str, str]:
        """Likely intended spellings of query words that occur nowhere in the index."""
        found = {}
        with self._lock:
            reader = self._searcher.reader()
            corrector = reader.corrector(_SPELL_FIELD)
            for unit in units:
                for word in WORD_PATTERN.findall(unit.text.lower()):
                    if len(word) < 4 or word.isdigit() or reader.doc_frequency(_SPELL_FIELD, word):
                        continue
                    for maxdist in (1, 2):
                        suggestions = corrector.suggest(word, limit=1, maxdist=maxdist, prefix=1)
                        if suggestions:
                            found[word] = suggestions[0]
                            break
        return found

    def search(
        self,
        text: str,
        lang: str,
        limit: int = 200,
        filters: dict[str, list[str]] | None = None,
        settings: KeywordSettings | None = None,
        fallback: bool = True,
    ) -> KeywordResult:
        """Records matching the query words, best first (BM25F); if nothing matches, retry with
        the closest spellings found in the index and say which words were used."""
        settings = settings or KeywordSettings()
        units = parse_query(text)
        with self._lock:
            query = self._build(units, lang, settings)
            hits = self._run(query, filters, limit) if query is not None else []
        if hits or not fallback:
            return KeywordResult(hits)
        fixes = self.corrections(units)
        if not fixes:
            return KeywordResult([])
        corrected = [QueryUnit(_apply(unit.text, fixes), unit.phrase) for unit in units]
        with self._lock:
            query = self._build(corrected, lang, settings)
            hits = self._run(query, filters, limit) if query is not None else []
        suggestion = " ".join(f'"{u.text}"' if u.phrase else u.text for u in corrected)
        return KeywordResult(hits, suggestion)


def _apply(text: str, fixes: dict[str, str]) -> str:
    return WORD_PATTERN.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)
