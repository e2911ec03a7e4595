"""A draft from a document: title from the first heading, template sections matched by their headings in any language.

The heading words come from the template's own field labels as translated in the interface catalogues (so a new
translation teaches the matcher too), plus a few common synonyms a catalogue does not use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.support import Translations

from indexing.analyzers import fold_accents, term_set

from ..kinds import KINDS, LANGUAGES, Kind
from .extract import Block, Extracted

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


LONG_TEXT = 1000  # characters: a field allowed this much is prose a document section can fill


def _prefilled(kind: Kind) -> tuple[str, ...]:
    """A kind's prose fields, which a document's sections can fill (the body takes what no heading claims)."""
    return tuple(f.name for f in kind.fields if f.type == "text" and (f.limit or 0) >= LONG_TEXT)


PREFILL_FIELDS: dict[str, tuple[str, ...]] = {kind.name: _prefilled(kind) for kind in KINDS}
# Synonyms the catalogues do not use, in the six languages; the labels' translations come first.
EXTRA_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("Abstract", "Overview", "Sintesi", "Riassunto", "Résumé", "Synthèse", "Resumen",
                "Zusammenfassung", "Kurzfassung", "ملخص"),
    "body": ("Background", "Introduction", "Contesto", "Introduzione", "Contexte", "Contexto", "Hintergrund",
             "Kontext", "Ausgangslage", "السياق", "خلفية"),
    "target_group": ("Beneficiaries", "Destinatari", "Beneficiari", "Public cible", "Bénéficiaires",
                     "Destinatarios", "Beneficiarios", "Zielgruppe", "الفئة المستهدفة", "المستفيدون"),
    "challenge": ("Challenge", "Problem", "Sfida", "Problema", "Défi", "Problème", "Desafío", "Reto",
                  "Herausforderung", "التحدي", "المشكلة"),
    "method": ("Methodology", "Activities", "Metodo", "Metodologia", "Attività", "Méthode", "Activités",
               "Método", "Actividades", "Methode", "Vorgehen", "Aktivitäten", "المنهجية", "الأنشطة"),
    "results": ("Outcomes", "Impact", "Risultati", "Résultats", "Resultados", "Ergebnisse", "Wirkung", "النتائج"),
    "resources_needed": ("Resources", "Budget", "Risorse", "Ressources", "Recursos", "Ressourcen", "الموارد"),
    "evidence_of_success": ("Evaluation", "Valutazione", "Évaluation", "Evaluación", "Evaluation",
                            "Erfolgsnachweis", "التقييم"),
    "transferability": ("Replicability", "Trasferibilità", "Replicabilità", "Transférabilité",
                        "Transferibilidad", "Übertragbarkeit", "قابلية النقل"),
    "difficulties": ("Lessons learned", "Difficoltà", "Criticità", "Difficultés", "Dificultades",
                     "Schwierigkeiten", "الصعوبات"),
    "learning_objectives": ("Learning objectives", "Obiettivi di apprendimento", "Objectifs d'apprentissage",
                            "Objetivos de aprendizaje", "Lernziele", "أهداف التعلم"),
}
MAX_HEADING_WORDS = 8  # a longer line is text, not a heading, whatever its style
TITLE_CHARS = 300


def _label_msgids() -> dict[str, set[str]]:
    """The English labels (the catalogue's msgids) each kind gives a field the form and the record page show."""
    ids: dict[str, set[str]] = {}
    for kind in KINDS:
        for name in PREFILL_FIELDS[kind.name]:
            label = kind.field(name).label
            # A lazy string keeps its msgid as its first argument; a plain string is its own msgid.
            ids.setdefault(name, set()).add(str(getattr(label, "_args", (label,))[0]))
    return ids


@lru_cache(maxsize=1)
def heading_terms() -> dict[str, list[set[str]]]:
    """For each field, the analysed terms of every heading that names it, in every language."""
    catalogues = {lang: Translations.load(str(TRANSLATIONS_DIR), [lang]) for lang in LANGUAGES}
    found: dict[str, list[set[str]]] = {}
    for name, msgids in _label_msgids().items():
        translated = {catalogues[lang].gettext(msgid) for msgid in msgids for lang in LANGUAGES}
        phrases = {*msgids, *translated, *EXTRA_HEADINGS.get(name, ())}
        variants = found.setdefault(name, [])
        for phrase in phrases:
            for lang in LANGUAGES:
                terms = _terms(lang, phrase)
                if terms and terms not in variants:
                    variants.append(terms)
    return found


def _terms(lang: str, text: str) -> set[str]:
    return {fold_accents(t) for t in term_set(lang, text)}


def match_heading(text: str, fields: tuple[str, ...], strict: bool = False) -> str | None:
    """The field a heading names ("Herausforderung" -> challenge), or None; strict for lines of unstyled text."""
    cleaned = text.strip().strip(":.-–—#*0123456789)( \t").strip()
    if not cleaned or len(cleaned.split()) > MAX_HEADING_WORDS:
        return None
    best, best_score = None, 0.0
    table = heading_terms()
    for lang in LANGUAGES:
        words = _terms(lang, cleaned)
        if not words:
            continue
        for name in fields:
            for variant in table.get(name, ()):
                shared = len(words & variant)
                if not shared:
                    continue
                # Jaccard, but a heading that holds all of a label's words (or the reverse) is a full match.
                score = 1.0 if words <= variant or variant <= words else shared / len(words | variant)
                if score > best_score:
                    best, best_score = name, score
    return best if best_score >= (0.99 if strict else 0.5) else None


@dataclass
class DraftFields:
    """What a document fills in: the fields, and which headings went where (for the per-file report)."""

    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    matched: dict[str, str] = field(default_factory=dict)  # field -> the heading it came from


def _is_heading(block: Block) -> bool:
    return block.kind == "heading" or (
        len(block.text.split()) <= MAX_HEADING_WORDS and "\n" not in block.text
        and not block.text.rstrip().endswith((".", ";", ",", "!", "?"))
    )


def draft_fields(extracted: Extracted, kind: str = "practice", fallback_title: str = "") -> DraftFields:
    """Split a document's blocks into the record's fields; text under no recognised heading goes to the body."""
    fields = PREFILL_FIELDS.get(kind, PREFILL_FIELDS["practice"])
    draft = DraftFields()
    parts: dict[str, list[str]] = {}
    current = "body"
    blocks = list(extracted.blocks)
    # The title: the first heading, unless it names a section.
    for index, block in enumerate(blocks[:5]):
        # A PDF has no styles: there its first line is the title when it reads like one.
        looks_like_title = block.kind == "heading" or (index == 0 and _is_heading(block))
        if looks_like_title and not match_heading(block.text, fields):
            draft.title = block.text.replace("\n", " ")[:TITLE_CHARS]
            del blocks[index]
            break
    section_level = 0
    for block in blocks:
        name = None
        if _is_heading(block):
            name = match_heading(block.text, fields, strict=block.kind != "heading")
        if name is not None:
            current, section_level = name, block.level
            draft.matched.setdefault(name, block.text)
            continue
        if block.kind == "heading" and current != "body" and block.level <= section_level:
            # A heading of the same rank that names no template section ends the section: the rest is body.
            current = "body"
        parts.setdefault(current, []).append(block.text)
    for name, texts in parts.items():
        draft.fields[name] = "\n\n".join(texts).strip()
    if not draft.title:
        draft.title = (fallback_title or "").strip()[:TITLE_CHARS]
    return draft
