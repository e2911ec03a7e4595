"""The record forms, built from the kinds' declarations, and how the normaliser's complaints reach each field."""
from __future__ import annotations

import re
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FileField,
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

from ..event_fields import session_line
from ..interchange import FieldError
from ..kinds import DATETIME_FIELDS, KINDS, MULTI_CHOICE_FIELDS, PRACTICE, Field as KindField, Kind, kind_of
from ..licences import DEFAULT_LICENCE, LICENCES, licence_of
from ..models import Record
from ..vocabulary import choice_label
from ..uploads import ACCEPT_ATTRIBUTE

DOCUMENT_ACCEPT = ".docx,.odt,.pdf"


class CheckboxListField(SelectMultipleField):
    """Several choices shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _render_kw(spec: KindField) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if spec.input in ("line", "area", "url"):
        # No maxlength: a browser cuts pasted text at it without a word, and the cut-off part is lost work.
        # The normaliser refuses over-long text with the limit named, and the form comes back with the text kept.
        kw["dir"] = "auto"
    if spec.rows:
        kw["rows"] = spec.rows
    if spec.input == "files":
        kw["accept"] = ACCEPT_ATTRIBUTE
    kw.update(dict(spec.attrs))
    return kw


_INPUTS: dict[str, Any] = {
    "line": StringField, "short": StringField, "area": TextAreaField, "url": URLField, "files": MultipleFileField,
}


def _form_field(spec: KindField) -> Field:
    """The form input of a declared field (select lists get their choices per request, in set_choices)."""
    if spec.input == "select":
        return SelectField(spec.label, description=spec.help, choices=[], validate_choice=False)
    if spec.input == "checkboxes":
        return CheckboxListField(spec.label, description=spec.help, choices=[], validate_choice=False)
    return _INPUTS[spec.input](spec.label, description=spec.help, render_kw=_render_kw(spec))


class RecordForm(FlaskForm):
    """A kind's form, built from its declaration; the one normaliser does the checking, not validators here."""

    kind: Kind
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


def record_form_class(kind: Kind) -> type[RecordForm]:
    """The form class of a kind: one input per field in a form section, in declaration order."""
    attrs: dict[str, Any] = {"kind": kind, "__doc__": f"The {kind.name} form, from its declaration in kinds.py."}
    for spec in kind.fields:
        if spec.section is not None:
            attrs[spec.name] = _form_field(spec)
    attrs["translation_of"] = HiddenField()
    attrs["save"] = SubmitField(_l("Save draft"))
    attrs["preview"] = SubmitField(_l("Save and preview"))
    return type(f"{kind.name.title()}Form", (RecordForm,), attrs)


# One form per kind that partners write (the others are imported).
FORMS: dict[str, type[RecordForm]] = {kind.name: record_form_class(kind) for kind in KINDS if kind.has_form}
PracticeForm = FORMS[PRACTICE.name]


class StartFromFileForm(FlaskForm):
    """"Start from a file": a partner's own DOCX, ODT or PDF becomes a draft to review (kb_app.documents)."""

    document = FileField(_l("Your document"), description=_l(
        "A DOCX, ODT or PDF file. Its first heading becomes the title and the sections are placed under the "
        "matching headings of the template; you check every field before sending it for review."),
        render_kw={"accept": DOCUMENT_ACCEPT})
    read = SubmitField(_l("Read the file"))
_TYPED = ("line", "area", "url")
# Free-text inputs and short ones (numbers, dates) that carry record fields one to one.
TEXT_FIELDS = tuple(f.name for f in PRACTICE.fields if f.section and f.input in _TYPED)
SHORT_FIELDS = tuple(f.name for f in PRACTICE.fields if f.section and f.input == "short")


