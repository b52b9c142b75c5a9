"""The home page and the interface languages (Flask-Babel)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEBUI = Path(__file__).resolve().parents[2] / "webui"
TRANSLATIONS = WEBUI / "translations"
# The pages of the search UI; other areas' templates share the catalogues and are translated as they come.
SEARCH_TEMPLATES = ("base", "_macros", "home", "search", "_results", "document", "error", "api")


def search_ui_messages() -> set[str]:
    used = set()
    for name in SEARCH_TEMPLATES:
        text = (WEBUI / "templates" / f"{name}.html").read_text(encoding="utf-8")
        used |= {s.replace('\\"', '"') for s in re.findall(r'(?<![\w])_\("((?:[^"\\]|\\.)*)"', text)}
        used |= set(re.findall(r"(?<![\w])_\('([^']*)'", text))
        used |= set(re.findall(r'ngettext\("([^"]*)"', text))
    used |= set(re.findall(r'lazy_gettext\("([^"]*)"', (WEBUI / "i18n.py").read_text(encoding="utf-8")))
    used |= set(re.findall(r'gettext\("([^"]*)"', (WEBUI / "search.py").read_text(encoding="utf-8")))
    return used


def test_the_home_page_says_what_casebook_is_and_has_a_search_box(web):
    html = web.get("/").get_data(as_text=True)
    assert "Casebook collects examples" in html
    assert re.search(r'<label for="q">', html) and 'role="search"' in html


def test_the_home_page_counts_by_theme_country_and_language_with_links(web):
    html = web.get("/").get_data(as_text=True)
    for facet in ("theme", "country", "lang"):
        assert re.search(rf'href="/\?q=&amp;{facet}=[^"]+" data-facet="{facet}"', html), facet
    assert "By theme" in html and "Belgium" in html and "Dutch" in html


def test_the_home_page_lists_the_latest_additions(web):
    html = web.get("/").get_data(as_text=True)
    latest = html[html.index('id="latest-h"'):]
    assert len(re.findall(r'href="/documents/\d+"', latest)) >= 5


@pytest.mark.parametrize("lang, words", [("nl", "Zoeken"), ("fr", "Rechercher"), ("de", "Suchen"), ("en", "Search")])
def test_accept_language_chooses_the_interface_language(web, lang, words):
    html = web.get("/?q=smart", headers={"Accept-Language": f"{lang}-BE,{lang};q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f">{words}</button>" in html


def test_an_unknown_browser_language_falls_back_to_english(web):
    html = web.get("/", headers={"Accept-Language": "ja,zh;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_lang_ui_switches_the_language_and_a_cookie_remembers_it(web):
    first = web.get("/?q=smart&lang_ui=fr", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in first.get_data(as_text=True)
    assert "ui_lang=fr" in first.headers["Set-Cookie"]
    later = web.get("/?q=smart", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="fr">' in later, "the cookie beats Accept-Language"


def test_an_unknown_lang_ui_is_ignored(web):
    response = web.get("/?lang_ui=xx", headers={"Accept-Language": "nl"})
    assert response.status_code == 200 and '<html lang="nl">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_the_switcher_links_keep_the_search_and_name_each_language_in_itself(web):
    html = web.get("/?q=open+data&lang=fr").get_data(as_text=True)
    assert 'href="/?q=open+data&amp;lang=fr&amp;lang_ui=nl" lang="nl" hreflang="nl" data-ui-lang="nl"' in html
    for name in ("Nederlands", "English", "Français", "Deutsch"):
        assert f">{name}</a>" in html


def test_facet_values_are_named_in_the_interface_language(web):
    html = web.get("/?q=&lang_ui=de").get_data(as_text=True)
    assert ">Niederländisch<" in html and ">Belgien<" in html
    nl = web.get("/?q=&lang_ui=nl").get_data(as_text=True)
    assert ">Frans<" in nl and ">België<" in nl
    fr = web.get("/?q=&lang_ui=fr").get_data(as_text=True)
    assert ">Allemand<" in fr and ">Belgique<" in fr


def test_themes_are_named_by_the_thesaurus_in_the_interface_language():
    thesaurus = pytest.importorskip("kb.thesaurus")
    from webui.i18n import theme_label

    label = theme_label("digital-services", "nl")
    assert label == thesaurus.load_thesaurus().label("digital-services", "nl") != "digital-services"
    assert theme_label("no-such-theme", "nl") == "no-such-theme"


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_every_search_ui_message_is_translated_and_the_mo_file_is_current(lang):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        po = read_po(handle)
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        mo = read_mo(handle)
    translated = {(m.id[0] if m.pluralizable else m.id) for m in po
                  if m.id and (all(m.string) if m.pluralizable else m.string)}
    missing = search_ui_messages() - translated
    assert not missing, f"{lang}: not translated (pybabel extract/update, then translate): {sorted(missing)[:5]}"

    def norm(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    compiled = {norm(m.id): norm(m.string) for m in mo if m.id}
    stale = [m.id for m in po if m.id and m.string and compiled.get(norm(m.id)) != norm(m.string)]
    assert not stale, f"{lang}: messages.mo is older than messages.po (run pybabel compile -d webui/translations)"
