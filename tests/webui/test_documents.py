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
    assert web.get(f"/api/documents/{similar[0]}").get_json()["type"] == "case", "a case's neighbours are cases first"


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


def test_the_document_page_names_the_public_collections_holding_it_but_not_private_ones(web, demo_kb, first_hit):
    from kb.models import Collection, CollectionItem

    knowledge_base, _ = demo_kb
    doc_id = int(first_hit("digital twin", lang="en")["id"])
    with knowledge_base.session() as session:
        public = Collection(title="Workshop: digital twins", visibility="public")
        private = Collection(title="My secret shortlist", visibility="private")
        session.add_all([public, private])
        session.flush()
        session.add_all([CollectionItem(collection_id=public.id, document_id=doc_id),
                         CollectionItem(collection_id=private.id, document_id=doc_id)])
        session.commit()
    html = web.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "In collections" in html and "Workshop: digital twins" in html
    assert "My secret shortlist" not in html


def test_links_from_imported_data_are_http_only(demo_kb, web):
    from kb.models import Document

    knowledge_base, _ = demo_kb
    with knowledge_base.session() as session:
        document = Document(url="javascript:alert(1)", title="<script>alert(2)</script>", text="x", lang="en",
                            also_at=["data:text/html,<b>x</b>", "https://example.org/ok"],
                            translations={"fr": "javascript:alert(3)"}, origin="import")
        session.add(document)
        session.commit()
        doc_id = document.id
    html = web.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert 'href="https://example.org/ok"' in html
    assert "<script>alert(2)" not in html and "&lt;script&gt;alert(2)" in html


def test_a_curator_sees_add_to_collection_and_case_buttons_on_results_and_documents_anonymous_readers_do_not(
        demo_kb, web, first_hit):
    from kb.accounts import create_user
    from webui import create_app

    knowledge_base, _ = demo_kb
    with knowledge_base.session() as session:
        create_user(session, "webui-curator", "curator", "webui-curator-password")
        session.commit()
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    curator = app.test_client()
    assert curator.post("/auth/login", data={"name": "webui-curator",
                                             "password": "webui-curator-password"}).status_code == 302
    curator.post("/collections/", data={"title": "Webui shortlist", "visibility": "private"})
    doc_id = first_hit("Smart Flanders", lang="nl")["id"]
    results = curator.get("/?q=Smart+Flanders&lang=nl").get_data(as_text=True)
    assert results.count('class="add-to-collection"') == results.count("data-result") >= 1
    page = curator.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'class="add-to-collection"' in page and 'class="case-from-document"' in page
    for html in (web.get("/?q=Smart+Flanders&lang=nl").get_data(as_text=True),
                 web.get(f"/documents/{doc_id}").get_data(as_text=True)):
        assert "add-to-collection" not in html and "case-from-document" not in html
