"""Forms of the auth area: signing in, resetting a password, and the administrators' account and organisation forms."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..accounts import EMAIL, MIN_PASSWORD
from ..models import ROLES
from ..vocabulary import role_label

_REQUIRED = _l("Please fill in this field.")


def _email_field(label: Any) -> EmailField:
    return EmailField(label, validators=[
        DataRequired(message=_REQUIRED),
        Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        Regexp(EMAIL.pattern, message=_l("Enter an e-mail address such as name@example.org.")),
    ], render_kw={"autocomplete": "email", "maxlength": 254})


def _new_password_field(label: Any, required: bool = True) -> PasswordField:
    checks = [DataRequired(message=_REQUIRED)] if required else [Optional()]
    checks.append(Length(min=MIN_PASSWORD, max=200,
                         message=_l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD)))
    return PasswordField(label, validators=checks, render_kw={"autocomplete": "new-password"},
                         description=_l("At least %(n)s characters; a few unrelated words make a strong one.",
                                        n=MIN_PASSWORD))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(message=_REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "maxlength": 254, "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_REQUIRED), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field(_l("E-mail address"))


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_REQUIRED), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})
    # Offered (and ticked) when the account has API tokens: a password changed for fear of a leak should take
    # the tokens with it, but programs using them then need new ones, so the person decides.
    revoke_tokens = BooleanField(_l("Also revoke the API tokens of this account"), default=True,
                                 description=_l("Programs that use them will need a new token."))


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(message=_REQUIRED)],
                            render_kw={"autocomplete": "current-password"})


def _role_choices() -> list[tuple[str, Any]]:
    return [(role, role_label(role)) for role in ROLES]


class AccountForm(FlaskForm):
    """An administrator creates an account; without a password the person gets a link to choose one."""

    email = _email_field(_l("E-mail address"))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    organisation = SelectField(
        _l("Organisation"), choices=[],
        description=_l("Required for partners: they may edit only their organisation's records."))
    password = _new_password_field(_l("Password (optional)"), required=False)

    def __init__(self, *args: Any, organisations: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.organisation.choices = [("", _l("— none —"))] + list(organisations or [])
        self.password.description = _l("Leave empty to send the person a link to choose their own password.")

    def validate_organisation(self, field: Any) -> None:
        if self.role.data == "partner" and not field.data:
            raise ValidationError(_l("A partner account needs an organisation."))


class AccountEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    organisation = SelectField(_l("Organisation"), choices=[])

    def __init__(self, *args: Any, organisations: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.organisation.choices = [("", _l("— none —"))] + list(organisations or [])

    def validate_organisation(self, field: Any) -> None:
        if self.role.data == "partner" and not field.data:
            raise ValidationError(_l("A partner account needs an organisation."))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_REQUIRED), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=60)])
    slug = StringField(_l("Identifier"), validators=[Optional(), Length(max=80), Regexp(
        r"^[a-z0-9][a-z0-9\-]*$", message=_l("Use lower-case letters, digits and hyphens."))],
        description=_l("Used in imports and exports; made from the name when left empty."))
    country = SelectField(_l("Country"), choices=[], validate_choice=True)
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    is_partner = BooleanField(_l("Partner of the M.I.C.R.O. network"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                render_kw={"rows": 4})

    def __init__(self, *args: Any, countries: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("— none —"))] + list(countries or [])
