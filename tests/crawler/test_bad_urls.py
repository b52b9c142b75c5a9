"""One address that cannot be read never costs a page: each is skipped alone as ``bad_url``, with why.

Against a real server on 127.0.0.1: links in a page, a meta refresh, a redirect's Location, a
sitemap's <loc> and a robots.txt Sitemap line.
"""

from __future__ import annotations

from sqlalchemy import select

from kb.models import CrawlUrl, Document

BAD_HREFS = ["http://[::1", "http://x.be:99999/", "http://x.be:abc/", "http://xn--/", "http://a..b/",
             "http://" + "a" * 64 + ".be/", "//[zz/x", "http://a\u0001b.be/"]
TEXT = ("The municipality publishes how residents apply for a parking permit online, with the documents "
        "needed and the time the answer takes.")


def page(body: str, extra_head: str = "") -> str:
    return (f"<html lang='en'><head><title>T</title>{extra_head}</head><body><main><p>{TEXT}</p>{body}</main>"
            "</body></html>")


def rows(kb, reason: str) -> list[CrawlUrl]:
    with kb.session() as session:
        return list(session.scalars(select(CrawlUrl).where(CrawlUrl.reason == reason)))


def stored_urls(kb) -> set[str]:
    with kb.session() as session:
        return set(session.scalars(select(Document.url)))


def test_a_page_with_malformed_hrefs_is_stored_its_good_links_followed_and_each_bad_one_skipped(site, crawl, kb):
    hrefs = "".join(f"<a href='{href}'>bad</a>" for href in BAD_HREFS)
    site.page("/", page(hrefs + "<a href='/next.html'>next</a><a href='http://10.0.0.1:8099\\@1.1.1.1/'>x</a>"))
    site.page("/next.html", page("<p>The next page.</p>"))
    result = crawl([site.url + "/"])
    assert stored_urls(kb) == {site.url + "/", site.url + "/next.html"}
    bad = rows(kb, "bad_url")
    assert len(bad) == len(BAD_HREFS) == result.summary["skipped"]["bad_url"]
    assert all(row.detail and row.referrer == site.url + "/" and row.status == "skipped" for row in bad)
    assert any("Invalid IPv6 URL" in row.detail for row in bad) and any("port" in row.detail for row in bad)
    assert all("\x01" not in row.url for row in bad)  # stored printable
    # The backslash link is read as a browser reads it: host 10.0.0.1, port 8099, outside the crawl.
    assert [row.url for row in rows(kb, "out_of_scope")] == ["http://10.0.0.1:8099/@1.1.1.1/"]


def test_a_meta_refresh_to_an_unreadable_address_leaves_the_page_and_its_links(site, crawl, kb):
    site.page("/", page("<a href='/next.html'>next</a>", "<meta http-equiv='refresh' content='0; url=http://[::1'>"))
    site.page("/next.html", page("<p>The next page.</p>"))
    result = crawl([site.url + "/"])
    assert stored_urls(kb) == {site.url + "/", site.url + "/next.html"}
    assert result.summary["skipped"] == {"bad_url": 1} and "meta refresh" in rows(kb, "bad_url")[0].detail


def test_a_redirect_to_an_unreadable_address_skips_that_page_alone(site, crawl, kb):
    site.page("/", page("<a href='/moved'>moved</a><a href='/next.html'>next</a>"))
    site.page("/moved", "", status=301, headers={"Location": "http://x.be:99999/"})
    site.page("/next.html", page("<p>The next page.</p>"))
    result = crawl([site.url + "/"])
    assert stored_urls(kb) == {site.url + "/", site.url + "/next.html"}
    [moved] = rows(kb, "bad_url")
    assert moved.url == site.url + "/moved" and "redirect to http://x.be:99999/" in moved.detail
    assert moved.http_status == 301 and result.summary["skipped"] == {"bad_url": 1}


def test_sitemap_entries_and_robots_sitemap_lines_that_cannot_be_read_are_skipped_alone(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nSitemap: http://[::1/map.xml\n", ctype="text/plain")
    site.page("/sitemap.xml", "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                              "<url><loc>/listed.html</loc></url><url><loc>http://x.be:abc/</loc></url>"
                              "<url><loc>http://[::1</loc></url></urlset>", ctype="application/xml")
    site.page("/", page("<p>Home.</p>"))
    site.page("/listed.html", page("<p>Listed in the sitemap only.</p>"))
    result = crawl([site.url + "/"])
    assert stored_urls(kb) == {site.url + "/", site.url + "/listed.html"}
    details = sorted(row.detail for row in rows(kb, "bad_url"))
    assert len(details) == 3 == result.summary["skipped"]["bad_url"]
    assert sum("Sitemap line of robots.txt" in detail for detail in details) == 1
