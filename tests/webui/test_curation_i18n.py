"""The curation pages (sources, cases, collections, audit, account) speak nl, fr and de, and the catalogues are whole.

The pages are compared with the catalogues rather than with a hand-kept list: every
text of an English page that is a message of the catalogue must, in another
language, be replaced by its translation.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kb.accounts import create_user
from kb.models import Case, Document

WEBUI = Path(__file__).resolve().parents[2] / "webui"
TRANSLATIONS = WEBUI / "translations"
LANGUAGES = ("nl", "fr", "de")


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    with kb.session() as session:
        create_user(session, "marie", "curator", "marie-password")
        create_user(session, "jan", "researcher", "jan-password")
        session.add(Document(url="https://www.gent.be/loket", title="Digitaal loket Gent", country="BE", year=2021))
    app = create_app(settings, kb)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def signed_in(app, name="marie"):
    client = app.test_client()
    assert client.post("/auth/login", data={"name": name, "password": f"{name}-password"}).status_code == 302
    return client


@pytest.fixture
def curated(app, kb):
    """A curator's client, with a source, a researcher's proposed case, a deleted case and a collection."""
    curator = signed_in(app)
    curator.post("/sources/", data={"url": "https://www.example.org/cases/", "name": "Voorbeeldsite"})
    case_id = int(signed_in(app, "jan").post("/cases/", data={"title": "Telraam Leuven", "summary": "Tellen"})
                  .headers["Location"].rstrip("/").split("/")[-1])
    gone = int(curator.post("/cases/", data={"title": "Dubbel", "summary": "x"}).headers["Location"].split("/")[-1])
    curator.post(f"/cases/{gone}/delete")
    created = curator.post("/collections/", data={"title": "Werkmap", "visibility": "unlisted",
                                                  "event_name": "Slimme stad", "event_mode": "hybrid"})
    collection_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    curator.post("/collections/add-item", data={"collection_id": collection_id, "case_id": case_id})
    with kb.session() as session:
        assert session.get(Case, case_id).review_state == "proposed"
    return curator, case_id, collection_id


class _Texts(HTMLParser):
    """The texts a person sees or hears: text between tags, and aria-label, title and placeholder values."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.texts += [value.strip() for name, value in attrs
                       if name in ("aria-label", "title", "placeholder") and value and value.strip()]

    def handle_data(self, data):
        if data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return set(parser.texts)


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def plain_translations(lang: str) -> dict[str, str]:
    """msgid -> msgstr for the messages without placeholders (those appear verbatim on a page)."""
    return {m.id: m.string for m in catalogue(lang) if m.id and not m.pluralizable and "%(" not in m.id}


def curation_pages(case_id: int, collection_id: int) -> tuple[str, ...]:
    return ("/sources/", "/cases/", "/cases/?state=proposed", "/cases/new", f"/cases/{case_id}",
            f"/cases/{case_id}/edit", "/collections/", f"/collections/{collection_id}", "/collections/new",
            "/audit/", f"/audit/case/{case_id}", "/audit/trash", "/auth/account")