def set_choices(form: RecordForm, *, languages: Iterable[tuple[str, str]], countries: Iterable[tuple[str, str]],
                themes: Iterable[tuple[str, str]], organisations: Iterable[tuple[str, str]] | None) -> None:
    """Fill the select lists (their labels depend on the interface language); no organisations: the field goes."""
    form.lang.choices = [("", _("Detect from the text"))] + list(languages)
    form.country.choices = [("", _("— choose a country —"))] + list(countries)
    form.themes.choices = list(themes)
    if "licence" in form._fields:
        form.licence.choices = [("", _("%(licence)s (the catalogue's default)", licence=licence_of(None).name))] + [
            (licence.spdx, str(licence.name)) for licence in LICENCES if licence.spdx != DEFAULT_LICENCE]
    for spec in form.kind.fields:
        # Coded values the kind declares (an event's kind, languages and audiences), named in the interface language.
        if spec.name in form._fields and spec.choices and spec.name not in ("lang", "licence"):
            named = [(code, choice_label(spec.name, code)) for code in spec.choices]
            getattr(form, spec.name).choices = [("", _("— choose —"))] + named if spec.input == "select" else named
    if organisations is None:
        del form.organisation
    else:
        form.organisation.choices = [("", _("— none —"))] + list(organisations)


def _typed_names(kind: Kind) -> tuple[str, ...]:
    """The form fields whose text goes to the normaliser as typed (free text, numbers, dates, codes)."""
    return tuple(f.name for f in kind.fields
                 if f.section and (f.input in (*_TYPED, "short") or f.type in ("lang", "country", "choice")))


def _form_text(name: str, value: Any) -> str:
    """A stored value as the form shows it: lists one item per line, a programme one session per line."""
    if value is None:
        return ""
    if name == "programme":
        return "\n".join(session_line(session) for session in value)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value).replace("T", " ") if name in DATETIME_FIELDS else str(value)


def record_form_data(record: Record) -> dict[str, Any]:
    """A stored record as its form's initial data."""
    kind = kind_of(record.kind) or PRACTICE
    data: dict[str, Any] = {name: _form_text(name, getattr(record, name)) for name in _typed_names(kind)}
    for name in MULTI_CHOICE_FIELDS:
        if kind.field(name) is not None:
            data[name] = list(getattr(record, name) or [])
    data["themes"] = [t.slug for t in record.themes]
    data["organisation"] = record.organisation.slug if record.organisation else ""
    return data


def form_record_fields(form: RecordForm) -> dict[str, Any]:
    """What was typed, as an interchange record for the normaliser (empty fields left out)."""
    raw: dict[str, Any] = {"kind": form.kind.name}
    for name in _typed_names(form.kind):
        value = getattr(form, name).data
        if isinstance(value, str) and value.strip():
            raw[name] = value
    themes = [t for t in (form.themes.data or []) if t]
    if themes:
        raw["themes"] = themes
    for name in MULTI_CHOICE_FIELDS:
        if name in form._fields and form[name].data:
            raw[name] = [v for v in form[name].data if v]
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
    (re.compile(r"^must be one of CC"), lambda m: _("Choose a licence from the list.")),
    (re.compile(r"^contains a NUL"), lambda m: _("This contains a character that is not allowed.")),
    (re.compile(r"^is before starts_at$"), lambda m: _("The end is before the start.")),
    (re.compile(r"^must be a date and time"), lambda m: _("Enter a date and time as YYYY-MM-DD HH:MM.")),
    (re.compile(r"^unknown time zone"), lambda m: _("Enter a time zone such as Europe/Rome.")),
    (re.compile(r"^(unknown value|must be a list of codes)"), lambda m: _("Choose from the list.")),
    (re.compile(r"^session (\d+) is outside the event's dates$"),
     lambda m: _("Session %(n)s is not within the event's dates.", n=m[1])),
    (re.compile(r"^session (\d+)"),
     lambda m: _("Check session %(n)s: one session per line, as start | title | speakers | language.", n=m[1])),
    (re.compile(r"^must be a list of record references"),
     lambda m: _("Enter the references of published records, one per line.")),
    (re.compile(r"^is a field of"), lambda m: _("This field does not belong to this kind of record.")),
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
