"""Atom feeds: /feeds/search.atom?<the search's arguments>, /feeds/themes/<slug>.atom, /feeds/countries/<code>.atom."""
from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..atom import atom_feed
from ..countries import COUNTRY_CODES
from ..db import get_session
from ..discovery import SearchParams, parse_search_params
from ..following import describe, newest_matches, search_args
from ..i18n import SWITCH_PARAM, country_name, resolve_ui_lang
from ..models import Theme
from . import bp

FEED_SIZE = 50


def _feed(params: SearchParams, title: str, feed_url: str, page_url: str) -> Response:
    ui_lang = resolve_ui_lang()
    records = newest_matches(get_session(), params, limit=FEED_SIZE)
    body = atom_feed(title=title, feed_url=feed_url, page_url=page_url, records=records, ui_lang=ui_lang)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/feeds/search.atom")
def search() -> Response:
    """The newest records matching a search; the arguments are the results page's (invalid ones: 400)."""
    ui_lang = resolve_ui_lang()
    params = parse_search_params(request.args, strict=True, allowed_extra=(SWITCH_PARAM,), ui_lang=ui_lang)
    args = search_args(params)
    described = describe(get_session(), params, ui_lang)
    title = _("M.I.C.R.O.: %(search)s", search=described) if described else _("M.I.C.R.O.: new records")
    return _feed(params, title, url_for("feeds.search", **args, _external=True),
                 url_for("search.results", **args, _external=True))


@bp.get("/feeds/themes/<slug>.atom")
def theme(slug: str) -> Response:
    theme = get_session().scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        abort(404, description=_("There is no theme called “%(slug)s”.", slug=slug))
    params = SearchParams(filters={"theme": [slug]}, ui_lang=resolve_ui_lang())
    return _feed(params, _("M.I.C.R.O.: %(search)s", search=theme.label(resolve_ui_lang())),
                 url_for("feeds.theme", slug=slug, _external=True),
                 url_for("search.browse_theme", slug=slug, _external=True))


@bp.get("/feeds/countries/<code>.atom")
def country(code: str) -> Response:
    code = code.upper()
    if code not in COUNTRY_CODES:
        abort(404, description=_("There is no country with the code “%(code)s”.", code=code))
    params = SearchParams(filters={"country": [code]}, ui_lang=resolve_ui_lang())
    return _feed(params, _("M.I.C.R.O.: %(search)s", search=country_name(code)),
                 url_for("feeds.country", code=code, _external=True),
                 url_for("search.browse_country", code=code, _external=True))
