"""Multilingual thesaurus: tag text with concepts and expand queries into every language."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from indexing.analyzers import LANGUAGES, WORD_PATTERN, normalise_term, terms_of

# What kind of need a concept names, when it names one of these; search boosts records of a
# target group the query mentions, and the coverage report counts each group.
CONCEPT_GROUPS: tuple[str, ...] = ("target_group", "sector", "business_stage", "administration")


@dataclass
class Concept:
    """A thesaurus concept with preferred and alternative labels per language."""

    id: str
    labels: dict[str, dict] = field(default_factory=dict)  # lang -> {"pref": str, "alt": [str]}
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    group: str | None = None  # one of CONCEPT_GROUPS, or None

    def all_labels(self, lang: str) -> list[str]:
        """Preferred label first, then the alternatives, in `lang`."""
        entry = self.labels.get(lang) or {}
        labels = [entry["pref"]] if entry.get("pref") else []
        return labels + [alt for alt in entry.get("alt", []) if alt]


@dataclass(frozen=True)
class ConceptMatch:
    """A concept found in a query: which language's label matched and the words it covered."""

    id: str
    lang: str
    text: str


class Thesaurus:
    """Concepts plus, per language, an index of their analysed labels for matching."""

    def __init__(self, concepts: list[Concept], fingerprint: str = ""):
        self.concepts = {c.id: c for c in concepts}
        self.fingerprint = fingerprint
        # lang -> first term -> [(label terms, concept id)], longest labels first.
        self._label_index: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for lang in LANGUAGES:
            index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            indexed: set[tuple[tuple[str, ...], str]] = set()
            for concept in concepts:
                for label in concept.all_labels(lang):
                    terms = tuple(terms_of(lang, label))
                    # Spelling variants that analyse alike are one label, so a tag counts once.
                    if terms and sum(len(t) for t in terms) >= 2 and (terms, concept.id) not in indexed:
                        indexed.add((terms, concept.id))
                        index.setdefault(terms[0], []).append((terms, concept.id))
            for entries in index.values():
                entries.sort(key=lambda e: -len(e[0]))
            self._label_index[lang] = index
        # The same labels for tagging a record: per first term, each label length (longest first) with its
        # labels -> concept ids, so a place in the text costs one lookup per length, not one per label.
        self._tag_index: dict[str, dict[str, list[tuple[int, dict[tuple[str, ...], list[str]]]]]] = {}
        for lang, index in self._label_index.items():
            tagging: dict[str, list[tuple[int, dict[tuple[str, ...], list[str]]]]] = {}
            for first, entries in index.items():
                by_length: dict[int, dict[tuple[str, ...], list[str]]] = {}
                for label_terms, concept_id in entries:
                    by_length.setdefault(len(label_terms), {}).setdefault(label_terms, []).append(concept_id)
                tagging[first] = sorted(by_length.items(), key=lambda item: -item[0])
            self._tag_index[lang] = tagging

    @classmethod
    def from_jsonl(cls, path: Path | str) -> "Thesaurus":
        """Read one concept per line: {"id", "labels": {lang: {"pref", "alt"}}, "broader", ..., "group"}."""
        raw = Path(path).read_bytes()
        concepts = []
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            data = json.loads(line)
            group = data.get("group")
            if group is not None and group not in CONCEPT_GROUPS:
                raise ValueError(
                    f"{path}: line {number}: concept {data.get('id')!r} has group {group!r}; "
                    f"expected one of {', '.join(CONCEPT_GROUPS)}"
                )
            concepts.append(
                Concept(
                    id=str(data["id"]),
                    labels=data.get("labels") or {},
                    broader=list(data.get("broader") or []),
                    narrower=list(data.get("narrower") or []),
                    related=list(data.get("related") or []),
                    themes=list(data.get("themes") or []),
                    group=group,
                )
            )
        return cls(concepts, fingerprint=hashlib.sha256(raw).hexdigest()[:16])

    @classmethod
    def empty(cls) -> "Thesaurus":
        return cls([], fingerprint="empty")

    def __len__(self) -> int:
        return len(self.concepts)

    def _matches(self, lang: str, terms: list[str], longest_only: bool) -> list[tuple[str, int, int]]:
        index = self._label_index.get(lang, {})
        found = []
        i = 0
        while i < len(terms):
            step = 1
            longest = 0
            for label_terms, concept_id in index.get(terms[i], ()):
                n = len(label_terms)
                if longest_only and n < longest:
                    break  # entries are longest first; shorter labels here are covered
                if tuple(terms[i : i + n]) == label_terms:
                    found.append((concept_id, i, i + n))
                    if longest_only:
                        # Concepts sharing this label all count ("Migrantinnen": women and migrants).
                        longest = step = n
            i += step
        return found

    def tag(self, text: str, lang: str) -> Counter:
        """How many times each concept's labels (in `lang`) occur in `text`."""
        return self.tag_terms(terms_of(lang, text), lang)

    def tag_terms(self, terms: list[str], lang: str) -> Counter:
        """`tag` over a text already analysed in `lang` (its index terms, in order)."""
        index = self._tag_index.get(lang, {})
        found: dict[str, int] = {}
        # Every label at every place counts, so only the places where some label starts are looked at.
        for i, lengths in [(i, lengths) for i, lengths in enumerate(map(index.get, terms)) if lengths]:
            for n, labels in lengths:
                concept_ids = labels.get(tuple(terms[i : i + n])) if n > 1 else labels[(terms[i],)]
                if concept_ids:
                    for concept_id in concept_ids:
                        found[concept_id] = found.get(concept_id, 0) + 1
        return Counter(found)

    def detect(self, query: str, lang: str) -> list[ConceptMatch]:
        """Concepts a query mentions: labels in its own language first, then in the others.

        Only the longest label at each place counts, so "guarantee fund" means the fund and
        not also the bare "guarantee"; concepts that share that label all count.
        """
        seen: dict[str, ConceptMatch] = {}
        # A function word of the query's language names no concept in another one: French
        # "par" is not the Spanish "paro", Italian "con" no label anywhere.
        content = " ".join(w for w in WORD_PATTERN.findall(query) if normalise_term(lang, w) is not None)
        for label_lang in [lang] + [code for code in LANGUAGES if code != lang]:
            terms = terms_of(label_lang, query if label_lang == lang else content)
            for concept_id, start, end in self._matches(label_lang, terms, longest_only=True):
                if concept_id not in seen:
                    seen[concept_id] = ConceptMatch(concept_id, label_lang, " ".join(terms[start:end]))
        return list(seen.values())

    def label(self, concept_id: str, lang: str) -> str:
        """The preferred label in `lang`, falling back to English, then any language."""
        concept = self.concepts.get(concept_id)
        if concept is None:
            return concept_id
        for code in (lang, "en", *LANGUAGES):
            labels = concept.all_labels(code)
            if labels:
                return labels[0]
        return concept_id

    def labels(self, concept_id: str, lang: str) -> list[str]:
        """All labels (preferred first) of a concept in `lang`."""
        concept = self.concepts.get(concept_id)
        return concept.all_labels(lang) if concept else []

    def expansion(self, concept_ids: list[str]) -> dict[str, list[str]]:
        """The labels of the given concepts in every language, for query expansion."""
        expanded: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            labels: list[str] = []
            for concept_id in concept_ids:
                labels.extend(label for label in self.labels(concept_id, lang) if label not in labels)
            expanded[lang] = labels
        return expanded

    def label_terms(self, concept_id: str, lang: str) -> set[str]:
        """Analysed terms of all labels of a concept in `lang` (for highlighting)."""
        return {term for label in self.labels(concept_id, lang) for term in terms_of(lang, label)}
