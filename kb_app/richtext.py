"""Stored plain text read as a small, safe structure: paragraphs, line breaks, numbered and bulleted lists.

Records, list descriptions and trainers' notes are plain text; nobody writes HTML. The structure is read from
the text itself (a blank line between paragraphs, a line per list item, or steps written in a row as
"1. … 2. …"), so every page and export that shows the text renders the same blocks and escapes each line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

PARAGRAPH = "paragraph"
NUMBERED = "numbered"
BULLETED = "bulleted"

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_NUMBERED_LINE = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
_BULLETED_LINE = re.compile(r"^\s*[-*•–]\s+(\S.*)$")
# A step number written inside a sentence run: at the start, or after a sentence or clause has ended.
_INLINE_STEP = re.compile(r"(?:^|(?<=[.:;!?。؛،)]\s))(\d{1,2})\.\s+(?=\S)")


@dataclass(frozen=True)
class Block:
    """One block of text: a paragraph (its lines) or a list (its items); numbered lists may start past 1."""
    kind: str
    lines: tuple[str, ...]
    start: int = 1


def _inline_steps(line: str) -> tuple[str, list[str]] | None:
    """Split "Intro: 1. First. 2. Second." into its intro and steps, when the numbers run 1, 2, … in order."""
    markers = []
    expected = 1
    for match in _INLINE_STEP.finditer(line):
        if int(match.group(1)) == expected:
            markers.append(match)
            expected += 1
    if len(markers) < 2:
        return None
    intro = line[:markers[0].start()].strip()
    steps = [line[m.end():(markers[i + 1].start() if i + 1 < len(markers) else len(line))].strip()
             for i, m in enumerate(markers)]
    return intro, [s for s in steps if s]


def _chunk_blocks(chunk: str) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    items: list[str] = []
    kind = PARAGRAPH
    start = 1

    def flush() -> None:
        nonlocal lines, items
        if lines:
            blocks.append(Block(PARAGRAPH, tuple(lines)))
        if items:
            blocks.append(Block(kind, tuple(items), start))
        lines, items = [], []

    for raw in chunk.split("\n"):
        line = raw.strip()
        if not line:
            continue
        numbered, bulleted = _NUMBERED_LINE.match(line), _BULLETED_LINE.match(line)
        if numbered or bulleted:
            this = NUMBERED if numbered else BULLETED
            if lines or (items and this != kind):
                flush()
            if not items:
                kind, start = this, int(numbered.group(1)) if numbered else 1
            items.append((numbered or bulleted).group(2 if numbered else 1).strip())
            continue
        if items:
            flush()
        steps = _inline_steps(line)
        if steps is None:
            lines.append(line)
            continue
        intro, found = steps
        if intro:
            lines.append(intro)
        flush()
        blocks.append(Block(NUMBERED, tuple(found)))
    flush()
    return blocks


def text_blocks(text: str | None) -> list[Block]:
    """The blocks of a stored text, in order; empty text has none."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    blocks: list[Block] = []
    for chunk in _BLANK_LINE.split(text):
        blocks.extend(_chunk_blocks(chunk))
    return blocks


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text: str | None) -> Markup:
    """Descriptions that mark names as `code` (as OpenAPI's do): escaped text, each backtick span a <code>."""
    out = Markup("")
    last = 0
    for match in _CODE_SPAN.finditer(text or ""):
        out += escape(text[last:match.start()]) + Markup("<code>") + escape(match.group(1)) + Markup("</code>")
        last = match.end()
    return out + escape((text or "")[last:])

