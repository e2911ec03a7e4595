"""Forms of the API token page: naming a new token, and revoking one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..api_tokens import MAX_NAME


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[
        DataRequired(message=_l("Give the token a name, so that you can recognise it later.")),
        Length(max=MAX_NAME, message=_l("A token name has at most %(n)s characters.", n=MAX_NAME)),
    ], description=_l("What the token is for, e.g. “thesis notebook” or “partner dashboard”."),
        render_kw={"autocomplete": "off"})


class RevokeTokenForm(FlaskForm):
    """A revoke button: carries only the CSRF token."""
