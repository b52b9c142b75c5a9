"""The cases browse (/cases) and sources by name, on the demo as `kb demo` leaves it."""

from __future__ import annotations

import csv
import io
import re

import pytest


@pytest.fixture(scope="module")
def curated_app(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(curated_app):
    return curated_app.test_client()


def total(html: str) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


def facet_counts(html: str, name: str) -> dict[str, int]:
    pattern = (rf'data-facet="{name}" data-value="([^"]+)"[^>]*>.*?<span class="count"><span aria-hidden="true">'
               r"(\d+)</span>")
    return {value: int(count) for value, count in re.findall(pattern, html)}


def test_the_cases_browse_lists_the_demo_cases_with_the_facets_of_search_without_javascript(client):
    html = client.get("/cases/").get_data(as_text=True)
    assert total(html) == 88 and html.count("data-case=") == 50  # one page of 50
    for name in ("country", "theme", "year", "status", "state"):
        assert facet_counts(html, name), f"no {name} facet"
    assert facet_counts(html, "state") == {"validated": 88}
    assert facet_counts(html, "status")["ongoing"] > 0
    assert '<button type="submit" class="secondary" data-nojs>' in html  # sorting needs no script


def test_filtering_by_country_and_theme_narrows_the_cases_and_the_other_facets_count_what_is_left(client):
    everything = client.get("/cases/").get_data(as_text=True)
    belgian = client.get("/cases/?country=BE").get_data(as_text=True)
    assert total(belgian) == facet_counts(everything, "country")["BE"]
    narrower = client.get("/cases/?country=BE&theme=smart-city").get_data(as_text=True)
    assert total(narrower) == facet_counts(belgian, "theme")["smart-city"] < total(belgian)
    assert facet_counts(narrower, "country")["NL"] > 0  # a facet's counts ignore its own filter
    assert 'data-chip="country=BE"' in narrower and 'data-chip="theme=smart-city"' in narrower


def test_the_network_facet_counts_each_networks_cases_and_narrows_the_browse_to_them(client, demo_curated_kb):
    from kb.networks import linked_rows, list_networks

    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        cases_of = {str(n.id): {c.id for c in linked_rows(session, n.id, "cases") if c.deleted_at is None}
                    for n in list_networks(session)}
        names = {str(n.id): n.name for n in list_networks(session)}
    everything = client.get("/cases/").get_data(as_text=True)
    assert facet_counts(everything, "network") == {i: len(ids) for i, ids in cases_of.items() if ids}
    flanders = next(i for i, name in names.items() if name == "Smart Flanders")
    html = client.get(f"/cases/?network={flanders}").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'data-case="(\d+)"', html)}
    assert listed == cases_of[flanders] and total(html) == len(listed) >= 2
    assert f'data-chip="network={flanders}"' in html and "Network or programme: Smart Flanders" in html
    assert facet_counts(html, "country") == {"BE": len(listed)}  # the other facets count what is left
    dutch = client.get(f"/cases/?network={flanders}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Netwerk of programma" in dutch
    rows = list(csv.DictReader(io.StringIO(client.get(f"/cases/export.csv?network={flanders}").get_data(as_text=True))))
    assert {int(row["id"]) for row in rows} == listed
    for case_id in listed:  # "More cases from this network" is one click from each of them
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
        assert f'href="/cases/?network={flanders}" data-more-cases="{flanders}"' in page


def test_the_cases_sort_by_title_and_by_year(client):
    def titles(sort):
        html = client.get(f"/cases/?sort={sort}&country=BE").get_data(as_text=True)
        return re.findall(r'data-case="\d+"><a href="[^"]+">([^<]+)</a>', html)
    by_title = titles("title")
    assert by_title == sorted(by_title, key=str.casefold) and len(by_title) > 3
    assert titles("year") != by_title


def test_the_browse_exports_its_cases_as_csv_and_json_with_the_same_filters(client):
    html = client.get("/cases/?country=NL").get_data(as_text=True)
    assert 'href="/cases/export.csv?country=NL"' in html
    response = client.get("/cases/export.csv?country=NL")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total(html) and {row["country"] for row in rows} == {"NL"}
    assert {row["validated_by"] for row in rows} == {"demo-curator"} and all(row["validated_at"] for row in rows)
    data = client.get("/cases/export.json?country=NL").get_json()
    assert data["total"] == len(rows) and data["cases"][0]["page"].startswith("http://")
    assert client.get("/cases/export.xls").status_code == 404


def test_an_anonymous_reader_cannot_list_rejected_cases_by_asking_for_them(client):
    html = client.get("/cases/?state=rejected").get_data(as_text=True)
    assert 'data-chip="state=rejected"' not in html and total(html) == 88


def test_a_case_page_shows_its_curator_and_date(client):
    html = client.get("/cases/").get_data(as_text=True)
    case_id = re.search(r'data-case="(\d+)"', html).group(1)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"validated by demo-curator on \d{4}-\d\d-\d\d", page)


def test_search_hits_facets_document_pages_and_exports_name_the_source(client):
    html = client.get("/?q=antwerpen").get_data(as_text=True)
    assert re.search(r'<span class="source" data-source="127.0.0.1">Casebook demo site</span>', html)
    assert re.search(r'data-facet="source" data-value="127.0.0.1"[^>]*>.*?'
                     r'<span class="label">Casebook demo site<', html)
    filtered = client.get("/?q=antwerpen&source=127.0.0.1").get_data(as_text=True)  # the filter URL stays the host
    assert 'data-chip="source=127.0.0.1"' in filtered and "Casebook demo site" in filtered
    hit = client.get("/api/search", query_string={"q": "antwerpen", "type": "document"}).get_json()["hits"][0]
    assert (hit["source"], hit["source_name"]) == ("127.0.0.1", "Casebook demo site")
    page = client.get(f"/documents/{hit['id']}").get_data(as_text=True)
    assert '<dd data-source-name>Casebook demo site</dd>' in page
    assert client.get(f"/api/documents/{hit['id']}").get_json()["source_name"] == "Casebook demo site"
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=antwerpen").get_data(as_text=True))))
    assert {row["source_name"] for row in rows if row["source"] == "127.0.0.1"} == {"Casebook demo site"}


def test_a_case_from_the_crawl_links_its_language_versions_and_is_like_other_cases_only(client):
    found = client.get("/cases/export.json?q=city+of+things").get_json()["cases"]
    case_id = next(c["id"] for c in found if c["links"][0].endswith("/cases/antwerpen-city-of-things/en.html"))
    page = client.get(f"/cases/{case_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    versions = dict(re.findall(r'href="/documents/(\d+)" hreflang="(\w+)" data-version', page))
    assert sorted(versions.values()) == ["en", "fr", "nl"]
    french = next(doc_id for doc_id, code in versions.items() if code == "fr")
    assert client.get(f"/api/documents/{french}").get_json()["lang"] == "fr"
    for doc_id in re.findall(r'<li data-case-like><a href="/documents/(\d+)"', page):
        assert client.get(f"/api/documents/{doc_id}").get_json()["url"].startswith("casebook:case/")
