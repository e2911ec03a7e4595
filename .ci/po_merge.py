#!/usr/bin/env python3
"""Git merge driver for gettext catalogues: the union of both sides' messages (ours wins a real clash).

Wired by `.gitattributes` (`*.po merge=po`) and `git config merge.po.driver '.ci/po_merge.py %O %A %B'`
(run `make i18n-merge-driver` once per clone). After a merge, run `make translations` to recompile.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def _read(path: str):
    with open(path, "rb") as handle:
        return read_po(handle, abort_invalid=False)


def _text(message) -> object:
    return message.string if message is not None else None


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    base, ours, theirs = _read(base_path), _read(ours_path), _read(theirs_path)
    for message in theirs:
        if not message.id:
            continue
        mine, old = ours.get(message.id, message.context), base.get(message.id, message.context)
        if mine is None:
            if old is None:  # added on their side only
                ours[message.id] = message
            continue
        theirs_changed = _text(message) != _text(old)
        mine_changed = _text(mine) != _text(old)
        mine_empty = not mine.string or (isinstance(mine.string, tuple) and not all(mine.string))
        if (theirs_changed and not mine_changed) or (mine_empty and message.string):
            mine.string = message.string
        mine.locations = sorted(set(mine.locations) | set(message.locations))
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=0 if Path(ours_path).suffix == ".pot" else 76, include_previous=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
