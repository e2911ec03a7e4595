"""Highlighted snippets: the best short window of a record's text around what matched."""

from __future__ import annotations

from html import escape

from indexing.analyzers import WORD_PATTERN, normalise_term

WINDOW_WORDS = 30
# Text past this point is not searched for a snippet window: it keeps long records cheap and
# the first part of a record is where its matches are read anyway.
MAX_SNIPPET_SOURCE = 3_000


Words = list[tuple[int, int, "str | None"]]


def word_terms(lang: str, text: str) -> Words:
    """Every word of the snippet source of `text` as (start, end, index term or None for a stop word)."""
    text = text[:MAX_SNIPPET_SOURCE]
    return [(m.start(), m.end(), normalise_term(lang, m.group(0))) for m in WORD_PATTERN.finditer(text)]


def _window(text: str, words: Words, wanted: set[str], window_words: int) -> tuple[int, str] | None:
    """(number of matched words, HTML) of the densest window of `text`, or None if no match."""
    if not wanted:
        return None
    text = text[:MAX_SNIPPET_SOURCE]
    # Every word (stop words too) counts for the window size; only wanted terms are hits.
    hits = [(i, term) for i, (_, _, term) in enumerate(words) if term in wanted]
    if not hits:
        return None
    # Slide a window over matched positions (two pointers); score it by distinct, then total,
    # matched terms.
    best_start, best_score = 0, (-1, -1)
    counts: dict[str, int] = {}
    end = 0
    for n, (first, _) in enumerate(hits):
        while end < len(hits) and hits[end][0] < first + window_words:
            counts[hits[end][1]] = counts.get(hits[end][1], 0) + 1
            end += 1
        score = (len(counts), end - n)
        if score > best_score:
            best_start, best_score = first, score
        term = hits[n][1]
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
    # Start a few words before the first match so it reads in context.
    start = max(0, best_start - 4)
    end = min(len(words), start + window_words)
    begin_char = 0 if start == 0 else words[start][0]
    end_char = len(text) if end == len(words) else words[end - 1][1]
    marked = {i for i, _ in hits}
    words = [(a, b) for a, b, _ in words]
    parts = ["…" if begin_char > 0 else ""]
    cursor = begin_char
    for i in range(start, end):
        if i in marked:
            w_start, w_end = words[i]
            parts.append(escape(text[cursor:w_start]))
            parts.append(f"<mark>{escape(text[w_start:w_end])}</mark>")
            cursor = w_end
    parts.append(escape(text[cursor:end_char]))
    if end_char < len(text):
        parts.append("…")
    return best_score[1], "".join(parts).strip()


def _lead(text: str, window_words: int) -> str:
    words = text.split()
    cut = " ".join(words[:window_words])
    return escape(cut) + ("…" if len(words) > window_words else "")


def make_snippet(
    lang: str, title: str, summary: str, body: str, wanted_terms: set[str], window_words: int = WINDOW_WORDS,
    analysed: dict[str, Words] | None = None,
) -> str:
    """HTML-safe snippet with <mark> around words whose analysed form is in `wanted_terms`.

    Summary and body are tried; the window with more matches wins. Without any match the
    snippet is the start of the summary (or of the body). `analysed` may hold `word_terms`
    of the summary and body (keys "summary", "body") when the caller has them already.
    """
    best: tuple[int, str] | None = None
    for part, text in (("summary", summary), ("body", body)):
        if text and wanted_terms:
            words = analysed[part] if analysed and part in analysed else word_terms(lang, text)
            found = _window(text, words, wanted_terms, window_words)
            if found and (best is None or found[0] > best[0]):
                best = found
    if best:
        return best[1]
    return _lead(summary or body or title, window_words)
