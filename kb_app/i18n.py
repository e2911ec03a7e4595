"""Interface language: choose it per request (switcher, remembered choice, browser), and give templates what they need."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, Response, g, has_request_context, request, session
from flask_babel import Babel

from .kinds import LANGUAGES

DEFAULT_UI_LANG = "en"
RTL_LANGUAGES = frozenset({"ar"})
# How a language separates the names of a short list ("Roma, Italia"); Arabic has its own comma.
LIST_COMMA = {"ar": "، "}
SWITCH_PARAM = "ui"
SESSION_KEY = "ui_lang"
# On these pages `lang` filters records by their language, so it must not also switch the interface.
LANG_IS_A_FILTER = ("search.results", "feeds.search")

babel = Babel()


def text_dir(lang: str | None) -> str:
    """The writing direction of a language: what a `dir` attribute needs next to a `lang` attribute."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def requested_ui_lang() -> str | None:
    """The language the visitor asked for in this request's query string, if it is one we offer."""
    asked = request.args.get(SWITCH_PARAM)
    if asked is None and request.endpoint not in LANG_IS_A_FILTER and not request.path.startswith("/api/"):
        asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def resolve_ui_lang() -> str:
    """Switcher choice in the URL, else the remembered choice, else the browser's Accept-Language, else English."""
    if not has_request_context():
        return DEFAULT_UI_LANG
    if "ui_lang" in g:
        return g.ui_lang
    chosen = requested_ui_lang()
    if chosen is not None:
        if session.get(SESSION_KEY) != chosen:
            session[SESSION_KEY] = chosen
    else:
        remembered = session.get(SESSION_KEY)
        chosen = remembered if remembered in LANGUAGES else None
    if chosen is None:
        chosen = request.accept_languages.best_match(LANGUAGES) or DEFAULT_UI_LANG
    g.ui_lang = chosen
    return chosen


def switch_url(lang: str) -> str:
    """The current page in another interface language (keeps the page's own query arguments)."""
    args = [(k, v) for k, values in request.args.lists() for v in values if k != SWITCH_PARAM]
    args.append((SWITCH_PARAM, lang))
    return f"{request.script_root}{request.path}?{urlencode(args)}"


def language_name(code: str | None, in_lang: str | None = None) -> str:
    """A language's name in the interface language ("Spanish", "Spagnolo", "الإسبانية").

    CLDR writes Italian, French and Spanish language names in lower case, as in running text; ours stand
    alone in badges, lists and facets, where a capital reads right.
    """
    if not code:
        return ""
    name = Locale.parse(in_lang or resolve_ui_lang()).languages.get(code, code)
    return name[:1].upper() + name[1:]


def native_name(code: str) -> str:
    """A language's name in itself, as the switcher shows it ("Deutsch", "العربية")."""
    name = Locale.parse(code).display_name or code
    return name[:1].upper() + name[1:]


def country_name(code: str | None, in_lang: str | None = None) -> str:
    """A country's name in the interface language, from the CLDR data Babel ships (EU included)."""
    if not code:
        return ""
    locale = Locale.parse(in_lang or resolve_ui_lang())
    return locale.territories.get(code.upper(), code.upper())


def join_names(*names: str | None, in_lang: str | None = None) -> str:
    """Names (a city and its country, say) joined with the comma of the interface language; empty ones left out."""
    lang = in_lang or (resolve_ui_lang() if has_request_context() else DEFAULT_UI_LANG)
    return LIST_COMMA.get(lang, ", ").join(str(name) for name in names if name)


def template_context() -> dict[str, Any]:
    ui_lang = resolve_ui_lang() if has_request_context() else DEFAULT_UI_LANG
    return {
        "ui_lang": ui_lang,
        "ui_dir": text_dir(ui_lang),
        "ui_languages": [(code, native_name(code)) for code in LANGUAGES],
        "switch_url": switch_url,
        "language_name": language_name,
        "country_name": country_name,
        "join_names": join_names,
        "list_comma": LIST_COMMA.get(ui_lang, ", "),
        "text_dir": text_dir,
    }


def _vary_on_language(response: Response) -> Response:
    # The same URL is rendered in different languages, so caches must key on what picked the language.
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Wire Flask-Babel (catalogues in kb_app/translations) into the app; templating.init_app adds template_context."""
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_UI_LANG)
    babel.init_app(app, locale_selector=resolve_ui_lang)
    app.after_request(_vary_on_language)
