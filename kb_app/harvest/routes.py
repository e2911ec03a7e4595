"""Routes for harvesters: /oai (OAI-PMH 2.0), /catalogue.jsonld (DCAT-AP) and /sitemap.xml."""
from __future__ import annotations

from flask import Response, current_app, json, request, url_for
from flask_babel import force_locale

from .. import dcat, oai, sitemap
from ..db import get_session
from . import bp

REPOSITORY_NAME = "M.I.C.R.O. knowledge base"


def repository() -> oai.Repository:
    return oai.Repository(
        name=REPOSITORY_NAME,
        base_url=url_for("harvest.oai_pmh", _external=True),
        admin_email=current_app.config["KB_ADMIN_EMAIL"],
        identifier_prefix=f"oai:{request.host.split(':')[0]}:",
        secret=current_app.config["SECRET_KEY"],
        page_size=int(current_app.config["KB_OAI_PAGE_SIZE"]),
        record_url=lambda external_id: url_for("records.permalink", external_id=external_id, _external=True),
    )


@bp.route("/oai", methods=["GET", "POST"])
def oai_pmh() -> Response:
    """OAI-PMH 2.0; arguments in the query string (GET) or a form body (POST), as the protocol allows."""
    args = request.form if request.method == "POST" else request.args
    with force_locale("en"):  # set names and types are for machines: one language, whoever asks
        body = oai.respond(get_session(), repository(), args.to_dict(flat=False))
    return Response(body, mimetype="text/xml")


@bp.get("/catalogue.jsonld")
def catalogue_description() -> Response:
    with force_locale("en"):
        data = dcat.catalogue(get_session(), admin_email=current_app.config["KB_ADMIN_EMAIL"])
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/ld+json")


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    return Response(sitemap.sitemap(get_session()), mimetype="application/xml")
