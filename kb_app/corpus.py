"""Loading the shipped seed corpus (organisations, themes, curricula and self-checks, practices, resources, events) into the database."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .importer import ImportReport, import_records
from .models import CurriculumPath, Module, Organisation, Theme
from .self_checks import load_self_checks


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_reference_data(session: Session, corpus_dir: Path) -> None:
    """Upsert organisations, themes and curriculum paths by slug (safe to run again)."""
    for row in _jsonl(corpus_dir / "organisations.jsonl"):
        org = session.scalar(select(Organisation).where(Organisation.slug == row["slug"])) or Organisation(slug=row["slug"])
        org.name, org.short_name = row["name"], row.get("short_name")
        org.country, org.city = row.get("country"), row.get("city")
        org.is_partner, org.role, org.description = bool(row.get("partner")), row.get("role"), row.get("description")
        session.add(org)
    for row in _jsonl(corpus_dir / "themes.jsonl"):
        theme = session.scalar(select(Theme).where(Theme.slug == row["slug"])) or Theme(slug=row["slug"])
        theme.labels = row["labels"]
        session.add(theme)
    curriculum = json.loads((corpus_dir / "curriculum.json").read_text(encoding="utf-8"))
    for path_row in curriculum["paths"]:
        path = session.scalar(select(CurriculumPath).where(CurriculumPath.slug == path_row["slug"]))
        path = path or CurriculumPath(slug=path_row["slug"])
        path.audience, path.titles = path_row["audience"], path_row["titles"]
        session.add(path)
        session.flush()
        for mod_row in path_row["modules"]:
            module = session.scalar(select(Module).where(Module.slug == mod_row["slug"])) or Module(slug=mod_row["slug"])
            module.path, module.position, module.titles = path, mod_row["position"], mod_row["titles"]
            session.add(module)
    session.flush()
    load_self_checks(session, corpus_dir)
    session.commit()


def corpus_record_files(corpus_dir: Path) -> list[Path]:
    # Events come last: their materials and translations name practices, resources and other events.
    return [path for folder in ("practices", "resources", "events") for path in sorted((corpus_dir / folder).glob("*.jsonl"))]


def load_corpus(session: Session, corpus_dir: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Load the reference data, then every practice, resource and event file as one all-or-nothing import."""
    load_reference_data(session, corpus_dir)
    data = "".join(path.read_text(encoding="utf-8").rstrip("\n") + "\n" for path in corpus_record_files(corpus_dir))
    return import_records(session, data, progress=progress)


def thesaurus_path(corpus_dir: Path) -> Path | None:
    path = corpus_dir / "thesaurus.jsonl"
    return path if path.exists() else None
