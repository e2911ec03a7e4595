"""The editor's decision form: one comment box shared by publish, request changes, reject and unpublish."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

# Decisions the partner must be told the reason for.
COMMENT_REQUIRED = ("changes_requested", "rejected", "unpublished")


class DecisionForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment for the partner"),
        description=_l("Say what to change, or why. Required to request changes, reject or unpublish."),
        validators=[Length(max=5000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 4, "dir": "auto"},
    )
