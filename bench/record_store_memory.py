"""Memory the record store's in-memory mirror takes at N synthetic records (what every search process holds).

Synthetic records (bench/synthetic.py) are tagged with the shipped thesaurus as an index build
tags them (the first 2,000 are analysed; the rest reuse their tags in turn, so a 100k run takes
seconds), written to a RecordStore in a temporary folder, then the store is opened again as a
server opens it, measuring the Python heap it keeps (tracemalloc) and the process's resident
memory growth (in a fresh process). Usage:

    python bench/record_store_memory.py [--records 10000,100000]
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from report import markdown_table, print_machine  # noqa: E402
from synthetic import load_seed_records, synthetic_records  # noqa: E402

from indexing.analysed import analyse_doc  # noqa: E402
from indexing.concepts import Thesaurus  # noqa: E402
from indexing.documents import IndexDoc  # noqa: E402
from indexing.engine import EngineSettings, SearchEngine  # noqa: E402
from indexing.record_store import RecordStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TAGGED = 2000


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1024 / 1024


def docs(count: int) -> list[IndexDoc]:
    rows = synthetic_records(count, load_seed_records())
    return [IndexDoc(i + 1, r["kind"], r["lang"], r["title"], r.get("summary", ""), r["body"], list(r.get("themes", [])),
                     r.get("country"), r.get("audience"), r.get("level"), r.get("organisation"), r.get("year"), r["id"])
            for i, r in enumerate(rows)]


def measure(count: int, thesaurus: Thesaurus) -> dict[str, float]:
    records = docs(count)
    tagger = SearchEngine.__new__(SearchEngine)
    tagger.thesaurus, tagger.settings = thesaurus, EngineSettings()
    tags = [tagger._concept_weights(analyse_doc(d)) for d in records[:TAGGED]]
    with tempfile.TemporaryDirectory(prefix="kb-bench-store-") as folder:
        store = RecordStore(Path(folder))
        for start in range(0, count, 5000):
            chunk = records[start:start + 5000]
            store.put([(d, tags[(start + i) % len(tags)]) for i, d in enumerate(chunk)])
        store.close()
        # Opened in a fresh process, as a server opens it.
        child = subprocess.run([sys.executable, __file__, "--open", folder], capture_output=True, text=True, check=True)
        opened = json.loads(child.stdout.strip().splitlines()[-1])
    concepts = sum(len(t) for t in tags) / len(tags)
    return {"records": count, "concepts": concepts, **opened}


def open_store(folder: Path) -> dict[str, float]:
    """Open the store twice: once for time and resident memory, once under tracemalloc for its heap."""
    rss_before = _rss_mb()
    started = time.perf_counter()
    store = RecordStore(folder)
    load_s = time.perf_counter() - started
    rss_mb = _rss_mb() - rss_before
    store.close()
    del store
    gc.collect()
    tracemalloc.start()
    store = RecordStore(folder)
    gc.collect()
    heap_mb = tracemalloc.get_traced_memory()[0] / 1024 / 1024
    tracemalloc.stop()
    store.close()
    return {"heap_mb": heap_mb, "rss_mb": rss_mb, "load_s": load_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--open", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.open is not None:
        print(json.dumps(open_store(args.open)))
        return 0
    print_machine()
    thesaurus = Thesaurus.from_jsonl(ROOT / "corpus" / "thesaurus.jsonl")
    rows = []
    for count in (int(n) for n in args.records.split(",") if n.strip()):
        row = measure(count, thesaurus)
        print(f"{count} records: heap {row['heap_mb']:.0f} MB, RSS +{row['rss_mb']:.0f} MB, opened in {row['load_s']:.1f} s",
              flush=True)
        rows.append([f"{count:,}", f"{row['concepts']:.1f}", f"{row['heap_mb']:.0f}", f"{row['rss_mb']:.0f}",
                     f"{row['load_s']:.1f}"])
    print()
    print(markdown_table(["records", "concepts per record", "heap MB (tracemalloc)", "RSS growth MB", "open s"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
