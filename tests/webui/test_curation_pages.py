"""Pages of sources, cases and collections as a signed-in person uses them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kb.accounts import create_user
from kb.models import Case, Document, Source

TEMPLATES = Path(__file__).resolve().parents[2] / "webui" / "templates"


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    with kb.session() as session:
        for role in ("researcher", "curator", "admin"):
            create_user(session, role, role, f"{role}-password")
        create_user(session, "other", "curator", "other-password")
        session.add(Document(url="https://www.gent.be/loket", title="Digitaal loket Gent", country="BE", year=2021))
    app = create_app(settings, kb)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def signed_in(app, role):
    client = app.test_client()
    assert client.post("/auth/login", data={"name": role, "password": f"{role}-password"}).status_code == 302
    return client


def new_collection(client, **fields):
    response = client.post("/collections/", data={"title": "Workshop", "visibility": "public", **fields})
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_a_curator_builds_a_collection_from_search_results_and_exports_it(app, kb):
    curator = signed_in(app, "curator")
    cid = new_collection(curator, event_name="Smart city governance", event_mode="hybrid",
                         agenda="09:00 | Welcome | Chair")
    with kb.session() as session:
        doc_id = session.query(Document).one().id
    assert curator.post("/collections/add-item", data={"collection_id": cid, "document_id": doc_id}).status_code == 302
    page = curator.get(f"/collections/{cid}").get_data(as_text=True)
    assert "Digitaal loket Gent" in page and "Smart city governance" in page and "hybrid" in page
    item_id = curator.get(f"/api/collections/{cid}").get_json()["items"][0]["id"]
    curator.post(f"/collections/{cid}/items/{item_id}/note", data={"note": "=Start here"})
    exports = {fmt: curator.get(f"/collections/{cid}/export.{fmt}") for fmt in ("csv", "json", "ris", "bib")}
    assert all(r.status_code == 200 for r in exports.values())
    assert "'=Start here" in exports["csv"].get_data(as_text=True)  # no spreadsheet formula
    assert json.loads(exports["json"].get_data())["items"][0]["title"] == "Digitaal loket Gent"
    assert "TY  - ELEC" in exports["ris"].get_data(as_text=True) and "ER  - " in exports["ris"].get_data(as_text=True)
    assert exports["bib"].get_data(as_text=True).startswith("@misc{casebook")
    assert "Digitaal loket Gent" in curator.get(f"/collections/{cid}?print=1").get_data(as_text=True)
    assert curator.get(f"/collections/{cid}/export.exe").status_code == 404


@pytest.mark.parametrize("lang, two_days, one_day", [
    ("en", "Wednesday 21 September 2022 – Thursday 22 September 2022", "Tuesday 6 December 2022 · Gent"),
    ("nl", "woensdag 21 september 2022 – donderdag 22 september 2022", "dinsdag 6 december 2022 · Gent"),
])
def test_a_collections_event_dates_read_as_the_workshops_do_not_as_iso(app, lang, two_days, one_day):
    curator = signed_in(app, "curator")
    two = new_collection(curator, event_name="Governance", event_start="2022-09-21", event_end="2022-09-22")
    one = new_collection(curator, event_name="Open data", event_start="2022-12-06", event_end="2022-12-06",
                         event_place="Gent")
    for cid, expected in ((two, two_days), (one, one_day)):
        for view in ("", "&print=1"):
            page = curator.get(f"/collections/{cid}?lang_ui={lang}{view}").get_data(as_text=True)
            assert expected in page and ">2022-" not in page and "· 2022-" not in page  # (the form keeps ISO)


def test_visibility_decides_who_reads_and_what_the_feed_lists(app):
    curator = signed_in(app, "curator")
    ids = {v: new_collection(curator, title=f"{v} set", visibility=v) for v in ("public", "unlisted", "private")}
    anonymous = app.test_client()
    assert anonymous.get(f"/collections/{ids['public']}").status_code == 200
    assert anonymous.get(f"/collections/{ids['unlisted']}").status_code == 404  # ids can be guessed
    page = curator.get(f"/collections/{ids['unlisted']}").get_data(as_text=True)
    share = page.split("<code>", 1)[1].split("</code>", 1)[0].replace("&amp;", "&")
    assert anonymous.get(share.split("localhost", 1)[1]).status_code == 200
    assert anonymous.get(f"/collections/{ids['private']}").status_code == 404
    assert signed_in(app, "other").get(f"/collections/{ids['private']}").status_code == 404
    feed = anonymous.get("/collections/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    assert "public set" in feed.get_data(as_text=True) and "unlisted set" not in feed.get_data(as_text=True)
    listing = anonymous.get("/collections/").get_data(as_text=True)
    assert "public set" in listing and "unlisted set" not in listing and "private set" not in listing


def test_another_curator_cannot_change_a_collection_until_made_co_curator(app):
    owner, other = signed_in(app, "curator"), signed_in(app, "other")
    cid = new_collection(owner)
    assert other.post(f"/collections/{cid}/edit", data={"title": "Hijacked"}).status_code == 403
    owner.post(f"/collections/{cid}/curators", data={"name": "other"})
    assert other.post(f"/collections/{cid}/edit", data={"title": "Shared"}).status_code == 302
    assert "Shared" in owner.get(f"/collections/{cid}").get_data(as_text=True)


def test_a_deleted_collection_is_in_the_trash_and_a_curator_restores_it(app):
    curator = signed_in(app, "curator")
    cid = new_collection(curator, title="Keep me")
    curator.post(f"/collections/{cid}/delete")
    assert app.test_client().get(f"/collections/{cid}").status_code == 404
    assert "Keep me" in curator.get("/audit/trash").get_data(as_text=True)
    assert curator.post(f"/collections/{cid}/restore").status_code == 302
    assert app.test_client().get(f"/collections/{cid}").status_code == 200
    assert "restore" in curator.get(f"/audit/collection/{cid}").get_data(as_text=True)


def test_a_researcher_adds_a_source_and_sees_it_queued(app, kb):
    researcher = signed_in(app, "researcher")
    response = researcher.post("/sources/", data={"url": "https://www.example.org/cases/", "name": "Example",
                                                  "tags": "smart city, open data", "why": "Many cases"},
                               follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Example" in page and "queued" in page
    refused = researcher.post("/sources/", data={"url": "http://169.254.169.254/", "name": "Metadata"},
                              follow_redirects=True).get_data(as_text=True)
    assert "Not added" in refused and "not a public address" in refused
    with kb.session() as session:
        source = session.query(Source).one()
        assert source.tags == ["smart city", "open data"] and source.why == "Many cases"


def test_bulk_imports_report_each_rejected_row(app, kb):
    researcher = signed_in(app, "researcher")
    csv_text = "url,name\nhttps://www.example.org/a,A\nhttp://10.0.0.1/,Private\nftp://x.org/,Ftp\n"
    page = researcher.post("/sources/import", data={"file": (__import__("io").BytesIO(csv_text.encode()), "s.csv")},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert "Imported 1 source; rejected 2" in page and "Row 3" in page and "Row 4" in page
    cases = json.dumps([{"title": "Loket", "summary": "Digitaal loket", "country": "BE"}, {"summary": "no title"}])
    page = researcher.post("/cases/import", data={"file": (__import__("io").BytesIO(cases.encode()), "c.json")},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert "Stored 1" in page and "Row 2" in page
    assert researcher.post("/cases/import", data={}, content_type="multipart/form-data").status_code == 400


def test_a_researchers_case_is_reviewed_by_a_curator(app, kb):
    researcher, curator = signed_in(app, "researcher"), signed_in(app, "curator")
    created = researcher.post("/cases/", data={"title": "Telraam Leuven", "summary": "Counting traffic",
                                               "country": "BE", "years": "2019-2020"})
    case_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert "not yet reviewed" in app.test_client().get(f"/cases/{case_id}").get_data(as_text=True)
    assert researcher.post("/cases/", data={"title": "", "summary": "x"}).status_code == 422
    curator.post(f"/cases/{case_id}/reject", data={"reason": ""})  # refused: a rejection needs a reason
    curator.post(f"/cases/{case_id}/validate")
    page = app.test_client().get(f"/cases/{case_id}").get_data(as_text=True)
    assert "validated by curator" in page
    researcher.post(f"/cases/{case_id}/edit", data={"title": "Telraam in Leuven"})
    assert "Telraam Leuven" in app.test_client().get(f"/cases/{case_id}").get_data(as_text=True)
    curator.post(f"/cases/{case_id}/validate")
    with kb.session() as session:
        assert session.get(Case, case_id).title == "Telraam in Leuven"


def test_a_curator_drafts_a_case_from_a_document_and_merges_a_duplicate(app, kb):
    curator = signed_in(app, "curator")
    with kb.session() as session:
        doc_id = session.query(Document).one().id
    first = int(curator.post(f"/cases/from-document/{doc_id}").headers["Location"].split("/")[-2])
    second = int(curator.post("/cases/", data={"title": "Loket Gent", "summary": "Same project",
                                                "links": "https://example.org/loket"}).headers["Location"].split("/")[-1])
    curator.post(f"/cases/{first}/merge", data={"duplicate": str(second)})
    assert "https://example.org/loket" in curator.get(f"/cases/{first}").get_data(as_text=True)
    curator.post(f"/cases/{second}/unmerge")
    with kb.session() as session:
        assert session.get(Case, second).merged_into is None and session.get(Case, first).also_at == []
    assert curator.post(f"/cases/{first}/merge", data={"duplicate": "abc"}).status_code == 302


def test_every_page_renders_for_every_role_without_an_error(app):
    for client in (app.test_client(), *(signed_in(app, r) for r in ("researcher", "curator", "admin"))):
        for path in ("/collections/", "/cases/", "/cases/?state=proposed", "/sources/", "/collections/new",
                     "/cases/new", "/audit/", "/audit/trash", "/auth/login"):
            assert client.get(path).status_code in (200, 302, 403), path


def test_curation_templates_have_no_inline_script_or_event_handlers():
    for path in [*TEMPLATES.glob("auth/*.html"), *TEMPLATES.glob("collections/*.html"),
                 *TEMPLATES.glob("cases/*.html"), *TEMPLATES.glob("sources/*.html"), *TEMPLATES.glob("audit/*.html")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path


def test_the_add_to_collection_partial_posts_a_document_or_a_case(app, kb):
    from flask import render_template_string

    curator = signed_in(app, "curator")
    cid = new_collection(curator, title="Picks")
    case_id = int(curator.post("/cases/", data={"title": "Loket", "summary": "x"}).headers["Location"].split("/")[-1])
    page = curator.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'name="case_id" value="%d"' % case_id in page and f'<option value="{cid}">Picks</option>' in page
    assert curator.post("/collections/add-item", data={"collection_id": cid, "case_id": case_id}).status_code == 302
    assert curator.get(f"/api/collections/{cid}").get_json()["items"][0]["case_id"] == case_id
    with app.test_request_context():
        from flask import g

        g.viewer = None
        anonymous = render_template_string(
            '{% with doc_id=7 %}{% include "collections/_add_button.html" %}{% endwith %}')
    assert "form" not in anonymous


def test_a_rejected_case_is_hidden_from_readers_but_not_from_contributors(app):
    researcher, curator = signed_in(app, "researcher"), signed_in(app, "curator")
    case_id = int(researcher.post("/cases/", data={"title": "Spam", "summary": "x"}).headers["Location"].split("/")[-1])
    curator.post(f"/cases/{case_id}/reject", data={"reason": "not a case"})
    assert app.test_client().get(f"/cases/{case_id}").status_code == 404
    assert "not a case" in researcher.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Spam" not in app.test_client().get("/cases/?state=rejected").get_data(as_text=True)


def test_a_curator_validates_several_proposed_cases_at_once(app, kb):
    researcher, curator = signed_in(app, "researcher"), signed_in(app, "curator")
    ids = [int(researcher.post("/cases/", data={"title": f"Case {n}", "summary": "x"})
               .headers["Location"].split("/")[-1]) for n in range(3)]
    page = curator.get("/cases/?state=proposed").get_data(as_text=True)
    assert all(f'name="case_id" value="{i}"' in page for i in ids)
    assert researcher.post("/cases/validate", data={"case_id": ids}).status_code == 403
    curator.post("/cases/validate", data={"case_id": [str(ids[0]), str(ids[2]), "junk"]})
    with kb.session() as session:
        assert [session.get(Case, i).review_state for i in ids] == ["validated", "proposed", "validated"]


def test_a_source_page_shows_its_schedule_and_last_crawl_by_reason(app, kb):
    from kb.models import CrawlJob, CrawlUrl, Source, utcnow

    with kb.session() as db:
        source = Source(name="Stad Gent", seeds=["https://stad.gent/"], status="done", pages_stored=12,
                        last_crawl_at=utcnow(), next_crawl_at=utcnow())
        db.add(source)
        db.flush()
        job = CrawlJob(source_id=source.id, seeds=source.seeds, status="done")
        db.add(job)
        db.flush()
        db.add_all([CrawlUrl(job_id=job.id, url=f"https://stad.gent/{i}", status="skipped", reason="robots")
                    for i in range(3)] + [CrawlUrl(job_id=job.id, url="https://stad.gent/x", status="skipped",
                                                   reason="http_404")])
        source_id = source.id
    assert app.test_client().get(f"/sources/{source_id}").status_code in (302, 401)
    html = signed_in(app, "researcher").get(f"/sources/{source_id}").get_data(as_text=True)
    assert "Next crawl" in html and "12" in html
    assert html.index("robots") < html.index("http_404")  # most frequent reason first
