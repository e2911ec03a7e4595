"""The catalogue described in DCAT-AP (JSON-LD): one dataset per record kind, its downloads and the harvesting services."""
from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .kinds import KINDS, LANGUAGES
from .licences import licence_of
from .models import Record, Theme

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# The EU Publications Office language authority (what DCAT-AP asks for dct:language), per ISO 639-1 code.
EU_LANGUAGE = {"it": "ITA", "en": "ENG", "fr": "FRA", "es": "SPA", "de": "DEU", "ar": "ARA"}
EU_LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"
EU_FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
TITLE = "M.I.C.R.O. knowledge base"
DESCRIPTION = ("Good practices of partners helping migrants reach credit, training and social inclusion, and the "
               "curriculum resources for microcredit/NGO operators and migrant entrepreneurs, in six languages.")


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": "en"}


def _languages(codes: list[str]) -> list[dict[str, str]]:
    return [{"@id": EU_LANGUAGE_BASE + EU_LANGUAGE[c]} for c in codes if c in EU_LANGUAGE]


def _modified(session: Session, *conditions: Any) -> str | None:
    latest = session.scalar(select(func.max(Record.updated_at)).where(Record.status == "published", *conditions))
    return latest.replace(microsecond=0).isoformat() + "Z" if latest else None


def _dataset(session: Session, kind: Any, contact: dict[str, Any], publisher: dict[str, Any]) -> dict[str, Any]:
    published = (Record.status == "published", Record.kind == kind.name)
    count = session.scalar(select(func.count()).select_from(Record).where(*published)) or 0
    langs = sorted(session.scalars(select(Record.lang).where(*published).distinct()))
    themes = session.scalars(select(Theme).where(Theme.id.in_(
        select(Theme.id).join(Record.themes).where(*published))).order_by(Theme.slug))
    licence = licence_of(None)
    distributions = []
    for fmt, media_type, file_type in (("jsonl", "application/x-ndjson", "JSON"), ("csv", "text/csv", "CSV")):
        url = url_for("api.export", format=fmt, kind=kind.name, _external=True)
        distributions.append({
            "@id": url, "@type": "dcat:Distribution", "dct:title": _text(f"{kind.name} records as {fmt.upper()}"),
            "dcat:accessURL": {"@id": url}, "dcat:downloadURL": {"@id": url}, "dcat:mediaType": media_type,
            "dct:format": {"@id": EU_FILE_TYPE_BASE + file_type}, "dct:license": {"@id": licence.url},
        })
    dataset: dict[str, Any] = {
        "@id": url_for("harvest.catalogue_description", _external=True) + f"#{kind.name}",
        "@type": "dcat:Dataset",
        "dct:title": _text(f"{TITLE}: {str(kind.label).lower()}s"),
        "dct:description": _text(f"{count} published records of the kind '{kind.name}'."),
        "dct:identifier": kind.name,
        "dct:language": _languages(langs),
        "dcat:keyword": [_text(t.label("en")) for t in themes],
        "dcat:contactPoint": contact,
        "dct:publisher": publisher,
        "dct:license": {"@id": licence.url},
        "dcat:landingPage": {"@id": url_for("search.results", kind=kind.name, _external=True)},
        "dcat:distribution": distributions,
    }
    modified = _modified(session, Record.kind == kind.name)
    if modified:
        dataset["dct:modified"] = {"@value": modified, "@type": "xsd:dateTime"}
    return dataset


def catalogue(session: Session, *, admin_email: str) -> dict[str, Any]:
    """The DCAT-AP Catalog: datasets per kind, and the OAI-PMH and JSON API services that serve them."""
    contact = {"@type": "vcard:Organization", "vcard:fn": TITLE, "vcard:hasEmail": {"@id": f"mailto:{admin_email}"}}
    publisher = {"@type": "foaf:Agent", "foaf:name": "M.I.C.R.O. network"}
    datasets = [_dataset(session, kind, contact, publisher) for kind in KINDS]
    services = [
        {"@id": url_for("harvest.oai_pmh", _external=True), "@type": "dcat:DataService",
         "dct:title": _text("OAI-PMH 2.0 (oai_dc)"), "dcat:endpointURL": {"@id": url_for("harvest.oai_pmh", _external=True)},
         "dct:conformsTo": {"@id": "http://www.openarchives.org/OAI/2.0/"},
         "dcat:servesDataset": [{"@id": d["@id"]} for d in datasets]},
        {"@id": url_for("api.openapi_document", _external=True), "@type": "dcat:DataService",
         "dct:title": _text("JSON API"), "dcat:endpointURL": {"@id": url_for("api.health", _external=True).rsplit("/", 1)[0]},
         "dcat:endpointDescription": {"@id": url_for("api.openapi_document", _external=True)},
         "dcat:servesDataset": [{"@id": d["@id"]} for d in datasets]},
    ]
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": url_for("harvest.catalogue_description", _external=True),
        "@type": "dcat:Catalog",
        "dct:title": _text(TITLE),
        "dct:description": _text(DESCRIPTION),
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dct:language": _languages(list(LANGUAGES)),
        "dct:license": {"@id": licence_of(None).url},
        "foaf:homepage": {"@id": url_for("search.home", _external=True)},
        "dcat:dataset": datasets,
        "dcat:service": services,
    }
    modified = _modified(session)
    if modified:
        out["dct:modified"] = {"@value": modified, "@type": "xsd:dateTime"}
    return out
