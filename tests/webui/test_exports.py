"""Exports of a result set (CSV, JSON, RIS, BibTeX), the Atom feed, robots.txt and sitemap.xml."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

import pytest

QUERY = {"q": "smart city", "lang": "en"}


@pytest.fixture(scope="module")
def expected_total(demo_app):
    return demo_app.test_client().get("/api/search", query_string=QUERY).get_json()["total"]


def test_csv_export_has_a_header_and_one_row_per_match(web, expected_total):
    response = web.get("/export.csv", query_string=QUERY)
    assert response.status_code == 200 and response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == expected_total >= 2
    assert {row["lang"] for row in rows} == {"en"} and all(row["url"] for row in rows)


def test_json_export_returns_full_records(web, expected_total):
    data = web.get("/export.json", query_string=QUERY).get_json()
    assert data["total"] == len(data["documents"]) == expected_total
    assert {"url", "title", "content_hash", "fetched_at", "page"} <= set(data["documents"][0])


def test_ris_export_parses_with_rispy(web, expected_total):
    rispy = pytest.importorskip("rispy")
    text = web.get("/export.ris", query_string=QUERY).get_data(as_text=True)
    entries = rispy.loads(text)
    assert len(entries) == expected_total
    for entry in entries:
        assert entry["type_of_reference"] in ("ELEC", "RPRT", "CONF")
        assert entry["title"] and entry["urls"][0].startswith("http") and entry["language"] == "en"


def test_bibtex_export_parses_with_bibtexparser(web, expected_total):
    bibtexparser = pytest.importorskip("bibtexparser")
    text = web.get("/export.bib", query_string=QUERY).get_data(as_text=True)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert len(library.entries) == expected_total
    keys = {entry.key for entry in library.entries}
    assert len(keys) == expected_total
    assert all(entry["url"].startswith("http") and entry["title"] for entry in library.entries)


def test_bibtex_and_ris_survive_hostile_titles():
    bibtexparser = pytest.importorskip("bibtexparser")
    rispy = pytest.importorskip("rispy")
    from webui.citations import to_bibtex, to_ris

    record = {"id": 7, "url": "http://example.org/a?b=1&c={2}", "title": "50% of {Brussels} \\ R&D_#1 $x^2~\n ER  - ",
              "lang": "fr", "themes": ["open-data"], "type": "case", "description": "a}b{c"}
    library = bibtexparser.parse_string(to_bibtex([(record, "http://casebook/documents/7")]))
    assert not library.failed_blocks and len(library.entries) == 1
    entries = rispy.loads(to_ris([(record, "http://casebook/documents/7")]))
    assert len(entries) == 1 and entries[0]["title"].startswith("50% of {Brussels}")


def test_the_atom_feed_lists_matching_documents(web):
    response = web.get("/feed.atom", query_string=QUERY)
    assert response.content_type.startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.find("a:title", ns).text == "Casebook: smart city"
    entries = feed.findall("a:entry", ns)
    assert entries and all(e.find("a:id", ns).text.startswith("http://localhost/documents/") for e in entries)
    assert all(e.find("a:updated", ns).text.endswith("Z") for e in entries)


@pytest.mark.parametrize("url, status", [("/export.pdf", 404), ("/export.csv?page=x", 400), ("/export.csv?sort=x", 400),
                                         ("/feed.atom?per_page=abc", 400), ("/export.ris?q=%22broken", 200)])
def test_export_errors_are_4xx_never_5xx(web, url, status):
    assert web.get(url).status_code == status


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_searches(web):
    text = web.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /export." in text and "Disallow: /?" in text


def test_the_sitemap_lists_home_and_document_pages(web):
    response = web.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://localhost/" in locations
    assert sum("/documents/" in loc for loc in locations) >= 100
