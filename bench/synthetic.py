"""Synthetic interchange records built from the shipped corpus, for benchmarks at 1k-100k records.

Each synthetic record copies a seed record (a practice or resource of corpus/) and varies it:
a new id, the body's sentences shuffled, and the city (with its country), organisation and
year swapped for others found in seed records of the same language, also where the text names
them. The output passes `kb import` validation. Usage:

    python bench/synthetic.py --records 10000 --out /tmp/synthetic-10k.jsonl [--corpus corpus] [--seed 7]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
YEARS = (2010, 2025)
# Curriculum placement and translation links point at other records: a copy must not claim them.
DROPPED_FIELDS = ("path", "module", "position", "translation_of")
# Organisations given by slug are the network's partners; only free-text names are swapped.
SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]*$")


def load_seed_records(corpus: Path = ROOT / "corpus") -> list[dict[str, Any]]:
    """Every practice and resource of the corpus, in a stable order."""
    records = []
    for path in sorted(corpus.glob("practices/*.jsonl")) + sorted(corpus.glob("resources/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    if not records:
        raise ValueError(f"no practice or resource records under {corpus}")
    return records


@dataclass
class LanguagePools:
    """What a record in one language may be moved to: places (country, city) and organisation names."""

    places: list[tuple[str, str]] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


def language_pools(seeds: list[dict[str, Any]]) -> dict[str, LanguagePools]:
    pools: dict[str, LanguagePools] = {}
    for seed in seeds:
        pool = pools.setdefault(seed["lang"], LanguagePools())
        place = (seed.get("country"), seed.get("city"))
        if all(place) and place not in pool.places:
            pool.places.append(place)
        org = seed.get("organisation")
        if org and not SLUG.match(org) and org not in pool.organisations:
            pool.organisations.append(org)
    return pools


def _shift_date(value: str | None, years: int) -> str | None:
    if not value or years == 0:
        return value
    year, rest = int(value[:4]) + years, value[4:]
    if rest.startswith("-02-29"):
        rest = "-02-28" + rest[6:]  # the shifted year may have no 29 February
    return f"{year:04d}{rest}"


def _replace_everywhere(record: dict[str, Any], old: str, new: str) -> None:
    for key, value in record.items():
        if isinstance(value, str) and key != "id" and old in value:
            record[key] = value.replace(old, new)


def vary_record(seed: dict[str, Any], number: int, pools: dict[str, LanguagePools], rng: random.Random) -> dict[str, Any]:
    """One synthetic record from `seed`: new id, shuffled body, swapped place, organisation and year."""
    record = {k: v for k, v in seed.items() if k not in DROPPED_FIELDS and v is not None}
    record["id"] = f"syn{number:07d}-{seed.get('id', 'rec')}"[:120]
    pool = pools.get(seed["lang"], LanguagePools())

    if record.get("city") and pool.places:
        country, city = rng.choice(pool.places)
        _replace_everywhere(record, record["city"], city)
        record["city"], record["country"] = city, country
    org = record.get("organisation")
    if org and not SLUG.match(org) and pool.organisations:
        other = rng.choice(pool.organisations)
        _replace_everywhere(record, org, other)
        record["organisation"] = other
    if isinstance(record.get("year"), int):
        year = rng.randint(*YEARS)
        shift = year - record["year"]
        record["year"] = year
        for name in ("start_date", "end_date"):
            if name in record:
                record[name] = _shift_date(record[name], shift)

    sentences = [s for s in SENTENCE_END.split(record["body"]) if s.strip()]
    rng.shuffle(sentences)
    record["body"] = " ".join(sentences)
    return record


def synthetic_records(count: int, seeds: list[dict[str, Any]] | None = None, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` synthetic records cycling through the seed records; the same `seed` gives the same output."""
    seeds = seeds if seeds is not None else load_seed_records()
    pools = language_pools(seeds)
    rng = random.Random(seed)
    for number in range(count):
        yield vary_record(seeds[number % len(seeds)], number, pools, rng)


def write_jsonl(records: Iterator[dict[str, Any]], out: Path) -> int:
    """Write records as JSON Lines; returns how many were written."""
    count = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="how many records to write")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the corpus folder the seeds come from")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same file)")
    args = parser.parse_args(argv)
    try:
        seeds = load_seed_records(args.corpus)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    written = write_jsonl(synthetic_records(args.records, seeds, args.seed), args.out)
    print(f"wrote {written} synthetic records from {len(seeds)} seed records to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
