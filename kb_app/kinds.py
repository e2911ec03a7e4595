"""The record kinds, each declared once: its fields (label, help, limit, section, indexing, revisions), id prefix and citation types."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from indexing.analyzers import LANGUAGES  # the one list of languages, owned by the analyzers that need one each

from .licences import LICENCE_IDS

__all__ = ["LANGUAGES", "Field", "Section", "Kind", "KINDS", "KIND_NAMES", "kind_of", "AUDIENCES", "LEVELS",
           "PATHS", "INTERCHANGE_FIELDS", "FIELD_ORDER", "TEXT_LIMITS", "INT_BOUNDS", "DATE_FIELDS",
           "CHOICE_FIELDS", "STORED_FIELDS", "field_label"]

# Coded values of the resource fields (the curriculum's audiences, levels and paths).
AUDIENCES = ("operator", "entrepreneur")
LEVELS = ("beginner", "intermediate", "advanced")
PATHS = ("operators", "entrepreneurs")
# Coded values of the event fields.
EVENT_TYPES = ("conference", "training_course", "exchange_meeting", "webinar")
EVENT_AUDIENCES = ("stakeholders", "local_decision_makers", "press", "microcredit_operators", "ngos", "migrants")


@dataclass(frozen=True)
class Field:
    """One field of a record kind, as the interchange format, the form, the page, the index and revisions see it.

    `type` says how the normaliser reads it: text (with `limit` characters at most), int (within `bounds`),
    date, choice (one of `choices`), or one of the fields the normaliser reads by hand (lang, country, themes,
    organisation, module). `column` is where the record keeps it (None: a relation or derived, not a column).
    """

    name: str
    label: Any
    help: Any = None
    type: str = "text"
    limit: int | None = None
    bounds: tuple[int, int] | None = None
    choices: tuple[str, ...] = ()
    section: str | None = None  # the form section it is typed in; None: not in the form
    input: str = "line"  # line, area, url, short, select, checkboxes, files
    rows: int | None = None
    attrs: tuple[tuple[str, Any], ...] = ()  # extra HTML attributes of its form input
    indexed: bool = False  # its text is searched (changing which: bump indexing.documents.INDEXED_TEXT_VERSION)
    compared: bool = True  # a revision diff shows it
    page_section: bool = False  # the record page shows it as a headed section of text
    review_required: bool = False  # needed before a record is sent for review
    interchange: bool = True  # part of the interchange format (attachments are not)
    column: str | None = ""  # "" means the column of the same name
    table: str = "records"  # the table that column is in (event details live in a child table)


@dataclass(frozen=True)
class Section:
    """A group of fields in the form, with the heading and introduction a partner reads."""

    key: str
    heading: Any
    intro: Any


@dataclass(frozen=True)
class Kind:
    """A record kind: what it is called, how its ids start, what reference managers call it, and its fields."""

    name: str
    label: Any
    id_prefix: str
    ris_type: str
    csl_type: str
    fields: tuple[Field, ...]
    sections: tuple[Section, ...] = ()
    bibtex_type: str = "misc"
    schema_org_type: str = "CreativeWork"

    @property
    def has_form(self) -> bool:
        """Partners write and edit records of this kind through a form (the others are imported)."""
        return bool(self.sections)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def label_of(self, name: str) -> str:
        found = self.field(name)
        return str(found.label) if found is not None else field_label(name)

    def section_fields(self, key: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.section == key)

    @property
    def form_sections(self) -> tuple[tuple[str, Any, Any, tuple[str, ...]], ...]:
        """(key, heading, intro, field names) of every form section, in order."""
        return tuple((s.key, s.heading, s.intro, self.section_fields(s.key)) for s in self.sections)

    @property
    def compared_fields(self) -> tuple[str, ...]:
        """The snapshot fields a revision diff shows, in form order, then the status."""
        return (*(f.name for f in self.fields if f.compared and f.interchange), "status")

    @property
    def page_sections(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.page_section)

    @property
    def indexed_extra_fields(self) -> tuple[str, ...]:
        """Searched text beyond title, summary and body, appended to the body in the index."""
        return tuple(f.name for f in self.fields if f.indexed and f.name not in ("title", "summary", "body"))

    @property
    def review_required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.review_required)


def _text(name: str, label: Any, limit: int, **kw: Any) -> Field:
    return Field(name, label, type="text", limit=limit, **kw)


# -- Fields every kind has ------------------------------------------------------------------------------------
LANG = Field("lang", _l("Language of the text"),
             _l("The language the text is written in. Leave it on automatic and it is detected from the text."),
             type="lang", choices=LANGUAGES, section="about", input="select")
TITLE = _text("title", _l("Title"), 300, help=_l("A short name for the practice, as you would tell a colleague."),
              section="about", indexed=True, review_required=True)
SUMMARY = _text("summary", _l("Summary"), 3000,
                help=_l("Two or three sentences: what you did, for whom, and what came of it."),
                section="about", input="area", rows=3, indexed=True, review_required=True)
BODY = _text("body", _l("Content"), 100_000, indexed=True, page_section=True, input="area", rows=6)
COUNTRY = Field("country", _l("Country"), _l("Where the practice took place."), type="country", section="place",
                input="select", review_required=False)
CITY = _text("city", _l("City"), 120, help=_l("The town or city, if the practice was local."), section="place",
             indexed=True, attrs=(("autocomplete", "address-level2"),))
ORGANISATION = Field("organisation", _l("Organisation"), _l("The organisation the record belongs to."),
                     type="organisation", limit=200, section="contact", input="select", column="organisation_id")
THEMES = Field("themes", _l("Themes"), _l("The themes the practice is about; they help people find it."),
               type="themes", section="topics", input="checkboxes", column=None)
YEAR = Field("year", _l("Year"), _l("The year the practice started."), type="int", bounds=(1900, 2100),
             section="place", input="short", attrs=(("inputmode", "numeric"), ("maxlength", 4), ("size", 6)))
URL = _text("url", _l("Web page"), 500, help=_l("A web page about the practice, starting with http:// or https://."),
            section="contact", input="url", attrs=(("placeholder", "https://"),))
LICENCE = Field("licence", _l("Licence"),
                _l("The terms under which others may reuse and adapt the text, with credit to your organisation."),
                type="choice", choices=LICENCE_IDS, section="contact", input="select")
ATTACHMENTS = Field("attachments", _l("Attachments"),
                    _l("Optional: PDF, DOCX, ODT, PNG or JPEG files. If the form shows an error, choose the files again."),
                    type="files", section="files", input="files", compared=False, interchange=False, column=None)

# In interchange order (the order of `kb export` columns).
COMMON_FIELDS: tuple[Field, ...] = (LANG, TITLE, SUMMARY, BODY, COUNTRY, CITY, ORGANISATION, THEMES, YEAR, URL, LICENCE)


def _template(name: str, label: Any, help: Any, rows: int, **kw: Any) -> Field:
    return _text(name, label, 20_000, help=help, section="template", input="area", rows=rows, indexed=True,
                 page_section=True, **kw)


PRACTICE = Kind(
    name="practice",
    label=_l("Good practice"),
    id_prefix="pr",
    # What reference managers call a partner's case study: a report.
    ris_type="RPRT",
    csl_type="report",
    bibtex_type="techreport",
    schema_org_type="Report",
    fields=(
        LANG, TITLE, SUMMARY,
        replace(BODY, label=_l("Context"), section="template", review_required=True,
                help=_l("The situation in which the practice started: the place, the people and the need.")),
        _template("target_group", _l("Target group"),
                  _l("Who the practice is for, for example migrant women starting a business or young refugees."), 3),
        _template("challenge", _l("Challenge addressed"), _l("The problem the practice addresses."), 6,
                  review_required=True),
        _template("method", _l("Method and activities"), _l("What you did, step by step: activities, partners, tools."),
                  8, review_required=True),
        _template("results", _l("Results"),
                  _l("What changed, with numbers where you have them: people trained, loans granted, businesses started."),
                  6, review_required=True),
        _template("resources_needed", _l("Resources needed"), _l("The staff, money, premises and time the practice needed."), 4),
        _template("evidence_of_success", _l("Evidence of success"),
                  _l("How you know it worked: evaluations, follow-up, testimonials."), 4),
        _template("transferability", _l("Transferability"),
                  _l("What another organisation would need to do the same elsewhere."), 4),
        _template("difficulties", _l("Difficulties and how they were overcome"),
                  _l("What was hard or went wrong, and how you dealt with it."), 4),
        replace(COUNTRY, review_required=True), CITY, YEAR,
        Field("start_date", _l("Start date"), _l("As YYYY-MM-DD or YYYY-MM."), type="date", section="place",
              input="short", attrs=(("placeholder", "2023-09"), ("maxlength", 10), ("size", 12))),
        Field("end_date", _l("End date"), _l("As YYYY-MM-DD or YYYY-MM; leave it empty if the practice still runs."),
              type="date", section="place", input="short",
              attrs=(("placeholder", "2024-06-30"), ("maxlength", 10), ("size", 12))),
        THEMES,
        _text("contact", _l("Contact"), 500, section="contact",
              help=_l("A name, role or e-mail address people may contact about the practice. It will be public.")),
        URL, ORGANISATION, LICENCE, ATTACHMENTS,
    ),
    sections=(
        Section("about", _l("The practice in brief"), _l("How the practice will appear in search results.")),
        Section("template", _l("The practice, section by section"),
                _l("Follow the exchange template: each section answers one question a colleague elsewhere would ask.")),
        Section("place", _l("Where and when"), _l("Place and dates help people find practices near them.")),
        Section("topics", _l("What the practice is about"), _l("Choose every theme that fits.")),
        Section("contact", _l("Contact and links"), _l("How readers can learn more.")),
        Section("files", _l("Attachments"), _l("Reports, leaflets or photos that document the practice.")),
    ),
)

RESOURCE = Kind(
    name="resource",
    label=_l("Learning resource"),
    id_prefix="rs",
    # A curriculum unit reads as a web page.
    ris_type="ELEC",
    csl_type="webpage",
    schema_org_type="LearningResource",
    fields=(
        LANG, TITLE, SUMMARY, BODY,
        Field("audience", _l("Audience"), type="choice", choices=AUDIENCES),
        _text("competence_area", _l("Competence area"), 80),
        Field("level", _l("Level"), type="choice", choices=LEVELS),
        Field("duration_minutes", _l("Duration"), type="int", bounds=(1, 100_000)),
        _text("learning_objectives", _l("Learning objectives"), 5000, indexed=True),
        _text("format", _l("Format"), 40),
        COUNTRY, CITY, YEAR, THEMES, URL, ORGANISATION, LICENCE,
        Field("path", _l("Curriculum path"), type="choice", choices=PATHS, column=None),
        Field("module", _l("Module"), type="module", limit=80, column="module_id"),
        Field("position", _l("Position"), type="int", bounds=(1, 10_000)),
    ),
)

def _event(name: str, label: Any, help: Any = None, **kw: Any) -> Field:
    return Field(name, label, help, table="event_details", **kw)


EVENT = Kind(
    name="event",
    label=_l("Event"),
    id_prefix="ev",
    # A conference, course or meeting: what reference managers call a conference (RIS) or an event (CSL).
    ris_type="CONF",
    csl_type="event",
    fields=(
        LANG,
        replace(TITLE, help=_l("The name of the event, as its programme gives it.")),
        replace(SUMMARY, help=_l("Two or three sentences: what the event is about and who it is for.")),
        replace(BODY, label=_l("Description"), section="about", review_required=True,
                help=_l("What happens at the event, and why it is worth attending.")),
        _event("event_type", _l("Kind of event"), type="choice", choices=EVENT_TYPES, section="about",
               input="select", review_required=True),
        replace(COUNTRY, help=_l("Where the event takes place."), review_required=True),
        replace(CITY, help=_l("The town or city of the venue.")),
        _event("venue", _l("Venue"), _l("The building and address, or “online”."), limit=200, section="place",
               indexed=True),
        _event("starts_at", _l("Starts"), _l("Date and time, as YYYY-MM-DD HH:MM, in the event's time zone."),
               type="datetime", section="place", input="short", review_required=True,
               attrs=(("placeholder", "2025-05-20 09:30"), ("maxlength", 16), ("size", 18))),
        _event("ends_at", _l("Ends"), _l("Date and time, as YYYY-MM-DD HH:MM, in the event's time zone."),
               type="datetime", section="place", input="short", review_required=True,
               attrs=(("placeholder", "2025-05-20 17:00"), ("maxlength", 16), ("size", 18))),
        _event("timezone", _l("Time zone"), _l("The time zone of the venue, such as Europe/Rome."), type="timezone",
               section="place", review_required=True, attrs=(("placeholder", "Europe/Rome"), ("maxlength", 64))),
        _event("languages", _l("Languages spoken"), type="languages", choices=LANGUAGES, section="people",
               input="checkboxes"),
        _event("audiences", _l("Audiences"), _l("Who the event is for."), type="choices", choices=EVENT_AUDIENCES,
               section="people", input="checkboxes"),
        replace(ORGANISATION, label=_l("Organiser")),
        _event("co_organisers", _l("Co-organisers"), _l("One organisation per line."), type="lines", limit=200,
               section="people", input="area", rows=3),
        _event("programme", _l("Programme"),
               _l("One session per line: start | title | speakers | language, such as "
                  "“2025-05-20 09:30 | Welcome | Maria Rossi | it”."),
               type="programme", section="programme", input="area", rows=8, indexed=True),
        _event("materials", _l("Materials presented"),
               _l("The references of the practices and resources presented, one per line (such as pr-it-0001)."),
               type="materials", section="programme", input="area", rows=3),
        _event("outcomes", _l("Outcomes and report"), _l("What came of the event: conclusions, numbers, follow-up."),
               limit=20_000, section="outcomes", input="area", rows=6, indexed=True, page_section=True),
        _event("registration_url", _l("Registration"), _l("The registration page, starting with http:// or https://."),
               limit=500, section="outcomes", input="url", attrs=(("placeholder", "https://"),)),
        THEMES, URL, LICENCE, ATTACHMENTS,
    ),
    sections=(
        Section("about", _l("The event in brief"), _l("How the event will appear in search results and calendars.")),
        Section("place", _l("Where and when"), _l("The dates are in the venue's time zone.")),
        Section("people", _l("Who takes part"), _l("Languages, audiences and organisers.")),
        Section("programme", _l("Programme and materials"), _l("The sessions in order, and what was presented.")),
        Section("outcomes", _l("Outcomes and registration"), _l("The report after the event, and how to register.")),
        Section("topics", _l("What the event is about"), _l("Choose every theme that fits.")),
        Section("contact", _l("Links"), _l("A web page about the event.")),
        Section("files", _l("Attachments"), _l("Slides, programmes or reports of the event.")),
    ),
)

KINDS: tuple[Kind, ...] = (PRACTICE, RESOURCE, EVENT)
KIND_NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)
_BY_NAME = {k.name: k for k in KINDS}


def kind_of(name: str | None) -> Kind | None:
    return _BY_NAME.get(name or "")


def _interchange_fields() -> tuple[Field, ...]:
    """Every interchange field once: the common ones, then each kind's own, in declaration order."""
    seen: dict[str, Field] = {}
    for f in (*COMMON_FIELDS, *(f for k in KINDS for f in k.fields)):
        if f.interchange:
            seen.setdefault(f.name, f)
    return tuple(seen.values())


