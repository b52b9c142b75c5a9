"""Sitemaps: found through robots.txt and /sitemap.xml, indexes, gzip, lastmod, scope, and safety."""

from __future__ import annotations

import gzip
import tracemalloc
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from crawler.sitemaps import SitemapError, gunzip_capped, lastmod_time, parse_sitemap, unchanged_since
from crawler.urls import Scope
from kb.models import CrawlUrl, Document, utcnow

TEXT = ("De gemeente biedt een digitaal loket aan waar inwoners van thuis uit attesten en uittreksels "
        "kunnen aanvragen, zonder naar het gemeentehuis te komen. Pagina {n}.")


def html(n: int) -> str:
    return (f"<html lang='nl'><head><title>Pagina {n}</title></head>"
            f"<body><main><p>{TEXT.format(n=n)}</p></main></body></html>")


def urlset(*entries) -> str:
    items = "".join(f"<url><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</url>"
                    for loc, mod in entries)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def test_a_sitemap_index_with_a_gzipped_sitemap_brings_unlinked_pages_with_their_lastmod(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nAllow: /\nSitemap: /sitemap-index.xml\n", ctype="text/plain")
    site.page("/", html(0))  # links to nothing: only the sitemaps lead further
    site.page("/sitemap-index.xml", '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
              'sitemap/0.9"><sitemap><loc>/plain.xml</loc></sitemap><sitemap><loc>/zipped.xml.gz</loc></sitemap>'
              '</sitemapindex>', ctype="application/xml")
    site.page("/plain.xml", urlset(("/a.html", "2024-05-01"), ("/b.html", None)), ctype="application/xml")
    site.page("/zipped.xml.gz", gzip.compress(urlset((site.url + "/c.html", "2023-01-31")).encode()),
              ctype="application/x-gzip")
    for n, name in enumerate("abc", start=1):
        site.page(f"/{name}.html", html(n))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 4 and result.summary["sitemaps"] == 3
    assert "unsupported_type" not in result.summary["skipped"]
    with kb.session() as session:
        lastmods = {d.url.rsplit("/", 1)[-1]: d.meta.get("sitemap_lastmod") for d in session.scalars(select(Document))}
    assert lastmods == {"": None, "a.html": "2024-05-01", "b.html": None, "c.html": "2023-01-31"}


def test_without_a_sitemap_line_the_crawler_reads_sitemap_xml_and_keeps_to_the_scope(site, crawl, kb):
    site.page("/", html(0))
    site.page("/sitemap.xml", urlset(("/cases/a.html", None), ("/news/b.html", None),
                                     ("http://elsewhere.example/cases/c.html", None)), ctype="text/xml")
    site.page("/cases/a.html", html(1))
    site.page("/news/b.html", html(2))
    scope = Scope.of_seeds([site.url + "/"], include=["/cases"])
    result = crawl([site.url + "/"], scope=scope)
    assert site.count("/sitemap.xml") == 1
    assert site.count("/cases/a.html") == 1 and site.count("/news/b.html") == 0
    assert result.summary["stored"] == 2


def test_sitemap_xml_is_read_besides_the_sitemaps_robots_txt_declares(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nSitemap: /declared.xml\n", ctype="text/plain")
    site.page("/", html(0))
    site.page("/declared.xml", urlset(("/a.html", None)), ctype="application/xml")
    site.page("/sitemap.xml", urlset(("/b.html", None)), ctype="application/xml")
    site.page("/a.html", html(1))
    site.page("/b.html", html(2))
    result = crawl([site.url + "/"])
    assert result.summary["sitemaps"] == 2 and result.summary["stored"] == 3


def test_a_site_without_sitemap_counts_no_skip_for_it(site, crawl):
    site.page("/", html(0))
    result = crawl([site.url + "/"])
    assert site.count("/sitemap.xml") == 1
    assert result.summary["skipped"] == {} and result.summary["sitemaps"] == 0


def test_a_sitemap_linked_from_a_page_is_read_as_a_sitemap_not_skipped_as_unsupported(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nSitemap: /other-map.xml\n", ctype="text/plain")
    site.page("/", html(0).replace("</main>", "<a href='/site-map.xml'>Sitemap</a></main>"))
    site.page("/site-map.xml", urlset(("/a.html", None)), ctype="application/xml")
    site.page("/a.html", html(1))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2
    assert "unsupported_type" not in result.summary["skipped"]
    with kb.session() as session:
        outcome = session.scalars(select(CrawlUrl.reason).where(CrawlUrl.url.endswith("/site-map.xml"))).one()
    assert outcome == "sitemap"


def test_a_gzip_bomb_sitemap_is_refused_with_a_reason(site, crawl, kb):
    site.page("/", html(0))
    site.page("/sitemap.xml", gzip.compress(b"\0" * (16 * 1024 * 1024), 9), ctype="application/x-gzip")
    crawl([site.url + "/"], sitemap_max_bytes=1024 * 1024)
    with kb.session() as session:
        row = session.scalars(select(CrawlUrl).where(CrawlUrl.url.endswith("/sitemap.xml"))).one()
    assert row.reason == "sitemap_unreadable" and "over 1048576 bytes" in row.detail


def test_decompression_stops_at_the_cap_without_inflating_the_whole_bomb():
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    tracemalloc.start()
    try:
        with pytest.raises(SitemapError, match="over"):
            gunzip_capped(bomb, 1024 * 1024)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_sitemap_parsing_resolves_no_external_entities():
    body = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b'<urlset><url><loc>/a&x;.html</loc></url></urlset>')
    sitemap = parse_sitemap(body, "http://h/sitemap.xml", 1024 * 1024)
    assert all("/etc" not in loc and len(loc) < 40 for loc, _ in sitemap.entries)


def test_xml_that_is_not_a_sitemap_is_an_error_with_a_reason():
    with pytest.raises(SitemapError, match="neither a urlset"):
        parse_sitemap(b"<rss><channel/></rss>", "http://h/feed.xml", 1024)


def test_a_recrawl_leaves_pages_alone_whose_sitemap_lastmod_is_not_newer_than_our_copy(site, crawl, kb):
    site.page("/", html(0))
    for name in ("same", "changed", "future", "plain"):  # texts apart, or they would be near-duplicates
        site.page(f"/{name}.html", html(0).replace("Pagina 0", f"Pagina {name} " + " ".join([name] * 20)))
    future = "2999-01-01T00:00:00+00:00"  # a clock gone wrong: still "not newer" than the lastmod we kept
    site.page("/sitemap.xml", urlset(("/same.html", "2024-05-01"), ("/changed.html", "2024-05-01"),
                                     ("/future.html", future), ("/plain.html", None)), ctype="application/xml")
    first = crawl([site.url + "/"])
    assert first.summary["stored"] == 5
    with kb.session() as session:
        checked = session.scalars(select(Document.checked_at).where(Document.url.endswith("/same.html"))).one()
    tomorrow = (utcnow() + timedelta(days=1)).isoformat(timespec="seconds") + "+00:00"
    site.page("/sitemap.xml", urlset(("/same.html", "2024-05-01"), ("/changed.html", tomorrow),
                                     ("/future.html", future), ("/plain.html", None)), ctype="application/xml")
    second = crawl([site.url + "/"])
    assert {name: site.count(f"/{name}.html") for name in ("same", "changed", "future", "plain")} == \
        {"same": 1, "changed": 2, "future": 1, "plain": 2}
    assert second.summary["skipped"]["unchanged_sitemap"] == 2
    assert second.summary["fetched"] == first.summary["fetched"] - 2
    with kb.session() as session:
        documents = {d.url.rsplit("/", 1)[-1]: d for d in session.scalars(select(Document))}
        rows = {r.url.rsplit("/", 1)[-1]: r for r in session.scalars(select(CrawlUrl).where(CrawlUrl.job_id == 2))}
    assert documents["same.html"].checked_at > checked
    assert documents["changed.html"].meta["sitemap_lastmod"] == tomorrow
    assert rows["same.html"].reason == "unchanged_sitemap" and rows["same.html"].http_status is None
    assert rows["same.html"].document_id == documents["same.html"].id


def test_a_page_an_older_extractor_stored_is_fetched_again_whatever_its_lastmod(site, crawl, kb):
    site.page("/", html(0))
    site.page("/a.html", html(1))
    site.page("/sitemap.xml", urlset(("/a.html", "2024-05-01")), ctype="application/xml")
    crawl([site.url + "/"])
    with kb.session() as session:
        session.scalars(select(Document).where(Document.url.endswith("/a.html"))).one().extractor = "old/1"
    second = crawl([site.url + "/"])
    assert site.count("/a.html") == 2 and "unchanged_sitemap" not in second.summary["skipped"]


def test_a_lastmod_is_read_as_the_latest_moment_it_may_mean():
    assert lastmod_time("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 8, 0)
    assert lastmod_time("2024-05-01T10:00Z") == datetime(2024, 5, 1, 10, 0)
    assert lastmod_time("2024-05-01") == datetime(2024, 5, 2, 12, 0)  # late that day, west of UTC
    assert lastmod_time("2024") is None and lastmod_time("yesterday") is None and lastmod_time(None) is None
    fetched = datetime(2024, 5, 1, 20, 0)
    assert not unchanged_since("2024-05-01", fetched, None)  # may have changed after we fetched it
    assert unchanged_since("2024-04-29", fetched, None)
    assert unchanged_since("2030-01-01", fetched, "2030-01-01")
    assert not unchanged_since("2030-01-02", fetched, "2030-01-01")
    assert not unchanged_since(None, fetched, "2024-01-01") and not unchanged_since("2024-01-01", None, None)


def test_a_page_fetched_longer_ago_than_the_trust_window_is_asked_again_and_found_gone_then_back(site, crawl, kb):
    site.page("/", html(0))
    site.page("/a.html", html(1).replace("Pagina 1", "Pagina " + "een " * 20))
    site.page("/sitemap.xml", urlset(("/a.html", "2024-05-01")), ctype="application/xml")
    crawl([site.url + "/"])
    with kb.session() as session:  # a month and more ago: a stale sitemap may still list a deleted page
        session.scalars(select(Document).where(Document.url.endswith("/a.html"))).one().fetched_at = \
            utcnow() - timedelta(days=31)
    site.page("/a.html", "<h1>Not found</h1>", status=404)
    crawl([site.url + "/"], sitemap_trust_days=30)
    assert site.count("/a.html") == 2
    with kb.session() as session:
        assert session.scalars(select(Document.gone).where(Document.url.endswith("/a.html"))).one() is True
    site.page("/a.html", html(1).replace("Pagina 1", "Pagina " + "een " * 20))
    third = crawl([site.url + "/"])  # a gone page is asked again whatever the sitemap says
    assert site.count("/a.html") == 3 and "unchanged_sitemap" not in third.summary["skipped"]
    with kb.session() as session:
        assert session.scalars(select(Document.gone).where(Document.url.endswith("/a.html"))).one() is False
