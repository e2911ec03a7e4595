"""How well the encoder's vocabulary covers each language: share of unknown and single-letter tokens."""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tokenizers import Tokenizer

from indexing.encoder_training import pair_files, read_pairs, token_coverage

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "indexing" / "models" / "micro-static-multilingual"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parallel", default=os.environ.get("KB_PARALLEL_DIR"),
                        help="folder of en-XX.tsv pairs (or KB_PARALLEL_DIR)")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model folder holding tokenizer.json")
    parser.add_argument("--languages", default="ar,it,fr,es,de,tr")
    parser.add_argument("--sample", type=int, default=5000, help="sentences per language (a fixed random sample)")
    args = parser.parse_args()
    if not args.parallel or not Path(args.parallel).is_dir():
        print(f"parallel folder not found: {args.parallel!r} (pass --parallel or set KB_PARALLEL_DIR); skipped")
        return 0
    tokenizer = Tokenizer.from_file(str(Path(args.model) / "tokenizer.json"))
    files = pair_files(args.parallel)
    print(f"model {args.model}: {tokenizer.get_vocab_size()} tokens")
    print(f"{'lang':<5} {'sentences':>9} {'tokens':>8} {'tokens/sent':>11} {'unknown':>8} {'1-letter':>8}")
    for lang in args.languages.split(","):
        if lang not in files:
            print(f"{lang:<5} no en-{lang}.tsv")
            continue
        texts = [other for _, other in read_pairs(files[lang])]
        random.Random(lang).shuffle(texts)
        texts = texts[: args.sample]
        cover = token_coverage(tokenizer, texts)
        print(f"{lang:<5} {len(texts):>9} {cover['tokens']:>8} {cover['tokens'] / max(len(texts), 1):>11.1f} "
              f"{cover['unknown']:>8.2%} {cover['single_letter']:>8.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
