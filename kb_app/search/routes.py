"""Pages of the search area: home, results, browse by theme / country / curriculum path, and the overview."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from indexing.engine import SORTS

from ..access import current_user
from ..confirmation import ConfirmForm
from ..countries import COUNTRY_CODES
from ..db import get_session
from ..discovery import (
    FILTERS,
    HINT_PARAM,
    YEAR_BOUNDS,
    SearchParams,
    parse_search_params,
    record_card,
    run_search,
)
from ..api_errors import ApiError
from ..i18n import country_name, language_name, resolve_ui_lang, text_dir
from ..models import CurriculumPath, Theme
from ..progress import learner_paths, path_progress
from ..rate_limit import get_limiter
from . import bp
from ..statistics import (
    counts_by_country,
    counts_by_kind,
    counts_by_language,
    curriculum_paths,
    latest,
    list_published,
    partners_in,
    path_outline,
    themes_with_counts,
)
from ..vocabulary import (
    facet_label,
    facet_title,
    range_title,
    sort_label,
)
from .charts import bar_chart
from .partner_map import HEIGHT, PARTNER_COUNTRIES, WIDTH, country_map

BROWSE_PER_PAGE = 20


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        abort(400, description=_("The page number must be a whole number from 1 to 10000."))
    return int(raw)


def _count_search() -> None:
    """Each search costs CPU on every leg: past KB_SEARCH_PAGES_PER_MINUTE from one address, answer 429."""
    limit = int(current_app.config["KB_SEARCH_PAGES_PER_MINUTE"])
    if limit <= 0:
        return
    verdict = get_limiter().hit(f"search:{request.remote_addr or 'unknown'}", limit)
    if not verdict.allowed:
        raise ApiError(429, "rate_limited",
                       _("More than %(n)d searches in a minute came from your address; please try again in %(s)d seconds.",
                         n=limit, s=verdict.retry_after),
                       headers={"Retry-After": str(verdict.retry_after)})


@bp.get("/")
def home() -> str:
    session = get_session()
    user = current_user()
    following = learner_paths(session, user) if user is not None else []
    return render_template(
        "search/home.html",
        themes=themes_with_counts(session),
        latest=[record_card(r) for r in latest(session, "practice", 6)],
        by_language=counts_by_language(session),
        by_kind=counts_by_kind(session),
        params=SearchParams(ui_lang=resolve_ui_lang()),
        following=following[0] if following else None,
    )


def _facet_links(params: SearchParams, facets: dict[str, dict[str, int]], themes: dict[str, Theme]) -> list[dict[str, Any]]:
    """Each facet with its values as checkboxes of the search form: label, count (over the results with every
    other filter applied, so an unticked value says what ticking it adds) and whether it is ticked."""
    out = []
    for name in FILTERS:
        counts = dict(facets.get(name, {}))
        chosen = params.filters.get(name, [])
        for value in chosen:
            counts.setdefault(value, 0)
        if not counts:
            continue
        values = [{
            "value": value, "count": n, "selected": value in chosen,
            # Written in the interface language (even "Spagnolo"), so it takes the page's lang, not its own.
            "label": facet_label(name, value, themes),
        } for value, n in counts.items()]
        out.append({"name": name, "title": facet_title(name), "values": values})
    return out


def _year_links(params: SearchParams, counts: dict[str, int]) -> list[dict[str, Any]]:
    """The years of the results (counted without the year range) with a link to that year alone."""
    return [{"year": year, "count": n, "selected": params.year_from == params.year_to == int(year),
             "href": url_for("search.results", **params.as_args(year_from=int(year), year_to=int(year), page=None))}
            for year, n in counts.items()]


def _pages(current: int, last: int) -> list[int | None]:
    """Page numbers to show: the first, the last and two either side of the current one (None marks a gap)."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown


