"""schema.org descriptions (JSON-LD) of records, for the page head: what search engines and harvesters read."""
from __future__ import annotations

from typing import Any

from .citation import citation_type
from .models import Record


def record_json_ld(record: Record, data: dict[str, Any]) -> dict[str, Any]:
    """A record as a schema.org CreativeWork (Report, LearningResource), from the data its page shows."""
    citation = data["citation"]
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": citation_type(record.kind).schema_org,
        "@id": citation["permalink"],
        "url": citation["permalink"],
        "name": record.title,
        "inLanguage": record.lang,
        "license": citation["licence"]["url"],
        "isPartOf": {"@type": "DataCatalog", "name": "M.I.C.R.O. knowledge base"},
    }
    if record.external_id:
        out["identifier"] = record.external_id
    if record.summary:
        out["abstract"] = record.summary
    if record.organisation is not None:
        organisation = {"@type": "Organization", "name": record.organisation.name}
        out["author"] = organisation
        out["publisher"] = organisation
    if record.year:
        out["dateCreated"] = str(record.year)
    if record.published_at:
        out["datePublished"] = record.published_at.date().isoformat()
    if record.updated_at:
        out["dateModified"] = record.updated_at.date().isoformat()
    if record.country:
        place: dict[str, Any] = {"@type": "Place", "address": {"@type": "PostalAddress", "addressCountry": record.country}}
        if record.city:
            place["address"]["addressLocality"] = record.city
        out["spatialCoverage"] = place
    if data.get("themes"):
        out["keywords"] = ", ".join(data["themes"])
    if record.kind == "resource":
        if record.audience:
            out["audience"] = {"@type": "EducationalAudience", "educationalRole": record.audience}
        if record.level:
            out["educationalLevel"] = record.level
        if record.duration_minutes:
            out["timeRequired"] = f"PT{int(record.duration_minutes)}M"
    versions = data.get("versions") or []
    if record.translation_of_id is None and versions:
        out["workTranslation"] = [{"@id": v["url"], "inLanguage": v["lang"]} for v in versions]
    for version in versions:
        if version["id"] == record.translation_of_id:
            out["translationOfWork"] = {"@id": version["url"], "inLanguage": version["lang"]}
    return out
