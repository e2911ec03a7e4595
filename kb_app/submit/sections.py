"""The good-practice template as the submission form presents it: sections, field labels and help text."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import PRACTICE_FIELDS

# Fields a practice must have before it can be sent for review (a draft may be saved with fewer).
SUBMISSION_REQUIRED = ("title", "summary", "body", "challenge", "method", "results", "country")

# The fields kept in a revision snapshot that a reviewer compares, in the order the form shows them.
COMPARED_FIELDS = (
    "lang", "title", "summary", "body", *PRACTICE_FIELDS, "country", "city", "year", "start_date", "end_date",
    "themes", "contact", "url", "organisation", "status",
)

HELP = {
    "lang": _l("The language the text is written in. Leave it on automatic and it is detected from the text."),
    "title": _l("A short name for the practice, as you would tell a colleague."),
    "summary": _l("Two or three sentences: what you did, for whom, and what came of it."),
    "body": _l("The situation in which the practice started: the place, the people and the need."),
    "target_group": _l("Who the practice is for, for example migrant women starting a business or young refugees."),
    "challenge": _l("The problem the practice addresses."),
    "method": _l("What you did, step by step: activities, partners, tools."),
    "results": _l("What changed, with numbers where you have them: people trained, loans granted, businesses started."),
    "resources_needed": _l("The staff, money, premises and time the practice needed."),
    "evidence_of_success": _l("How you know it worked: evaluations, follow-up, testimonials."),
    "transferability": _l("What another organisation would need to do the same elsewhere."),
    "difficulties": _l("What was hard or went wrong, and how you dealt with it."),
    "themes": _l("The themes the practice is about; they help people find it."),
    "country": _l("Where the practice took place."),
    "city": _l("The town or city, if the practice was local."),
    "year": _l("The year the practice started."),
    "start_date": _l("As YYYY-MM-DD or YYYY-MM."),
    "end_date": _l("As YYYY-MM-DD or YYYY-MM; leave it empty if the practice still runs."),
    "contact": _l("A name, role or e-mail address people may contact about the practice. It will be public."),
    "url": _l("A web page about the practice, starting with http:// or https://."),
    "organisation": _l("The organisation the record belongs to."),
    "attachments": _l("Optional: PDF, DOCX, ODT, PNG or JPEG files. "
                      "If the form shows an error, choose the files again."),
}

LABELS = {
    "lang": _l("Language of the text"),
    "title": _l("Title"),
    "summary": _l("Summary"),
    # The same headings as the record page (search.vocabulary), so a partner sees where each answer will appear.
    "body": _l("Context"),
    "target_group": _l("Target group"),
    "challenge": _l("Challenge addressed"),
    "method": _l("Method and activities"),
    "results": _l("Results"),
    "resources_needed": _l("Resources needed"),
    "evidence_of_success": _l("Evidence of success"),
    "transferability": _l("Transferability"),
    "difficulties": _l("Difficulties and how they were overcome"),
    "themes": _l("Themes"),
    "country": _l("Country"),
    "city": _l("City"),
    "year": _l("Year"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "contact": _l("Contact"),
    "url": _l("Web page"),
    "organisation": _l("Organisation"),
    "attachments": _l("Attachments"),
    "status": _l("Status"),
    "kind": _l("Type"),
}

# Sections of the form: a heading, an introduction, and the fields in it.
SECTIONS: tuple[tuple[str, object, object, tuple[str, ...]], ...] = (
    ("about", _l("The practice in brief"), _l("How the practice will appear in search results."),
     ("lang", "title", "summary")),
    ("template", _l("The practice, section by section"),
     _l("Follow the exchange template: each section answers one question a colleague elsewhere would ask."),
     ("body", *PRACTICE_FIELDS)),
    ("place", _l("Where and when"), _l("Place and dates help people find practices near them."),
     ("country", "city", "year", "start_date", "end_date")),
    ("topics", _l("What the practice is about"), _l("Choose every theme that fits."), ("themes",)),
    ("contact", _l("Contact and links"), _l("How readers can learn more."), ("contact", "url", "organisation")),
    ("files", _l("Attachments"), _l("Reports, leaflets or photos that document the practice."), ("attachments",)),
)


def field_label(name: str) -> str:
    """The interface name of a record field."""
    return str(LABELS.get(name, name))
