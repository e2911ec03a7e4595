"""Highlighted snippets: the best short window of a record's text around what matched."""

from __future__ import annotations

from html import escape

from indexing.analyzers import WORD_PATTERN, normalise_term

WINDOW_WORDS = 30
# Text past this point is not searched for a snippet window: it keeps long records cheap and
# the first part of a record is where its matches are read anyway.
MAX_SNIPPET_SOURCE = 3_000


def _window(text: str, lang: str, wanted: set[str], window_words: int) -> tuple[int, str] | None:
    """(number of matched words, HTML) of the densest window of `text`, or None if no match."""
    if not wanted:
        return None
    text = text[:MAX_SNIPPET_SOURCE]
    # Every word (stop words too) counts for the window size; only wanted terms are hits.
    words = [(m.start(), m.end()) for m in WORD_PATTERN.finditer(text)]
    hits = []
    for i, (start, end) in enumerate(words):
        term = normalise_term(lang, text[start:end])
        if term in wanted:
            hits.append((i, term))
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
    lang: str, title: str, summary: str, body: str, wanted_terms: set[str], window_words: int = WINDOW_WORDS
) -> str:
    """HTML-safe snippet with <mark> around words whose analysed form is in `wanted_terms`.

    Summary and body are tried; the window with more matches wins. Without any match the
    snippet is the start of the summary (or of the body).
    """
    best: tuple[int, str] | None = None
    for text in (summary, body):
        if text:
            found = _window(text, lang, wanted_terms, window_words)
            if found and (best is None or found[0] > best[0]):
                best = found
    if best:
        return best[1]
    return _lead(summary or body or title, window_words)
