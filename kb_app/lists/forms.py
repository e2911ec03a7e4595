"""Forms of the reading lists (Flask-WTF, so every change carries a CSRF token)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..kinds import AUDIENCES, LANGUAGES
from ..models import MAX_ROW_ID, VISIBILITIES, parse_row_id

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 4000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def visibility_choices() -> list[tuple[str, Any]]:
    return [("private", _l("Private: only you")),
            ("unlisted", _l("Shared by link: anyone with the link, not listed")),
            ("public", _l("Public: listed on the public lists page and copyable"))]


def audience_choices() -> list[tuple[str, Any]]:
    return [("", _l("Any audience")), ("operator", _l("Operators")), ("entrepreneur", _l("Entrepreneurs"))]


def language_choices() -> list[tuple[str, Any]]:
    from ..i18n import language_name

    return [("", _l("Not set"))] + [(code, language_name(code)) for code in LANGUAGES]


class ListForm(FlaskForm):
    """A list's own fields (create and edit)."""

    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), Length(max=DESCRIPTION_MAX)])
    audience = SelectField(_l("Audience"), validators=[AnyOf(("", *AUDIENCES))], default="")
    notes_lang = SelectField(_l("Language of your notes"), validators=[AnyOf(("", *LANGUAGES))], default="")
    visibility = RadioField(_l("Who can see it"), validators=[AnyOf(VISIBILITIES)], default="private")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are built per request so that their labels follow the interface language.
        self.audience.choices = audience_choices()
        self.notes_lang.choices = language_choices()
        self.visibility.choices = visibility_choices()


class AddToListForm(FlaskForm):
    """Add one record to one of my lists, or to a new list named here."""

    record_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ROW_ID)])
    list_id = StringField(filters=[_strip], validators=[Optional()])
    new_title = StringField(_l("Title of a new list"), filters=[_strip], validators=[Optional(), Length(max=TITLE_MAX)])
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=NOTE_MAX)])
    next = HiddenField()

    def validate_list_id(self, field: StringField) -> None:
        if field.data in (None, "", "new"):
            return
        if parse_row_id(field.data) is None:
            raise ValidationError(_l("Choose one of your lists."))

    def wants_new_list(self) -> bool:
        return self.list_id.data in (None, "", "new")

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.wants_new_list() and not self.new_title.data:
            self.new_title.errors.append(_l("Give the new list a title, or choose one of your lists."))
            return False
        return True


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=NOTE_MAX)])


class HeadingForm(FlaskForm):
    heading = StringField(_l("Section heading"), filters=[_strip], validators=[DataRequired(), Length(max=TITLE_MAX)])
    # The entry the heading goes before; empty puts it at the end.
    before = IntegerField(_l("Place it"), validators=[Optional()])


class MoveForm(FlaskForm):
    # Sent by the "up" and "down" buttons (name="direction"), so reordering needs no JavaScript.
    direction = StringField(validators=[AnyOf(("up", "down"))])


class ReorderForm(FlaskForm):
    # The whole new order at once (entry ids, comma-separated), as sent by drag and drop.
    order = StringField(validators=[DataRequired(), Length(max=10_000)])

    def item_ids(self) -> list[int]:
        parts = [p.strip() for p in (self.order.data or "").split(",") if p.strip()]
        ids = [parse_row_id(p) for p in parts]
        if None in ids:
            raise ValueError("order must be entry ids separated by commas")
        return [i for i in ids if i is not None]


class CopyForm(FlaskForm):
    title = StringField(_l("Title of your copy"), filters=[_strip], validators=[Optional(), Length(max=TITLE_MAX)])


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (remove an entry, new share link, delete with confirmation)."""

    confirm = HiddenField()
