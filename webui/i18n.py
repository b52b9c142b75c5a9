"""The interface language and the names of facet values in it.

The UI speaks nl, en, fr and de (Flask-Babel, catalogues in webui/translations).
A person's choice comes from ``?lang_ui=`` (then remembered in a cookie), else
that cookie, else the browser's Accept-Language, else English. Facet values
are codes in the index; people see them as names in the UI language: languages
and countries by Babel's CLDR names, themes by the thesaurus' preferred labels.

The compiled .mo files are committed beside the .po files so a clean clone
serves every language without a build step; a test checks they are current.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError
from flask import Flask, g, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from webui.source_labels import source_label

UI_LANGUAGES = ("nl", "en", "fr", "de")
DEFAULT_LANGUAGE = "en"
COOKIE = "ui_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Values of the `type` facet, marked for translation here because they come from data.
DOC_TYPES = {"case": lazy_gettext("case"), "document": lazy_gettext("document"), "event": lazy_gettext("event"),
             "report": lazy_gettext("report"), "collection": lazy_gettext("collection"),
             "expert": lazy_gettext("expert"), "organisation": lazy_gettext("organisation"),
             "network": lazy_gettext("network or programme"), "call": lazy_gettext("call")}
# Kinds of organisation (kb.people.ORG_KINDS): the org_kind facet and the organisation forms.
ORG_KIND_NAMES = {"municipality": lazy_gettext("Municipality"), "region": lazy_gettext("Region"),
                  "agency": lazy_gettext("Agency"), "network": lazy_gettext("Network"),
                  "programme": lazy_gettext("Programme"),
                  "company": lazy_gettext("Company"), "university": lazy_gettext("University or research"),
                  "other": lazy_gettext("Other")}
FACET_TITLES = {"type": lazy_gettext("Type"), "lang": lazy_gettext("Language"), "country": lazy_gettext("Country"),
                "municipality": lazy_gettext("Municipality or region"), "theme": lazy_gettext("Theme"),
                "source": lazy_gettext("Source"), "year": lazy_gettext("Year"),
                "population": lazy_gettext("Population"), "org_kind": lazy_gettext("Organisation type")}


def select_language() -> str:
    """The UI language of this request: ?lang_ui=, then the cookie, then Accept-Language."""
    asked = (request.args.get("lang_ui") or "").lower()
    if asked in UI_LANGUAGES:
        g.remember_ui_lang = asked
        return asked
    cookie = (request.cookies.get(COOKIE) or "").lower()
    if cookie in UI_LANGUAGES:
        return cookie
    return request.accept_languages.best_match(UI_LANGUAGES) or DEFAULT_LANGUAGE


def ui_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def remember_language(response):
    """Keep an explicit choice in a cookie for a year; pages vary with the language asked for."""
    if response.mimetype == "text/html":
        response.vary.update(("Cookie", "Accept-Language"))
    chosen = g.get("remember_ui_lang")
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


@functools.lru_cache(maxsize=8)
def _locale(ui: str) -> Locale:
    return Locale.parse(ui)


@functools.lru_cache(maxsize=1)
def _thesaurus():
    try:
        from kb.thesaurus import load_thesaurus

        return load_thesaurus()
    except Exception:  # the thesaurus is optional for display: without it themes show as ids
        return None


def language_name(code: str | None, ui: str | None = None) -> str:
    """"Nederlands"/"Dutch"/"néerlandais" for "nl"; the code itself when unknown."""
    if not code or code == "und":
        return gettext("unknown language")
    ui = ui or ui_language()
    name = _locale(ui).languages.get(code.split("-")[0].lower())
    if name:
        return name
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(ui) or code
    except (UnknownLocaleError, ValueError):
        return code


def country_name(code: str | None, ui: str | None = None) -> str:
    if not code:
        return ""
    return _locale(ui or ui_language()).territories.get(code.upper(), code)


def theme_label(concept_id: str, ui: str | None = None) -> str:
    thesaurus = _thesaurus()
    if thesaurus is None:
        return concept_id
    try:
        return thesaurus.label(concept_id, ui or ui_language())
    except KeyError:
        return concept_id


def type_name(value: str | None) -> str:
    return str(DOC_TYPES.get(value or "", value or ""))


def _capitalised(label: str) -> str:
    """"néerlandais" -> "Néerlandais" in a list of values (CLDR and thesaurus give running-text case)."""
    return label[:1].upper() + label[1:]


def facet_value_label(facet: str, value: str) -> str:
    """How a facet value reads in the UI language."""
    if facet == "lang":
        return _capitalised(language_name(value))
    if facet == "country":
        return country_name(value)
    if facet == "theme":
        return _capitalised(theme_label(value))
    if facet == "type":
        return _capitalised(type_name(value))
    if facet == "org_kind":
        return str(ORG_KIND_NAMES.get(value, value))
    if facet == "source":
        return source_label(value)
    return value


def facet_title(facet: str) -> str:
    return str(FACET_TITLES.get(facet, facet.capitalize()))


def language_choices() -> list[tuple[str, str]]:
    """(code, name in that language) for the language switcher."""
    return [(code, _locale(code).languages[code].capitalize()) for code in UI_LANGUAGES]


def http_url(url: str | None) -> str:
    """A link target from data (crawled or imported): http(s) only, anything else becomes "#"."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else "#"


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_language)
    app.jinja_env.filters["http_url"] = http_url
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        ui_language=ui_language, language_name=language_name, country_name=country_name, theme_label=theme_label,
        type_name=type_name, facet_value_label=facet_value_label, facet_title=facet_title,
        language_choices=language_choices, ui_languages=UI_LANGUAGES,
        switch_language_url=switch_language_url)


def switch_language_url(code: str) -> str:
    """This page in another UI language (the choice is then remembered)."""
    from urllib.parse import urlencode

    params = [(k, v) for k, v in request.args.items(multi=True) if k != "lang_ui"] + [("lang_ui", code)]
    return request.path + "?" + urlencode(params)