@bp.get("/search")
def results() -> str:
    ui_lang = resolve_ui_lang()
    params = parse_search_params(request.args, strict=False, ui_lang=ui_lang)
    session = get_session()
    themes = {t.slug: t for t in session.scalars(select(Theme))}
    searched = bool(params.q or params.narrowed)
    if searched:
        _count_search()
    data = run_search(session, params) if searched else None
    last_page = max(1, -(-data["total"] // params.per_page)) if data else 1
    active_filters = [
        {"name": name, "value": value, "title": facet_title(name), "label": facet_label(name, value, themes),
         "href": url_for("search.results", **params.as_args(**{name: [v for v in values if v != value], "page": None}))}
        for name, values in params.filters.items() for value in values
    ] + [
        {"name": name, "value": value, "title": range_title(name), "label": str(value),
         "href": url_for("search.results", **params.as_args(**{name: None, "page": None}))}
        for name, value in params.ranges.items()
    ]
    api_args = {**params.as_args(page=params.page if params.page > 1 else None), HINT_PARAM: params.ui_lang}
    return render_template(
        "search/results.html",
        params=params,
        data=data,
        facets=_facet_links(params, data["facets"], themes) if data else [],
        years=_year_links(params, data["facets"].get("year", {})) if data else [],
        year_bounds=YEAR_BOUNDS,
        active_filters=active_filters,
        clear_filters_url=url_for("search.results", **params.without_filters()),
        sorts=[(sort, sort_label(sort),
                url_for("search.results", **params.as_args(sort=None if sort == "relevance" else sort, page=None)))
               for sort in SORTS],
        pages=_pages(params.page, last_page),
        last_page=last_page,
        themes=themes,
        api_url=url_for("api.search", **api_args),
        feed_url=url_for("feeds.search", **params.as_args(page=None, per_page=None)),
        page_url=lambda n: url_for("search.results", **params.as_args(page=n if n > 1 else None)),
    )


# -- browse -------------------------------------------------------------------------------------------

@bp.get("/browse/themes")
def browse_themes() -> str:
    return render_template("browse/themes.html", themes=themes_with_counts(get_session()))


@bp.get("/browse/themes/<slug>")
def browse_theme(slug: str) -> str:
    session = get_session()
    theme = session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        abort(404, description=_("There is no theme called “%(slug)s”.", slug=slug))
    listing = list_published(session, theme=theme, page=_page_arg(), per_page=BROWSE_PER_PAGE)
    return render_template("browse/listing.html", heading=theme.label(resolve_ui_lang()), theme=theme,
                           listing=listing, cards=[record_card(r) for r in listing.records],
                           search_filter=("theme", theme.slug), pages=_pages(listing.page, listing.pages),
                           page_url=lambda n: url_for("search.browse_theme", slug=slug, page=n if n > 1 else None),
                           api_url=url_for("api.search", theme=theme.slug), partners=[],
                           feed_url=url_for("feeds.theme", slug=theme.slug))


@bp.get("/browse/countries")
def browse_countries() -> str:
    counts = counts_by_country(get_session())
    rows = sorted(counts.items(), key=lambda item: (item[0] not in PARTNER_COUNTRIES, -item[1], country_name(item[0])))
    return render_template("browse/countries.html", countries=rows, partner_countries=PARTNER_COUNTRIES)


@bp.get("/browse/countries/<code>")
def browse_country(code: str) -> str:
    code = code.upper()
    if code not in COUNTRY_CODES:
        abort(404, description=_("There is no country with the code “%(code)s”.", code=code))
    session = get_session()
    listing = list_published(session, country=code, page=_page_arg(), per_page=BROWSE_PER_PAGE)
    return render_template("browse/listing.html", heading=country_name(code), theme=None, country=code,
                           listing=listing, cards=[record_card(r) for r in listing.records],
                           search_filter=("country", code), pages=_pages(listing.page, listing.pages),
                           page_url=lambda n: url_for("search.browse_country", code=code, page=n if n > 1 else None),
                           api_url=url_for("api.search", country=code), partners=partners_in(session, code),
                           feed_url=url_for("feeds.country", code=code))


@bp.get("/browse/paths")
def browse_paths() -> str:
    return render_template("browse/paths.html", paths=curriculum_paths(get_session()))


@bp.get("/browse/paths/<slug>")
def browse_path(slug: str) -> str:
    session = get_session()
    path = session.scalar(select(CurriculumPath).where(CurriculumPath.slug == slug))
    if path is None:
        abort(404, description=_("There is no learning path called “%(slug)s”.", slug=slug))
    outline = path_outline(session, path)
    user = current_user()
    return render_template("browse/path.html", path=path, outline=outline,
                           cards={r.id: record_card(r) for item in outline for r in item.resources},
                           progress=path_progress(session, user, path) if user is not None else None,
                           form=ConfirmForm())


# -- overview -----------------------------------------------------------------------------------------

@bp.get("/overview")
def overview() -> str:
    session = get_session()
    ui_lang = resolve_ui_lang()
    rtl = text_dir(ui_lang) == "rtl"
    themes = themes_with_counts(session)
    by_theme = bar_chart(
        [(theme.label(ui_lang), n, url_for("search.browse_theme", slug=theme.slug))
         for theme, n in sorted(themes, key=lambda item: -item[1])], rtl=rtl)
    languages = counts_by_language(session)
    by_language = bar_chart(
        [(language_name(code), n, url_for("search.results", lang=code)) for code, n in languages.items()],
        rtl=rtl, width=420)
    practices_by_country = counts_by_country(session, kind="practice")
    all_by_country = counts_by_country(session)
    return render_template(
        "search/overview.html",
        by_theme=by_theme,
        by_language=by_language,
        map_countries=country_map(practices_by_country),
        map_width=WIDTH, map_height=HEIGHT,
        practices_by_country=practices_by_country,
        all_by_country=all_by_country,
        by_kind=counts_by_kind(session),
    )
