"""Why a result matched and what of it to show: the `matched_by` explanation and the snippet of each hit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexing.analyzers import term_set, terms_of
from indexing.backends import DenseBackend
from indexing.concepts import Thesaurus
from indexing.documents import Passage
from indexing.query_parsing import parse_query
from indexing.record_store import RecordStore
from indexing.snippets import make_snippet, word_terms


@dataclass
class Hit:
    """One result: the record id, its ranking score, an HTML snippet and why it matched."""

    id: int
    score: float
    snippet: str
    matched_by: dict
    lang: str | None = None
    external_id: str | None = None


def semantic_match(rank: int, cosine: float) -> dict:
    """The semantic leg's part of `matched_by`."""
    return {"rank": rank, "score": round(float(cosine), 4)}


def concept_match(thesaurus: Thesaurus, shared: list[str], rank: int, query_lang: str, doc_lang: str) -> dict:
    """The concept leg's part of `matched_by`: the shared concepts, labelled in the query's and the record's language."""
    return {
        "rank": rank,
        "concepts": [
            {"id": cid, "label": thesaurus.label(cid, query_lang), "doc_label": thesaurus.label(cid, doc_lang)}
            for cid in shared
        ],
    }


def keyword_terms(thesaurus: Thesaurus, text: str, doc_lang: str, doc_terms: set[str], concept_ids: list[str]) -> list[str]:
    """Query words (or quoted phrases) found in the record, then the labels, in the
    record's language, of the query concepts it is tagged with."""
    found = []
    for unit in parse_query(text):
        terms = terms_of(doc_lang, unit.text)
        if terms and set(terms) <= doc_terms and unit.text not in found:
            found.append(unit.text)
    for concept_id in concept_ids:
        label = thesaurus.label(concept_id, doc_lang)
        if label not in found:
            found.append(label)
    return found

def found_in(
    dense: DenseBackend, rid: int, attached: dict[int, Passage], text: str, own_terms: set[str], semantic: bool, keyword: bool,
    query_vector: np.ndarray | None,
) -> tuple[Passage, set[str]] | None:
    """The attached-file passage that found this record, with the query terms it holds; None when the
    record's own text did (its best dense passage is its own, or its own text has the query words)."""
    if semantic and query_vector is not None:
        vectors = dense.vectors(rid)
        if len(vectors):
            best = int(np.argmax(vectors @ np.asarray(query_vector, dtype=np.float32)))
            if best in attached:
                passage = attached[best]
                return passage, set(terms_of(passage.lang, text))
    if keyword and not own_terms:
        best_passage, best_terms = None, set()
        for n in sorted(attached):
            passage = attached[n]
            wanted = set(terms_of(passage.lang, text))
            shared = wanted & term_set(passage.lang, passage.text)
            if len(shared) > len(best_terms):
                best_passage, best_terms = passage, shared
        if best_passage is not None:
            return best_passage, best_terms
    return None

def explain_hits(
    store: RecordStore, dense: DenseBackend, thesaurus: Thesaurus, expansion_weight: float,
    page_ids, lang, text, matches, lists, concept_list, query_vector=None,
) -> list[Hit]:
    """Hits for one page of results: why each matched (keyword words, semantic score, bridging concepts,
    the attached file that found it) and a snippet marking the query's words in the record's language."""
    ranks = {
        name: {rid: (rank, score) for rank, (rid, score) in enumerate(ranked, start=1)}
        for name, ranked in lists.items()
    }
    concept_ranks = {rid: rank for rank, (rid, _) in enumerate(concept_list, start=1)}
    texts = store.texts([rid for rid, _ in page_ids])
    attached_by_record = store.passages([rid for rid, _ in page_ids])
    query_concepts = [m.id for m in matches]
    hits = []
    for rid, score in page_ids:
        meta = store.meta[rid]
        matched_by: dict = {"keyword": None, "semantic": None, "concept": None}
        title, summary, body = texts.get(rid, ("", "", ""))
        shared = [cid for cid in query_concepts if cid in meta.concepts]
        # Each text is analysed once: for the words it matched and for its snippet.
        analysed = {"summary": word_terms(meta.lang, summary), "body": word_terms(meta.lang, body)}
        if rid in ranks.get("keyword", {}):
            doc_terms = term_set(meta.lang, title)
            doc_terms.update(t for words in analysed.values() for _, _, t in words if t)
            terms = keyword_terms(
                thesaurus,                 text, meta.lang, doc_terms, shared if expansion_weight > 0 else []
            )
            matched_by["keyword"] = {"rank": ranks["keyword"][rid][0], "terms": terms}
        if rid in ranks.get("semantic", {}):
            rank, cosine = ranks["semantic"][rid]
            matched_by["semantic"] = {"rank": rank, "score": round(float(cosine), 4)}
        if shared and rid in concept_ranks:
            matched_by["concept"] = concept_match(thesaurus, shared, concept_ranks[rid], lang, meta.lang)
        wanted = set(terms_of(meta.lang, text))
        for cid in query_concepts:
            wanted |= thesaurus.label_terms(cid, meta.lang)
        snippet = None
        attached = attached_by_record.get(rid)
        if attached:
            keyword_info = matched_by["keyword"]
            own_terms = wanted & (term_set(meta.lang, title) | {t for w in analysed.values() for _, _, t in w if t})
            found = found_in(
                    dense,                 rid, attached, text, own_terms, matched_by["semantic"] is not None, keyword_info is not None,
                query_vector,
            )
            if found is not None:
                passage, passage_terms = found
                matched_by["found_in"] = {"file": passage.source, "page": passage.page, "lang": passage.lang}
                snippet = make_snippet(passage.lang, "", "", passage.text, passage_terms)
                if keyword_info is not None and not keyword_info["terms"]:
                    words = [u.text for u in parse_query(text) if set(terms_of(passage.lang, u.text)) & passage_terms]
                    keyword_info["terms"] = words
        if snippet is None:
            snippet = make_snippet(meta.lang, title, summary, body, wanted, analysed=analysed)
        hits.append(Hit(rid, float(score), snippet, matched_by, meta.lang, meta.external_id))
    return hits
