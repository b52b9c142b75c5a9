"""Document pages: metadata, provenance, translations, similar documents."""

from __future__ import annotations

import re


def test_the_document_page_shows_full_metadata_and_provenance(web, first_hit):
    hit = first_hit("Smart Flanders", lang="nl")
    html = web.get(f"/documents/{hit['id']}").get_data(as_text=True)
    for label in ("Source URL", "Fetched at", "Content hash", "Extracted by", "Language", "Type", "Themes"):
        assert f"<dt>{label}</dt>" in html, label
    assert re.search(r"Dutch \(confidence \d+%\)", html)
    assert re.search(r'<code class="hash">[0-9a-f]{16,}</code>', html)
    assert "casebook-extract" in html
    assert '<h1 id="doc-title" lang="nl">' in html


def test_the_document_page_links_its_translations_and_similar_documents(web, first_hit):
    hit = first_hit("Smart Flanders", lang="nl")
    html = web.get(f"/documents/{hit['id']}").get_data(as_text=True)
    also = html[html.index('id="also-in-h"'):]
    assert re.search(r'<a href="/documents/\d+" hreflang="en">English</a>', also)
    similar = re.findall(r'<li data-similar><a href="/documents/(\d+)"', html)
    assert similar and str(hit["id"]) not in similar


def test_a_document_that_does_not_exist_is_a_404_page(web):
    response = web.get("/documents/999999")
    assert response.status_code == 404
    assert "There is no document 999999" in response.get_data(as_text=True)


def test_a_document_id_that_is_not_a_number_is_a_404(web):
    assert web.get("/documents/abc").status_code == 404
    assert web.get("/documents/-1").status_code == 404


def test_an_unknown_page_is_a_404_in_the_ui_language(web):
    response = web.get("/no/such/page", headers={"Accept-Language": "nl"})
    assert response.status_code == 404
    assert "Terug naar de startpagina" in response.get_data(as_text=True)
