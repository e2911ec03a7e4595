"""Search benchmark: indexing throughput, query latency (p50/p95) and peak memory on a synthetic corpus.

The corpus is the shipped seed records replicated with variations (new ids, shuffled sentences,
swapped cities) up to --records. Usage:

    python bench/search_latency.py [--records 10000] [--encoder NAME_OR_PATH] [--rounds 3] [--filters lang=it,lang=es ...]

With --filters every query is also run with those filters (repeat a name for OR within a facet; give
--filters again for another set), the case where facet counts are computed without each facet's own filter.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from indexing import IndexDoc, SearchEngine, SearchQuery  # noqa: E402
from report import percentile, print_machine  # noqa: E402
from synthetic import load_seed_records  # noqa: E402

TEMPLATE_FIELDS = (
    "target_group",
    "challenge",
    "method",
    "results",
    "resources_needed",
    "evidence_of_success",
    "transferability",
    "difficulties",
    "learning_objectives",
)

QUERIES = [
    ("it", "microcredito per donne migranti"),
    ("it", "fondo di garanzia"),
    ("it", "piano d'impresa"),
    ("it", "mediazione interculturale in banca"),
    ("it", "permesso di soggiorno lavoro autonomo"),
    ("en", "microloans for refugee entrepreneurs"),
    ("en", "business plan training"),
    ("en", "financial literacy for newcomers"),
    ("en", "guarantee fund for small loans"),
    ("en", "mentoring after the loan"),
    ("fr", "microcrédit pour les femmes migrantes"),
    ("fr", "plan d'affaires"),
    ("fr", "fonds de garantie"),
    ("fr", "accompagnement des créateurs d'entreprise"),
    ("fr", "titre de séjour"),
    ("es", "microcrédito para mujeres inmigrantes"),
    ("es", "plan de negocio"),
    ("es", "fondo de garantía"),
    ("es", "educación financiera"),
    ("es", "mediación intercultural"),
    ("de", "Mikrokredit für Migrantinnen"),
    ("de", "Businessplan erstellen"),
    ("de", "Bürgschaftsfonds"),
    ("de", "Finanzielle Bildung"),
    ("de", "Existenzgründung Beratung"),
    ("ar", "القروض الصغيرة للمهاجرين"),
    ("ar", "خطة العمل"),
    ("ar", "صندوق الضمان"),
    ("ar", "التثقيف المالي"),
    ("ar", "الإرشاد بعد القرض"),
]




def synthetic_docs(seeds: list[dict], count: int, rng: random.Random):
    """`count` IndexDocs: seed i % len(seeds), sentences of the body shuffled, city swapped."""
    cities = sorted({r["city"] for r in seeds if r.get("city")}) or ["Roma"]
    for n in range(count):
        seed = seeds[n % len(seeds)]
        text = "\n\n".join([seed.get("body", "")] + [str(seed[f]) for f in TEMPLATE_FIELDS if seed.get(f)])
        sentences = re.split(r"(?<=[.!?])\s+", text)
        if n >= len(seeds):
            rng.shuffle(sentences)
        body = " ".join(sentences)
        title = seed["title"]
        city = seed.get("city")
        if city and n >= len(seeds):
            other = rng.choice(cities)
            body, title = body.replace(city, other), title.replace(city, other)
        yield IndexDoc(
            id=n + 1,
            kind=seed["kind"],
            lang=seed["lang"],
            title=title,
            summary=seed.get("summary", ""),
            body=body,
            themes=list(seed.get("themes") or []),
            country=seed.get("country"),
            audience=seed.get("audience"),
            level=seed.get("level"),
            organisation=seed.get("organisation"),
            year=seed.get("year"),
            external_id=f"{seed.get('id', 'rec')}-v{n // len(seeds)}",
        )






def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--encoder", default=None, help="sentence-transformers name or path (default: the shipped one)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--rounds", type=int, default=3, help="times each query is run")
    parser.add_argument("--modes", default="hybrid,keyword,semantic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--filters", action="append", default=[],
                        help="name=value,... applied to another run of every query (may be given several times)")
    args = parser.parse_args()
    filter_sets: list[dict[str, list[str]]] = []
    for spec in args.filters:
        filters: dict[str, list[str]] = {}
        for pair in filter(None, spec.split(",")):
            name, _, value = pair.partition("=")
            filters.setdefault(name.strip(), []).append(value.strip())
        filter_sets.append(filters)

    print_machine()
    seeds = load_seed_records(args.corpus)
    thesaurus = args.corpus / "thesaurus.jsonl"
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as folder:
        started = time.perf_counter()
        engine = SearchEngine.open(
            Path(folder), encoder=args.encoder, thesaurus_path=thesaurus if thesaurus.exists() else None
        )
        stats = engine.stats()
        print(
            f"encoder: {stats['encoder']} (dimension {stats['dimension']}, multilingual {stats['multilingual']}), "
            f"thesaurus concepts: {stats['concepts']}, load {time.perf_counter() - started:.1f}s"
        )

        started = time.perf_counter()
        last = [0.0]

        def progress(done: int) -> None:
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                print(f"  indexed {done} records ({done / (last[0] - started):.0f}/s)", flush=True)

        count = engine.rebuild(synthetic_docs(seeds, args.records, random.Random(args.seed)), progress=progress)
        elapsed = time.perf_counter() - started
        stats = engine.stats()
        print(
            f"indexing: {count} records, {stats['passages']} passages in {elapsed:.1f}s "
            f"= {count / elapsed:.1f} records/s"
        )

        # The first search loads the language detector and warms caches: not counted.
        engine.search(SearchQuery(text="warm up the engine", mode="hybrid"))
        runs = [("", {})] + [(f" +{len(f)} facet{'s' if len(f) > 1 else ''}", f) for f in filter_sets]
        for mode in args.modes.split(","):
            for label, wanted in runs:
                timings = []
                for _ in range(args.rounds):
                    for lang, text in QUERIES:
                        t0 = time.perf_counter()
                        engine.search(SearchQuery(text=text, mode=mode, ui_lang=lang, filters=wanted))
                        timings.append((time.perf_counter() - t0) * 1000)
                print(
                    f"latency {mode + label:<18}: p50 {statistics.median(timings):6.1f} ms"
                    f"   p95 {percentile(timings, 0.95):6.1f} ms   max {max(timings):6.1f} ms   ({len(timings)} queries)"
                )
        engine.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
