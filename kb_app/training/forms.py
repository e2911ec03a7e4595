"""Forms of the training area: a new cohort, an invitation link, and the learner's sign-up through one."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Regexp

from ..accounts import EMAIL, MIN_PASSWORD
from ..cohorts import NAME_MAX

_REQUIRED = _l("Please fill in this field.")
MAX_INVITATION_DAYS = 90


class CohortForm(FlaskForm):
    name = StringField(_l("Name of the cohort"), validators=[DataRequired(message=_REQUIRED), Length(max=NAME_MAX)],
                       description=_l("For example: Training course in Rome, 20 operators"),
                       render_kw={"maxlength": NAME_MAX})
    path = SelectField(_l("Learning path"), choices=[])
    organisation = SelectField(_l("Organisation"), choices=[],
                               description=_l("The learners who sign up through this cohort's invitations join it."))

    def __init__(self, *args: Any, paths: list[tuple[str, str]] | None = None,
                 organisations: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.path.choices = list(paths or [])
        self.organisation.choices = list(organisations or [])


class InvitationForm(FlaskForm):
    days = IntegerField(_l("Valid for (days)"), validators=[
        InputRequired(message=_REQUIRED),
        NumberRange(min=1, max=MAX_INVITATION_DAYS, message=_l("Choose from 1 to %(max)s days.", max=MAX_INVITATION_DAYS))],
        render_kw={"min": 1, "max": MAX_INVITATION_DAYS})


class JoinForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(message=_REQUIRED), Length(max=200)],
                       description=_l("As it should appear on your certificate."),
                       render_kw={"maxlength": 200, "autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_REQUIRED), Length(max=254),
        Regexp(EMAIL.pattern, message=_l("Enter an e-mail address such as name@example.org."))],
        render_kw={"autocomplete": "email", "maxlength": 254})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_REQUIRED),
        Length(min=MIN_PASSWORD, max=200, message=_l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"), validators=[
        DataRequired(message=_REQUIRED), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})
