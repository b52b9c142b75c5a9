"""Coverage: every page reachable from the seeds is fetched, including the pages that only a page merged
as a duplicate or near-duplicate, or answered 304, or unchanged since its sitemap lastmod, leads to;
links beyond the depth limit are recorded as ``too_deep``. Against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import random

from sqlalchemy import select

from kb.models import CrawlUrl

WORDS = [f"{stem}{n}" for stem in ("city", "desk", "data", "street", "permit", "school") for n in range(80)]
LANGUAGES = ("fr", "de")
STUB = {"fr": "Cette page n'est disponible qu'en anglais. Nous traduisons nos pages petit à petit, "
              "merci de votre patience et de votre compréhension.",
        "de": "Diese Seite ist nur auf Englisch verfügbar. Wir übersetzen unsere Seiten nach und nach, "
              "vielen Dank für Ihre Geduld und Ihr Verständnis."}
TAGS = ("parking", "mobility", "energy", "housing")
POSTS = [f"Post {n}: " + " ".join(random.Random(f"post{n}").sample(WORDS, 12)) for n in range(30)]


def html(title: str, text: str, links=(), lang: str = "en") -> str:
    anchors = "".join(f"<li><a href='{href}'>{label}</a></li>" for href, label in links)
    return (f"<html lang='{lang}'><head><title>{title}</title></head><body><main><h1>{title}</h1>"
            f"<p>{text}</p><ul>{anchors}</ul></main></body></html>")


def unique(name: str) -> str:
    return f"{name}: " + " ".join(random.Random(name).sample(WORDS, 60))  # unlike every other page


def multilingual_site(site, pages: int = 4) -> list[str]:
    """English pages whose French and German versions are one identical stub each, and tag pages holding
    one identical list; every stub and tag page leads on to a page of its own. Returns every path."""
    home_links = [(f"/en/p{n}.html", f"Page {n}") for n in range(pages)] + [(f"/tags/{t}.html", t) for t in TAGS]
    site.page("/", html("Home", unique("home"), home_links))
    for n in range(pages):
        site.page(f"/en/p{n}.html", html(f"Page {n}", unique(f"page {n}"),
                                         [(f"/{lang}/p{n}.html", lang) for lang in LANGUAGES]))
        for lang in LANGUAGES:  # the one link onward has the same words on every stub, as a menu item would
            site.page(f"/{lang}/p{n}.html", html("Version", STUB[lang], [(f"/{lang}/more{n}.html", "Plus")], lang))
            site.page(f"/{lang}/more{n}.html", html(f"More {n}", unique(f"{lang} more {n}"), lang=lang))
    for tag in TAGS:  # the list is the same; the heading names the tag: near-duplicates, not exact ones
        site.page(f"/tags/{tag}.html", html(f"Tag {tag}", " ".join(POSTS), [(f"/tags/{tag}/older.html", "Older")]))
        site.page(f"/tags/{tag}/older.html", html(f"Older {tag}", unique(f"older {tag}")))
    return sorted(site.routes)


def fetched_share(site, paths: list[str]) -> float:
    return sum(site.count(path) > 0 for path in paths) / len(paths)


def test_pages_merged_as_duplicates_or_near_duplicates_still_lead_to_the_pages_they_link_to(site, crawl):
    paths = multilingual_site(site)
    result = crawl([site.url + "/"])
    skipped = result.summary["skipped"]
    assert skipped["duplicate"] == 2 * 4 - 2  # one stub per language is stored, the others merged
    assert skipped["near_duplicate"] + skipped["duplicate"] >= len(TAGS) - 1 and skipped["near_duplicate"] >= 1
    assert fetched_share(site, paths) == 1.0
    assert result.summary["stored"] == len(paths) - (skipped["duplicate"] + skipped["near_duplicate"])


def conditional(site) -> None:
    """Every page answers 304 to the ETag it gave, as a static server does."""
    for path, (_status, headers, body) in list(site.routes.items()):
        tag = f'"{abs(hash(body))}"'

        def answer(handler, headers=headers, body=body, tag=tag):
            if handler.headers.get("If-None-Match") == tag:
                return 304, {"ETag": tag}, b""
            return 200, {**headers, "ETag": tag}, body
        site.routes[path] = answer


def test_a_recrawl_where_pages_answer_304_still_reaches_every_page(site, crawl):
    paths = multilingual_site(site)
    conditional(site)
    first = crawl([site.url + "/"])
    before = {path: site.count(path) for path in paths}
    second = crawl([site.url + "/"])
    assert second.summary["stored"] == 0 and second.summary["skipped"]["not_modified"] == first.summary["stored"]
    assert [path for path in paths if site.count(path) == before[path]] == []  # each asked again


def test_a_page_unchanged_since_its_sitemap_lastmod_is_not_fetched_and_still_leads_on(site, crawl):
    multilingual_site(site, pages=1)
    site.page("/", html("Home", unique("home")))  # the English page is known from the sitemap only
    site.page("/sitemap.xml", "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url>"
                              f"<loc>{site.url}/en/p0.html</loc><lastmod>2001-01-01</lastmod></url></urlset>",
              ctype="application/xml")
    crawl([site.url + "/"])
    asked = site.count("/en/p0.html"), site.count("/fr/p0.html"), site.count("/fr/more0.html")
    second = crawl([site.url + "/"])
    assert second.summary["skipped"].get("unchanged_sitemap") == 1
    assert site.count("/en/p0.html") == asked[0] == 1  # not asked again
    assert (site.count("/fr/p0.html"), site.count("/fr/more0.html")) == (asked[1] + 1, asked[2] + 1)


def test_links_beyond_the_depth_limit_are_recorded_as_too_deep(site, crawl, kb):
    site.page("/", html("Home", unique("home"), [("/a.html", "a")]))
    site.page("/a.html", html("A", unique("a"), [("/b.html", "b"), ("/c.html", "c")]))
    site.page("/b.html", html("B", unique("b"), [("/d.html", "d")]))
    site.page("/c.html", html("C", unique("c")))
    result = crawl([site.url + "/"], max_depth=1)
    assert result.summary["stored"] == 2 and result.summary["skipped"] == {"too_deep": 2}
    assert site.count("/b.html") == site.count("/c.html") == 0
    with kb.session() as session:
        deep = session.scalars(select(CrawlUrl).where(CrawlUrl.reason == "too_deep")).all()
    assert sorted((row.url.removeprefix(site.url), row.depth, row.detail) for row in deep) == [
        ("/b.html", 2, "beyond max depth 1"), ("/c.html", 2, "beyond max depth 1")]
