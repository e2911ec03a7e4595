"""Pages of the review area: the editors' queue, a submission with its history and diff, and the decisions."""
from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access import current_user, role_required
from ..db import get_session
from ..duplicates import possible_duplicates
from ..kinds import PRACTICE, kind_of
from ..models import Record, Revision
from ..revisions import compare_snapshots, pick_pair
from ..vocabulary import snapshot_value, status_label
from ..workflow import apply_action, can_act
from . import bp
from .forms import COMMENT_REQUIRED, DecisionForm

log = logging.getLogger(__name__)
QUEUE_TABS = ("submitted", "changes_requested", "rejected", "published")
QUEUE_LIMIT = 200
ACTION_ENDPOINTS = {"published": "review.publish", "changes_requested": "review.request_changes",
                    "rejected": "review.reject", "unpublished": "review.unpublish"}


def _last_revision(record: Record, action: str) -> Revision | None:
    for revision in reversed(record.revisions):
        if revision.action == action:
            return revision
    return None


@bp.get("/review")
@role_required("editor")
def queue() -> str:
    tab = request.args.get("status", "submitted")
    if tab not in QUEUE_TABS:
        abort(400, description=_("Unknown status."))
    db = get_session()
    counts = dict(db.execute(select(Record.status, func.count()).group_by(Record.status)).all())
    # Oldest submission first, so nothing waits for ever; other tabs show the latest change first.
    order = Record.updated_at.asc() if tab == "submitted" else Record.updated_at.desc()
    records = list(db.scalars(select(Record).where(Record.status == tab)
                              .options(selectinload(Record.revisions), selectinload(Record.organisation))
                              .order_by(order, Record.id).limit(QUEUE_LIMIT)))
    rows = [{"record": r, "sent": _last_revision(r, "submitted")} for r in records]
    return render_template("review/queue.html", tab=tab, tabs=QUEUE_TABS, counts=counts, rows=rows,
                           limit=QUEUE_LIMIT)


def _record(record_id: int) -> Record:
    record = get_session().get(Record, record_id)
    if record is None:
        abort(404, description=_("There is no such record."))
    return record


def _render(record: Record, form: DecisionForm, status: int = 200) -> Any:
    user = current_user()
    old, new = pick_pair(record, request.args.get("from"), request.args.get("to"))
    kind = kind_of(record.kind) or PRACTICE
    changes = compare_snapshots(old.snapshot, new.snapshot, kind.compared_fields, snapshot_value) if old and new else []
    actions = [a for a in ("published", "changes_requested", "rejected", "unpublished") if can_act(user, record, a)]
    duplicates = possible_duplicates(get_session(), record) if record.status != "published" else None
    sections = [(kind.label_of(n), getattr(record, n)) for n in ("summary", *kind.page_sections) if getattr(record, n)]
    return render_template("review/show.html", record=record, form=form, actions=actions, old=old, new=new,
                           changes=changes, duplicates=duplicates, sections=sections,
                           compare_endpoint="review.show", action_endpoints=ACTION_ENDPOINTS), status


@bp.get("/review/<int:record_id>")
@role_required("editor")
def show(record_id: int) -> Any:
    return _render(_record(record_id), DecisionForm())


def _decide(record_id: int, action: str) -> Any:
    record = _record(record_id)
    user = current_user()
    form = DecisionForm()
    if not form.validate_on_submit():
        if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            form.comment.errors = [*form.comment.errors, _("The form had expired. Please try again.")]
        return _render(record, form, 400)
    if not can_act(user, record, action):
        flash(_("This record is %(status)s now, so this decision is not possible.", status=status_label(record.status)),
              "error")
        return redirect(url_for("review.show", record_id=record.id))
    comment = (form.comment.data or "").strip()
    if action in COMMENT_REQUIRED and not comment:
        form.comment.errors = [*form.comment.errors, _("Please tell the partner why.")]
        return _render(record, form, 400)
    db = get_session()
    apply_action(db, record, action, user, comment)
    # The commit hook writes the index-change log, so publishing and unpublishing reach every index replica.
    db.commit()
    log.info("editor %s: record %s %s", user.id, record.id, action)
    flash({
        "published": _("Published: the record can now be found in search."),
        "changes_requested": _("Sent back to the partner with your comments."),
        "rejected": _("Rejected."),
        "unpublished": _("Unpublished: the record has left search and its page."),
    }[action], "info")
    return redirect(url_for("review.queue"))


@bp.post("/review/<int:record_id>/publish")
@role_required("editor")
def publish(record_id: int) -> Any:
    return _decide(record_id, "published")


@bp.post("/review/<int:record_id>/request-changes")
@role_required("editor")
def request_changes(record_id: int) -> Any:
    return _decide(record_id, "changes_requested")


@bp.post("/review/<int:record_id>/reject")
@role_required("editor")
def reject(record_id: int) -> Any:
    return _decide(record_id, "rejected")


@bp.post("/review/<int:record_id>/unpublish")
@role_required("editor")
def unpublish(record_id: int) -> Any:
    return _decide(record_id, "unpublished")