def untranslated_texts(client, path: str, lang: str, messages: dict[str, str]) -> tuple[set[str], list[str]]:
    """(English messages found on the English page, those still English or without their translation in lang)."""
    separator = "&" if "?" in path else "?"
    english = texts(client.get(f"{path}{separator}lang_ui=en").get_data(as_text=True))
    page = client.get(f"{path}{separator}lang_ui={lang}")
    assert page.status_code == 200, path
    shown = texts(page.get_data(as_text=True))
    used = {text for text in english if text in messages}
    wrong = [text for text in sorted(used)
             if messages[text] not in shown or (text in shown and messages[text] != text)]
    return used, wrong


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_curation_page_shows_its_labels_in_the_interface_language(curated, lang):
    curator, case_id, collection_id = curated
    messages = plain_translations(lang)
    layout = texts(curator.get("/?lang_ui=en").get_data(as_text=True))  # header and footer: tested elsewhere
    for path in curation_pages(case_id, collection_id):
        used, wrong = untranslated_texts(curator, path, lang, messages)
        assert len(used - layout) >= 3, f"{path}: few messages of its own ({sorted(used - layout)}); the right page?"
        assert not wrong, f"{path} in {lang}: still English or untranslated: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sign_in_page_and_its_error_speak_the_interface_language(app, lang):
    messages = plain_translations(lang)
    client = app.test_client()
    used, wrong = untranslated_texts(client, "/auth/login", lang, messages)
    assert {"User name", "Password", "Sign in"} <= used and not wrong
    refused = client.post(f"/auth/login?lang_ui={lang}", data={"name": "marie", "password": "wrong-password"})
    assert refused.status_code == 401
    assert messages["Wrong name or password."] in texts(refused.get_data(as_text=True))


def test_the_dutch_source_page_reads_as_dutch(curated):
    curator, _, _ = curated
    html = curator.get("/sources/?lang_ui=nl").get_data(as_text=True)
    assert "Een bron toevoegen" in html and "Inplannen om te crawlen" in html and "in de wachtrij" in html
    assert "Add a source" not in html and "Queue for crawling" not in html and ">queued<" not in html


def test_flash_messages_and_counts_follow_the_interface_language(curated, app):
    curator, case_id, collection_id = curated
    curator.get("/?lang_ui=fr")  # the choice is remembered in a cookie
    page = curator.post(f"/collections/{collection_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "La collection a été supprimée" in page
    page = curator.post("/cases/validate", data={"case_id": [str(case_id)]}, follow_redirects=True)
    assert "1 cas validé." in page.get_data(as_text=True)
    upload = {"file": (io.BytesIO(json.dumps([{"url": "https://www.example.net/", "name": "N"}]).encode()), "s.json")}
    page = curator.post("/sources/import", data=upload, content_type="multipart/form-data")
    assert "1 source importée ; 0 refusée(s)." in page.get_data(as_text=True)


def test_labels_of_codes_are_translated_but_css_classes_and_api_keep_the_codes(curated):
    curator, case_id, collection_id = curated
    html = curator.get("/cases/?state=proposed&lang_ui=de").get_data(as_text=True)
    assert '<span class="badge proposed">vorgeschlagen</span>' in html
    html = curator.get(f"/collections/{collection_id}?lang_ui=de").get_data(as_text=True)
    assert ">nicht gelistet<" in html and "hybrid (vor Ort und online)" in html
    assert curator.get(f"/api/collections/{collection_id}?lang_ui=de").get_json()["visibility"] == "unlisted"


def test_error_pages_speak_the_interface_language_but_api_errors_stay_english(app):
    client = app.test_client()
    page = client.get("/collections/999?lang_ui=de")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "404 – Nicht gefunden" in html and "Es gibt keine Sammlung 999." in html
    unknown = client.get("/no-such-page?lang_ui=nl").get_data(as_text=True)
    assert "Op dit adres staat geen pagina." in unknown and "requested URL" not in unknown
    api = client.get("/api/documents/999999", headers={"Accept-Language": "de"}).get_json()
    assert api["error"] == "Not Found"


def extracted_messages() -> set[str]:
    """What `pybabel extract` finds in webui now (the same configuration as the README's command)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(WEBUI), method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_translates_every_message_of_the_source_with_no_fuzzy_guess(lang):
    po = catalogue(lang)
    translated = {(m.id[0] if m.pluralizable else m.id) for m in po
                  if m.id and not m.fuzzy and (all(m.string) if m.pluralizable else m.string)}
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries (guesses by pybabel update; translate and drop the flag): {fuzzy[:5]}"
    missing = extracted_messages() - translated
    assert not missing, f"{lang}: not in the catalogue or untranslated (pybabel extract/update): {sorted(missing)[:5]}"