INTERCHANGE_FIELDS: tuple[Field, ...] = _interchange_fields()
# The record envelope around the kinds' fields (every record may carry it): its external id and kind first, its
# original last.
ENVELOPE_FIELDS: tuple[str, ...] = ("id", "kind", "translation_of")
FIELD_ORDER: tuple[str, ...] = (*ENVELOPE_FIELDS[:2], *(f.name for f in INTERCHANGE_FIELDS), *ENVELOPE_FIELDS[2:])
TEXT_LIMITS: dict[str, int] = {f.name: f.limit for f in INTERCHANGE_FIELDS if f.limit is not None and f.type != "lines"}
LINES_LIMITS: dict[str, int] = {f.name: f.limit or 200 for f in INTERCHANGE_FIELDS if f.type == "lines"}
INT_BOUNDS: dict[str, tuple[int, int]] = {f.name: f.bounds for f in INTERCHANGE_FIELDS if f.bounds is not None}
DATE_FIELDS: tuple[str, ...] = tuple(f.name for f in INTERCHANGE_FIELDS if f.type == "date")
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {f.name: f.choices for f in INTERCHANGE_FIELDS if f.type == "choice"}
# Lists of coded values (the event's languages and audiences).
MULTI_CHOICE_FIELDS: dict[str, tuple[str, ...]] = {f.name: f.choices for f in INTERCHANGE_FIELDS
                                                   if f.type in ("languages", "choices")}
