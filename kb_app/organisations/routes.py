"""/organisations and /organisations/<slug>: each organisation with its published records, grouped by kind."""
from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _

from ..db import get_session
from ..discovery import record_card
from ..profiles import organisation_profile, organisations_with_records
from . import bp


@bp.get("/organisations")
def index() -> str:
    return render_template("organisations/index.html", organisations=organisations_with_records(get_session()))


@bp.get("/organisations/<slug>")
def show(slug: str) -> str:
    profile = organisation_profile(get_session(), slug)
    if profile is None:
        abort(404, description=_("There is no organisation “%(slug)s”.", slug=slug))
    groups = [(kind, [record_card(r) for r in records]) for kind, records in profile.records_by_kind]
    return render_template("organisations/show.html", profile=profile, org=profile.organisation, groups=groups)
