"""Following a curriculum path: enrolment, resources done, module and path progress, where to continue."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from .kinds import LANGUAGES
from .models import (
    CurriculumPath,
    Enrolment,
    Module,
    Record,
    ResourceDone,
    SelfCheckAttempt,
    User,
    utcnow,
)
from .self_checks import best_attempts

MODULE_STATES = ("done", "in_progress", "not_started")


class ProgressError(ValueError):
    """A progress change that cannot be made (the resource is not in the path...), in one line."""


def module_resources(session: Session, module: Module) -> list[Record]:
    """The published resources of a module in path order: by position, then language, then id."""
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    resources = list(session.scalars(select(Record).where(Record.status == "published", Record.module_id == module.id)
                                     .options(selectinload(Record.organisation))))
    resources.sort(key=lambda r: (r.position if r.position is not None else 10_000, order.get(r.lang, 99), r.id))
    return resources


@dataclass
class ModuleProgress:
    """One module for one person: its resources and which are done, and the best go at its self-check."""

    module: Module
    resources: list[Record]
    done: dict[int, datetime]  # record id -> when it was marked done
    questions: int
    best: SelfCheckAttempt | None = None

    @property
    def resources_done(self) -> int:
        return sum(1 for r in self.resources if r.id in self.done)

    @property
    def resources_total(self) -> int:
        return len(self.resources)

    @property
    def check_passed(self) -> bool:
        return self.questions == 0 or (self.best is not None and self.best.passed)

    @property
    def is_done(self) -> bool:
        return self.resources_done == self.resources_total and self.check_passed

    @property
    def state(self) -> str:
        if self.is_done:
            return "done"
        if self.resources_done or self.best is not None:
            return "in_progress"
        return "not_started"

    @property
    def steps_total(self) -> int:
        return self.resources_total + (1 if self.questions else 0)

    @property
    def steps_done(self) -> int:
        return self.resources_done + (1 if self.questions and self.check_passed else 0)

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 100


@dataclass(frozen=True)
class Step:
    """Where to go next in a path: a resource to read, a module's self-check, or (path done) the certificate."""

    kind: str  # "resource" | "self_check" | "certificate"
    module: Module | None = None
    record: Record | None = None


@dataclass
class PathProgress:
    """A path for one person: every module's progress, and the enrolment (None when not enrolled)."""

    path: CurriculumPath
    user: User
    enrolment: Enrolment | None
    modules: list[ModuleProgress] = field(default_factory=list)

    @property
    def resources_done(self) -> int:
        return sum(m.resources_done for m in self.modules)

    @property
    def resources_total(self) -> int:
        return sum(m.resources_total for m in self.modules)

    @property
    def modules_done(self) -> int:
        return sum(1 for m in self.modules if m.is_done)

    @property
    def is_done(self) -> bool:
        return bool(self.modules) and all(m.is_done for m in self.modules)

    @property
    def percent(self) -> int:
        total = sum(m.steps_total for m in self.modules)
        return round(100 * sum(m.steps_done for m in self.modules) / total) if total else 0

    @property
    def completed_at(self) -> datetime | None:
        """When the last step of a finished path was done."""
        if not self.is_done:
            return None
        moments = [at for m in self.modules for at in m.done.values()]
        moments += [m.best.created_at for m in self.modules if m.best is not None and m.best.passed]
        return max(moments) if moments else None

    def next_step(self) -> Step:
        """The first thing not done yet, in path order: continue where you left off."""
        for item in self.modules:
            for record in item.resources:
                if record.id not in item.done:
                    return Step("resource", item.module, record)
            if not item.check_passed:
                return Step("self_check", item.module)
        return Step("certificate")

    def module(self, slug: str) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.slug == slug), None)


def find_path(session: Session, slug: str) -> CurriculumPath | None:
    return session.scalar(select(CurriculumPath).where(CurriculumPath.slug == slug))


def find_module(session: Session, slug: str) -> Module | None:
    return session.scalar(select(Module).where(Module.slug == slug))


def enrolment_of(session: Session, user: User, path: CurriculumPath) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.path_id == path.id))


