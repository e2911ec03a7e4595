"""Direction controls in text that people typed: neutralised on every page, so no text after them shows reversed."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) reorder everything after them up to the end of the paragraph:
# RLO turns "invoice\u202efdp.exe" into what reads as "invoiceexe.pdf". They are dropped. Isolates (LRI, RLI, FSI,
# PDI) are the safe way to mix directions (our Arabic catalogue uses them), so they are kept, balanced: a stray
# PDI is dropped and an isolate left open is closed, so the text cannot reach past its own value.
OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
ISOLATE_OPENERS = "\u2066\u2067\u2068"
ISOLATE_CLOSER = "\u2069"
_DROP = {ord(c): None for c in OVERRIDES}
_ALL = frozenset(OVERRIDES + ISOLATE_OPENERS + ISOLATE_CLOSER)


def neutralise(text: str) -> str:
    """The text without embeddings or overrides and with its isolates balanced (Markup stays Markup)."""
    if not _ALL.intersection(text):
        return text
    out: list[str] = []
    depth = 0
    for char in str(text).translate(_DROP):
        if char in ISOLATE_OPENERS:
            depth += 1
        elif char == ISOLATE_CLOSER:
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    cleaned = "".join(out) + ISOLATE_CLOSER * depth
    # Only characters with no meaning in HTML were taken out or added, so escaped markup stays escaped.
    return Markup(cleaned) if isinstance(text, Markup) else cleaned


def finalize(value: Any) -> Any:
    """Jinja's finalize hook: every `{{ ... }}` of every template passes through here before it is escaped."""
    if isinstance(value, str):
        return neutralise(value)
    return value
