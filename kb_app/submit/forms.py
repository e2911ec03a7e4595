"""The case-study form: the practice template's fields, and how the normaliser's complaints reach each field."""
from __future__ import annotations

import re
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..interchange import TEXT_LIMITS, FieldError
from ..models import PRACTICE_FIELDS, Record
from ..uploads import ACCEPT_ATTRIBUTE
from .sections import HELP, LABELS

TEXT_FIELDS = ("title", "summary", "body", *PRACTICE_FIELDS, "city", "contact", "url")
SHORT_FIELDS = ("year", "start_date", "end_date")
# Form fields that carry record fields one to one (attachments, buttons and hidden fields aside).
RECORD_FIELDS = ("lang", *TEXT_FIELDS, "country", *SHORT_FIELDS, "themes", "organisation")


class CheckboxListField(SelectMultipleField):
    """Several choices shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text_kw(name: str, rows: int | None = None) -> dict[str, Any]:
    kw: dict[str, Any] = {"dir": "auto"}
    if name in TEXT_LIMITS:
        kw["maxlength"] = TEXT_LIMITS[name]
    if rows:
        kw["rows"] = rows
    return kw


def _area(name: str, rows: int = 6) -> TextAreaField:
    return TextAreaField(LABELS[name], description=HELP[name], render_kw=_text_kw(name, rows))


def _line(name: str, **extra: Any) -> StringField:
    return StringField(LABELS[name], description=HELP[name], render_kw={**_text_kw(name), **extra})


class PracticeForm(FlaskForm):
    """Every section of the good-practice template; the one normaliser does the checking, not validators here."""

    lang = SelectField(LABELS["lang"], description=HELP["lang"], choices=[], validate_choice=False)
    title = _line("title")
    summary = _area("summary", rows=3)
    body = _area("body")
    target_group = _area("target_group", rows=3)
    challenge = _area("challenge")
    method = _area("method", rows=8)
    results = _area("results")
    resources_needed = _area("resources_needed", rows=4)
    evidence_of_success = _area("evidence_of_success", rows=4)
    transferability = _area("transferability", rows=4)
    difficulties = _area("difficulties", rows=4)
    country = SelectField(LABELS["country"], description=HELP["country"], choices=[], validate_choice=False)
    city = _line("city", autocomplete="address-level2")
    year = StringField(LABELS["year"], description=HELP["year"],
                       render_kw={"inputmode": "numeric", "maxlength": 4, "size": 6})
    start_date = StringField(LABELS["start_date"], description=HELP["start_date"],
                             render_kw={"placeholder": "2023-09", "maxlength": 10, "size": 12})
    end_date = StringField(LABELS["end_date"], description=HELP["end_date"],
                           render_kw={"placeholder": "2024-06-30", "maxlength": 10, "size": 12})
    themes = CheckboxListField(LABELS["themes"], description=HELP["themes"], choices=[], validate_choice=False)
    contact = _line("contact")
    url = URLField(LABELS["url"], description=HELP["url"], render_kw={**_text_kw("url"), "placeholder": "https://"})
    organisation = SelectField(LABELS["organisation"], description=HELP["organisation"], choices=[],
                               validate_choice=False)
    attachments = MultipleFileField(LABELS["attachments"], description=HELP["attachments"],
                                    render_kw={"accept": ACCEPT_ATTRIBUTE})
    translation_of = HiddenField()
    save = SubmitField(_l("Save draft"))
    preview = SubmitField(_l("Save and preview"))

    form_messages: list[str]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.form_messages = []

    def add_error(self, field: str, message: str) -> None:
        """Attach a message to a field of this form, or to the form as a whole when it has no such field."""
        target: Field | None = getattr(self, field, None) if field in self._fields else None
        if target is None:
            self.form_messages.append(message)
            return
        target.errors = [*target.errors, message]

    @property
    def has_errors(self) -> bool:
        return bool(self.form_messages) or any(f.errors for f in self)


def set_choices(form: PracticeForm, *, languages: Iterable[tuple[str, str]], countries: Iterable[tuple[str, str]],
                themes: Iterable[tuple[str, str]], organisations: Iterable[tuple[str, str]] | None) -> None:
    """Fill the select lists (their labels depend on the interface language); no organisations: the field goes."""
    form.lang.choices = [("", _("Detect from the text"))] + list(languages)
    form.country.choices = [("", _("— choose a country —"))] + list(countries)
    form.themes.choices = list(themes)
    if organisations is None:
        del form.organisation
    else:
        form.organisation.choices = [("", _("— none —"))] + list(organisations)


def record_form_data(record: Record) -> dict[str, Any]:
    """A stored practice as the form's initial data."""
    data: dict[str, Any] = {name: getattr(record, name) or "" for name in TEXT_FIELDS}
    data.update({
        "lang": record.lang,
        "country": record.country or "",
        "year": str(record.year) if record.year else "",
        "start_date": record.start_date or "",
        "end_date": record.end_date or "",
        "themes": [t.slug for t in record.themes],
        "organisation": record.organisation.slug if record.organisation else "",
    })
    return data


def form_record_fields(form: PracticeForm) -> dict[str, Any]:
    """What was typed, as an interchange record for the normaliser (empty fields left out)."""
    raw: dict[str, Any] = {"kind": "practice"}
    for name in (*TEXT_FIELDS, *SHORT_FIELDS, "country", "lang"):
        value = getattr(form, name).data
        if isinstance(value, str) and value.strip():
            raw[name] = value
    themes = [t for t in (form.themes.data or []) if t]
    if themes:
        raw["themes"] = themes
    if "organisation" in form._fields and form.organisation.data:
        raw["organisation"] = form.organisation.data
    return raw


_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"^is required$"), lambda m: _("Please fill in this field.")),
    (re.compile(r"^is (\d+) characters long; the limit is (\d+)$"),
     lambda m: _("This has %(n)s characters; at most %(limit)s are allowed.", n=m[1], limit=m[2])),
    (re.compile(r"^must be a whole number"), lambda m: _("Enter a whole number, such as 2021.")),
    (re.compile(r"^must be between (\d+) and (\d+)$"),
     lambda m: _("Enter a number from %(low)s to %(high)s.", low=m[1], high=m[2])),
    (re.compile(r"^must be a date"), lambda m: _("Enter a date as YYYY-MM-DD or YYYY-MM.")),
    (re.compile(r"^is before start_date$"), lambda m: _("The end date is before the start date.")),
    (re.compile(r"^unknown country code"), lambda m: _("Choose a country from the list.")),
    (re.compile(r"^must start with http"), lambda m: _("Enter a web address starting with http:// or https://.")),
    (re.compile(r"^(unknown theme|must be a list of theme)"), lambda m: _("Choose themes from the list.")),
    (re.compile(r"^unknown language code"), lambda m: _("Choose a language from the list.")),
    (re.compile(r"^contains a NUL"), lambda m: _("This contains a character that is not allowed.")),
)


def field_error_message(error: FieldError) -> str:
    """The normaliser's message for a field, in the interface language where we know it."""
    for pattern, message in _MESSAGES:
        match = pattern.match(error.message)
        if match:
            return str(message(match))
    return error.message


def form_field_for(field: str) -> str:
    """The form field where a normaliser complaint about a record field belongs."""
    return {"translation_of": "lang"}.get(field, field)