DATETIME_FIELDS: tuple[str, ...] = tuple(f.name for f in INTERCHANGE_FIELDS if f.type == "datetime")
# Web addresses (a form's URL inputs): each must start with http:// or https://.
URL_FIELDS: tuple[str, ...] = tuple(f.name for f in INTERCHANGE_FIELDS if f.input == "url")


def allowed_fields(kind: str) -> frozenset[str]:
    """The interchange fields a record of this kind may carry: the envelope and the kind's own declared fields."""
    declared = kind_of(kind)
    if declared is None:
        return frozenset(FIELD_ORDER)
    return frozenset((*ENVELOPE_FIELDS, *(f.name for f in declared.fields if f.interchange)))


def kinds_with_field(name: str) -> tuple[str, ...]:
    """The kinds that declare the field `name`, in declaration order."""
    return tuple(k.name for k in KINDS if k.field(name) is not None)


# Fields stored as they are in a column of the same name (lang aside: the envelope sets it).
STORED_FIELDS: tuple[str, ...] = tuple(f.name for f in INTERCHANGE_FIELDS
                                       if f.column == "" and f.name != "lang" and f.table == "records")
# Fields kept in the event_details child table (Record exposes each as an attribute).
EVENT_DETAIL_FIELDS: tuple[str, ...] = tuple(f.name for f in INTERCHANGE_FIELDS if f.table == "event_details")
# Record columns that belong to no kind's fields: the bookkeeping every record has.
BOOKKEEPING_COLUMNS = frozenset({"id", "external_id", "kind", "status", "created_by_id", "translation_of_id",
                                 "created_at", "updated_at", "published_at"})

_OTHER_LABELS = {"status": _l("Status"), "kind": _l("Type")}


def field_label(name: str, kind: str | None = None) -> str:
    """The interface name of a record field (as the given kind calls it, else as the first kind that has it)."""
    for candidate in ([kind_of(kind)] if kind_of(kind) else []) + list(KINDS):
        found = candidate.field(name)
        if found is not None:
            return str(found.label)
    return str(_OTHER_LABELS.get(name, name))