def path_progress(session: Session, user: User, path: CurriculumPath,
                  best: dict[tuple[int, int], SelfCheckAttempt] | None = None) -> PathProgress:
    """The progress of one person in one path (published resources only)."""
    done = dict(session.execute(select(ResourceDone.record_id, ResourceDone.done_at)
                                .where(ResourceDone.user_id == user.id)).all())
    if best is None:
        best = best_attempts(session, [user.id])
    progress = PathProgress(path=path, user=user, enrolment=enrolment_of(session, user, path))
    for module in path.modules:
        resources = module_resources(session, module)
        progress.modules.append(ModuleProgress(
            module=module, resources=resources, done={r.id: done[r.id] for r in resources if r.id in done},
            questions=len(module.self_check or []), best=best.get((user.id, module.id))))
    return progress


def learner_paths(session: Session, user: User) -> list[PathProgress]:
    """Every path the person is enrolled in, the most recently followed first."""
    enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)
                                 .order_by(Enrolment.last_active_at.desc(), Enrolment.id.desc())).all()
    best = best_attempts(session, [user.id])
    return [path_progress(session, user, e.path, best) for e in enrolments]


def enrol(session: Session, user: User, path: CurriculumPath) -> Enrolment:
    """Enrol the person in the path (no change when enrolled already); marks it as the path followed last."""
    enrolment = enrolment_of(session, user, path)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, path_id=path.id)
        session.add(enrolment)
    enrolment.last_active_at = utcnow()
    return enrolment


def path_resource(session: Session, path: CurriculumPath, record_id: int) -> Record:
    """The published resource of this path with this id, or ProgressError."""
    record = session.get(Record, record_id)
    if (record is None or record.kind != "resource" or record.status != "published" or record.module is None
            or record.module.path_id != path.id):
        raise ProgressError(f"record {record_id} is not a resource of the path {path.slug!r}")
    return record


def mark_done(session: Session, user: User, path: CurriculumPath, record_id: int) -> Record:
    """Mark a resource of the path as done (enrolling the person); ProgressError when it is not in the path."""
    record = path_resource(session, path, record_id)
    enrol(session, user, path)
    exists = session.scalar(select(ResourceDone.id).where(ResourceDone.user_id == user.id,
                                                          ResourceDone.record_id == record.id))
    if exists is None:
        session.add(ResourceDone(user_id=user.id, record_id=record.id))
    return record


def undo_done(session: Session, user: User, path: CurriculumPath, record_id: int) -> Record:
    """Take back "done" on a resource of the path; ProgressError when it is not in the path."""
    record = path_resource(session, path, record_id)
    enrol(session, user, path)
    session.execute(delete(ResourceDone).where(ResourceDone.user_id == user.id, ResourceDone.record_id == record.id))
    return record


@dataclass(frozen=True)
class PlaceInPath:
    """Where a resource sits in its path: the path, the module, and the resources before and after it."""

    path: CurriculumPath
    module: Module
    index: int  # 1-based, over the whole path
    total: int
    previous: Record | None
    next: Record | None


def place_in_path(session: Session, record: Record) -> PlaceInPath | None:
    """The resource's place in its path (None when it belongs to none)."""
    if record.module is None:
        return None
    path = record.module.path
    ordered = [r for module in path.modules for r in module_resources(session, module)]
    ids = [r.id for r in ordered]
    if record.id not in ids:
        return None
    at = ids.index(record.id)
    return PlaceInPath(path=path, module=record.module, index=at + 1, total=len(ordered),
                       previous=ordered[at - 1] if at > 0 else None,
                       next=ordered[at + 1] if at + 1 < len(ordered) else None)


def progress_data(progress: PathProgress, lang: str) -> dict[str, Any]:
    """A person's progress in a path as JSON-ready data (the API and the CSV export use it)."""
    enrolment = progress.enrolment
    completed = progress.completed_at
    return {
        "path": progress.path.slug,
        "title": progress.path.title(lang),
        "enrolled_at": enrolment.enrolled_at.isoformat(timespec="seconds") if enrolment else None,
        "done": progress.is_done,
        "completed_at": completed.isoformat(timespec="seconds") if completed else None,
        "percent": progress.percent,
        "resources_done": progress.resources_done,
        "resources_total": progress.resources_total,
        "modules_done": progress.modules_done,
        "modules_total": len(progress.modules),
        "modules": [{
            "module": m.module.slug,
            "title": m.module.title(lang),
            "state": m.state,
            "resources_done": m.resources_done,
            "resources_total": m.resources_total,
            "done_resources": [r.id for r in m.resources if r.id in m.done],
            "self_check": {
                "questions": m.questions,
                "pass_mark": m.module.pass_mark,
                "best_score": m.best.score if m.best else None,
                "passed": m.check_passed if m.questions else None,
            },
        } for m in progress.modules],
    }
