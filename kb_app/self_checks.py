"""Module self-checks: the question shape (corpus/self_checks.json), showing a question in a language, and scoring."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .kinds import LANGUAGES
from .models import Module, SelfCheckAttempt, User

SELF_CHECK_FILE = "self_checks.json"
FIELD_PREFIX = "q-"  # form field of a question: "q-" + its id; the value is the index of the chosen option


class SelfCheckError(ValueError):
    """Answers that cannot be scored (a question not in the module, an option that does not exist), in one line."""


class UnansweredQuestions(SelfCheckError):
    """Some questions of the self-check were left without an answer."""


@dataclass(frozen=True)
class Question:
    """One multiple-choice question, as shown to a learner: in their language when written in it, else its own."""

    id: str
    lang: str
    text: str
    options: tuple[str, ...]
    answer: int
    resource: str | None


def _pick(texts: Mapping[str, str], lang: str, original: str) -> str:
    return texts.get(lang) or texts.get(original) or next(iter(texts.values()), "")


def questions(module: Module, lang: str) -> list[Question]:
    """The module's questions, each in `lang` where a translation exists, else in the language it was written in."""
    out = []
    for row in module.self_check or []:
        shown = lang if row["text"].get(lang) and all(o.get(lang) for o in row["options"]) else row["lang"]
        out.append(Question(id=row["id"], lang=shown, text=_pick(row["text"], shown, row["lang"]),
                            options=tuple(_pick(o, shown, row["lang"]) for o in row["options"]),
                            answer=int(row["answer"]), resource=row.get("resource")))
    return out


@dataclass(frozen=True)
class Score:
    score: int
    total: int
    passed: bool
    chosen: dict[str, int]


def score_answers(module: Module, answers: Mapping[str, str]) -> Score:
    """Score form answers ({"q-q1": "2", ...}); raise SelfCheckError for a question not in the module, an option that
    does not exist, or an unanswered question."""
    rows = {row["id"]: row for row in module.self_check or []}
    if not rows:
        raise SelfCheckError("this module has no self-check")
    chosen: dict[str, int] = {}
    for name, value in answers.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        qid = name[len(FIELD_PREFIX):]
        if qid not in rows:
            raise SelfCheckError(f"there is no question {qid!r} in this module's self-check")
        if not (isinstance(value, str) and value.isdigit() and int(value) < len(rows[qid]["options"])):
            raise SelfCheckError(f"question {qid!r} has no option {value!r}")
        chosen[qid] = int(value)
    missing = [qid for qid in rows if qid not in chosen]
    if missing:
        raise UnansweredQuestions(f"answer every question before checking ({len(missing)} unanswered)")
    right = sum(1 for qid, row in rows.items() if chosen[qid] == int(row["answer"]))
    return Score(score=right, total=len(rows), passed=right * 100 >= module.pass_mark * len(rows), chosen=chosen)


def record_attempt(session: Session, user: User, module: Module, result: Score) -> SelfCheckAttempt:
    attempt = SelfCheckAttempt(user_id=user.id, module_id=module.id, answers=result.chosen, score=result.score,
                               total=result.total, passed=result.passed)
    session.add(attempt)
    return attempt


def best_attempts(session: Session, user_ids: list[int]) -> dict[tuple[int, int], SelfCheckAttempt]:
    """(user id, module id) -> the best attempt (passed first, then the highest score, then the latest)."""
    best: dict[tuple[int, int], SelfCheckAttempt] = {}
    if not user_ids:
        return best
    for attempt in session.scalars(select(SelfCheckAttempt).where(SelfCheckAttempt.user_id.in_(user_ids))
                                   .order_by(SelfCheckAttempt.id)):
        key = (attempt.user_id, attempt.module_id)
        held = best.get(key)
        if held is None or (attempt.passed, attempt.score) >= (held.passed, held.score):
            best[key] = attempt
    return best


def _check_row(module_slug: str, row: Any) -> None:
    where = f"{SELF_CHECK_FILE}: {module_slug}"
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or row.get("lang") not in LANGUAGES:
        raise ValueError(f"{where}: every question needs an id and a language")
    texts, options = row.get("text"), row.get("options")
    if not isinstance(texts, dict) or row["lang"] not in texts:
        raise ValueError(f"{where} {row['id']}: the question is not written in its language {row['lang']}")
    if not isinstance(options, list) or len(options) < 2 or any(row["lang"] not in o for o in options):
        raise ValueError(f"{where} {row['id']}: a question needs at least two options in its language")
    if not isinstance(row.get("answer"), int) or not 0 <= row["answer"] < len(options):
        raise ValueError(f"{where} {row['id']}: the answer must be the index of one of its options")


def load_self_checks(session: Session, corpus_dir: Path) -> int:
    """Put the shipped self-checks and pass marks on their modules (by slug); return how many modules got one."""
    path = corpus_dir / SELF_CHECK_FILE
    if not path.exists():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for slug, entry in data["modules"].items():
        module = session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            raise ValueError(f"{SELF_CHECK_FILE}: no module {slug!r} in the curriculum")
        for row in entry["questions"]:
            _check_row(slug, row)
        pass_mark = entry.get("pass_mark", 60)
        if not isinstance(pass_mark, int) or not 0 < pass_mark <= 100:
            raise ValueError(f"{SELF_CHECK_FILE}: {slug}: pass_mark must be a percentage from 1 to 100")
        module.self_check, module.pass_mark = entry["questions"], pass_mark
        count += 1
    return count
