"""Concept coverage: the share of dev queries whose key need at least one thesaurus concept catches.

Each query in `corpus/eval/queries.jsonl` has a `key`: the query words that carry its need (see
corpus/eval/README.md). The query goes through `Thesaurus.detect` as search runs it: in the language
that `detect_language` finds with the query's language as the interface hint, as `kb eval` does. The
key is caught when a detected concept's matched words overlap the key's words, analysed in the
language of the label that matched. Printed: the share caught overall and per query language, how
many queries a concept of each group (target group, sector, ...) catches (a concept's group as any of
the given files declares it, so an older thesaurus without groups is counted too), and every query
that misses. Give `--thesaurus` several times to compare files side by side, e.g. the thesaurus before a
change:

    git show 8c235b3:corpus/thesaurus.jsonl > /tmp/thesaurus-before.jsonl
    python bench/concept_coverage.py --corpus corpus --thesaurus /tmp/thesaurus-before.jsonl \\
        --thesaurus corpus/thesaurus.jsonl
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from indexing.analyzers import LANGUAGES, terms_of  # noqa: E402
from indexing.concepts import CONCEPT_GROUPS, ConceptMatch, Thesaurus  # noqa: E402
from indexing.language import detect_language  # noqa: E402
from report import markdown_table, print_machine  # noqa: E402


@dataclass(frozen=True)
class Coverage:
    """One query under one thesaurus: the concepts detected and those that caught its key."""

    query: dict
    lang: str
    detected: list[ConceptMatch]
    catching: list[ConceptMatch]


def catches(match: ConceptMatch, key: str) -> bool:
    """Whether a detected concept's matched words overlap the key's words (in the label's language)."""
    return bool(set(match.text.split()) & set(terms_of(match.lang, key)))


def load_queries(path: Path) -> list[dict]:
    queries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    unkeyed = [q["id"] for q in queries if not str(q.get("key") or "").strip()]
    if unkeyed:
        raise SystemExit(f"{path}: queries without a 'key' field: {', '.join(unkeyed)}")
    return queries


def coverage(thesaurus: Thesaurus, queries: list[dict]) -> list[Coverage]:
    rows = []
    for query in queries:
        lang = detect_language(query["text"], query["lang"])
        detected = thesaurus.detect(query["text"], lang)
        rows.append(Coverage(query, lang, detected, [m for m in detected if catches(m, query["key"])]))
    return rows


def share(rows: list[Coverage]) -> str:
    caught = sum(1 for row in rows if row.catching)
    return f"{caught}/{len(rows)} ({100 * caught / len(rows):.0f}%)" if rows else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus folder (default: ./corpus)")
    parser.add_argument("--queries", type=Path, help="keyed queries (default: CORPUS/eval/queries.jsonl)")
    parser.add_argument("--thesaurus", type=Path, action="append",
                        help="thesaurus file; repeat to compare (default: CORPUS/thesaurus.jsonl)")
    parser.add_argument("--verbose", action="store_true", help="list the catching concepts of every query")
    args = parser.parse_args(argv)
    queries = load_queries(args.queries or args.corpus / "eval" / "queries.jsonl")
    paths = args.thesaurus or [args.corpus / "thesaurus.jsonl"]
    runs = []
    for path in paths:
        thesaurus = Thesaurus.from_jsonl(path)
        runs.append((path, thesaurus, coverage(thesaurus, queries)))

    # An older thesaurus may predate the group field: count its concepts in the groups a newer one gives them.
    groups = {cid: c.group for _, t, _ in runs for cid, c in t.concepts.items() if c.group}
    print_machine()
    print(f"{len(queries)} keyed queries; a key is caught when a detected concept matches one of its words")
    header = ["queries", *[f"{p} ({len(t)} concepts)" for p, t, _ in runs]]
    table = [["all", *[share(rows) for _, _, rows in runs]]]
    for lang in LANGUAGES:
        table.append([lang, *[share([r for r in rows if r.query["lang"] == lang]) for _, _, rows in runs]])
    for group in CONCEPT_GROUPS:
        table.append([f"caught by a concept in {group}", *[
            str(sum(1 for r in rows if any(groups.get(m.id) == group for m in r.catching)))
            for _, _, rows in runs]])
    print(markdown_table(header, table))
    for path, thesaurus, rows in runs:
        print(f"\n{path}: queries whose key no concept catches")
        for row in rows:
            if not row.catching:
                found = ", ".join(m.id for m in row.detected) or "nothing"
                print(f"  {row.query['id']} [{row.lang}] {row.query['text']!r} key {row.query['key']!r}: detected {found}")
        if args.verbose:
            print(f"{path}: catching concepts")
            for row in rows:
                if row.catching:
                    print(f"  {row.query['id']} key {row.query['key']!r}: "
                          + ", ".join(f"{m.id} ({m.lang}: {m.text})" for m in row.catching))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
