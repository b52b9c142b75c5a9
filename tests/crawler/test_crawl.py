"""The crawler against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.models import CrawlUrl, Document

PAGE = """<!doctype html><html lang="{lang}"><head><title>{title}</title></head>
<body><nav><a href="/">Home</a> Menu item one two three</nav>
<main><h1>{title}</h1><p>{text}</p>{links}</main><footer>Contact the webmaster</footer></body></html>"""

NL = ("De gemeente biedt een digitaal loket aan waar inwoners van thuis uit attesten en uittreksels "
      "kunnen aanvragen, zonder naar het gemeentehuis te komen.")
EN = ("The city runs a one-stop shop where residents request certificates and documents online "
      "from home, without a visit to the town hall.")


def page(title, text, links=(), lang="nl"):
    return PAGE.format(title=title, text=text, lang=lang, links="".join(f'<a href="{h}">{h}</a>' for h in links))


def outcomes(kb) -> dict[str, str]:
    with kb.session() as session:
        return {row.url.split("/", 3)[-1]: (row.reason or row.status) for row in session.scalars(select(CrawlUrl))}


@pytest.mark.both_engines
def test_crawl_follows_links_in_scope_and_stores_each_page_once(site, crawl, kb):
    site.page("/", page("Home", NL, ["/a.html", "/b.html", "http://elsewhere.example/x"]))
    site.page("/a.html", page("A", EN, ["/", "/b.html"], lang="en"))
    site.page("/b.html", page("B", NL + " Tweede pagina.", ["/a.html"]))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 3
    assert result.summary["skipped"] == {"out_of_scope": 1}
    assert site.count("/a.html") == 1
    with kb.session() as session:
        langs = {d.title: d.lang for d in session.scalars(select(Document))}
    assert langs == {"Home": "nl", "A": "en", "B": "nl"}


def test_robots_disallowed_pages_are_never_fetched_and_counted_as_robots(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\nAllow: /private/open\n", ctype="text/plain")
    site.page("/", page("Home", NL, ["/private/secret.html", "/private/open.html"]))
    site.page("/private/secret.html", page("Secret", NL))
    site.page("/private/open.html", page("Open", NL + " open"))
    result = crawl([site.url + "/"])
    assert site.count("/private/secret.html") == 0
    assert site.count("/private/open.html") == 1
    assert result.summary["skipped"].get("robots") == 1


def test_robots_txt_answering_5xx_means_do_not_crawl_now(site, crawl):
    site.page("/robots.txt", "down", status=503, ctype="text/plain")
    site.page("/", page("Home", NL))
    result = crawl([site.url + "/"])
    assert site.count("/") == 0
    assert result.summary["skipped"] == {"robots_unavailable": 1}


def test_redirects_are_followed_and_loops_detected(site, crawl, kb):
    site.page("/", page("Home", NL, ["/old", "/loop1"]))
    site.page("/old", "", status=301, headers={"Location": "/new"})
    site.page("/new", page("New", EN, lang="en"))
    site.page("/loop1", "", status=302, headers={"Location": "/loop2"})
    site.page("/loop2", "", status=302, headers={"Location": "/loop1"})
    result = crawl([site.url + "/"])
    assert result.summary["skipped"].get("redirect_loop") == 1
    with kb.session() as session:
        moved = session.scalars(select(Document).where(Document.title == "New")).one()
    assert moved.final_url.endswith("/new")


def test_every_skip_has_a_reason(site, crawl):
    site.page("/", page("Home", NL, ["/missing.html", "/big.html", "/bin.html", "/img.png"]))
    site.page("/big.html", page("Big", NL * 2000))
    site.page("/bin.html", b"\x00\x01\x02" * 400)
    site.page("/img.png", b"\x89PNG....", ctype="image/png")
    result = crawl([site.url + "/"], max_bytes=50_000)
    assert result.summary["skipped"] == {"binary_content": 1, "http_404": 1, "too_large": 1, "unsupported_type": 1}


def test_an_exact_duplicate_is_kept_once_with_also_at(site, crawl, kb):
    site.page("/", page("Home", NL, ["/copy.html"]))
    site.page("/copy.html", page("Home", NL, ["/copy.html"]))
    result = crawl([site.url + "/"])
    assert result.summary["skipped"] == {"duplicate": 1}
    with kb.session() as session:
        document = session.scalars(select(Document)).one()
    assert document.also_at == [site.url + "/copy.html"]


def test_a_latin1_page_is_stored_without_mojibake(site, crawl, kb):
    text = "La commune a créé un guichet électronique où les habitants demandent leurs documents à domicile."
    site.page("/", page("Accueil", text, lang="fr").encode("latin-1"), ctype="text/html; charset=iso-8859-1")
    crawl([site.url + "/"])
    with kb.session() as session:
        assert "guichet électronique" in session.scalars(select(Document)).one().text


@pytest.mark.both_engines
def test_recrawl_sends_conditional_requests_and_keeps_unchanged_pages(site, crawl, kb):
    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "text/html", "ETag": '"v1"'}, page("Home", NL).encode()

    site.routes["/"] = conditional
    crawl([site.url + "/"])
    with kb.session() as session:
        first_fetch = session.scalars(select(Document)).one().fetched_at
    second = crawl([site.url + "/"])
    assert second.summary["stored"] == 0
    assert second.summary["skipped"] == {"not_modified": 1}
    with kb.session() as session:  # the server confirmed our copy: it counts as fetched now
        assert session.scalars(select(Document)).one().fetched_at > first_fetch


def test_a_skip_without_a_request_costs_the_host_no_rest():
    from crawler.frontier import Claim
    from crawler.urls import Scope
    from crawler.visit import Trip

    claim = Claim(1, "http://h.example/", 0, None, None)
    skipped, fetched = Trip(claim, Scope.of_seeds([claim.url]), 2.0), Trip(claim, Scope.of_seeds([claim.url]), 2.0,
                                                                          requested=True)
    assert (skipped.turn().rest, fetched.turn().rest) == (0.0, 2.0)


def test_a_stored_page_keeps_the_headings_of_its_main_content_for_the_index(site, crawl, kb):
    site.page("/", PAGE.format(title="Digitaal loket", lang="nl", text=NL,
                               links="<h2>Hoe werkt het?</h2><p>Met eID.</p><h3>Kosten</h3><p>Gratis.</p>"))
    crawl([site.url + "/"])
    with kb.session() as session:
        document = session.scalars(select(Document)).one()
    assert document.meta.get("headings") == ["Digitaal loket", "Hoe werkt het?", "Kosten"]


def test_a_second_address_of_a_page_stored_by_the_crawl_counts_as_a_duplicate_not_as_stored(site, crawl, kb):
    home = page("Home", NL).replace("</head>", "<link rel='canonical' href='/home.html'></head>")
    site.page("/", home.replace('<nav><a href="/">', '<nav><a href="/home.html">'))  # same main text
    site.page("/home.html", home)
    first = crawl([site.url + "/"])
    assert first.summary["stored"] == 1 and first.summary["skipped"] == {"duplicate": 1}
    second = crawl([site.url + "/"])
    assert second.summary["skipped"].get("duplicate") == 1  # "/" again: its canonical page has its text
    with kb.session() as session:
        documents = session.scalars(select(Document)).all()
    assert [(d.url, d.also_at) for d in documents] == [(site.url + "/home.html", [site.url + "/"])]


@pytest.mark.both_engines
def test_links_and_redirects_to_overlong_addresses_are_not_followed_and_say_why(site, crawl, kb):
    long_path = "/" + "a" * 5000
    site.page("/", page("Home", NL, [long_path, "/move", "/fine.html", "http://elsewhere.example/" + "b" * 5000]))
    site.page("/move", "", status=302, headers={"Location": "/" + "c" * 3000})
    site.page("/fine.html", page("Fine", EN, lang="en"))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2
    assert result.summary["skipped"] == {"url_too_long": 2, "out_of_scope": 1}
    assert not any(len(path) > 2083 for path in site.log)
    with kb.session() as session:
        rows = session.scalars(select(CrawlUrl).where(CrawlUrl.reason.in_(("url_too_long", "out_of_scope")))).all()
    assert all(len(row.url) <= 2083 for row in rows)
    assert {row.detail for row in rows if row.reason == "url_too_long"} == {
        f"{len(site.url + long_path)} characters", f"redirect to an address of {len(site.url) + 3001} characters"}


def test_a_page_of_endless_links_puts_only_the_first_six_thousand_in_the_frontier(site, crawl, kb):
    site.page("/", page("Kalender", NL, [f"/dag/{n}.html" for n in range(6500)]))
    result = crawl([site.url + "/"], max_pages=1)
    assert result.summary["stored"] == 1
    with kb.session() as session:
        rows = session.scalars(select(CrawlUrl)).all()
    # the page's links in order: its nav's "/" (itself, already known), then the 6,500 days
    days = [row.url.rsplit("/", 1)[-1] for row in rows if "/dag/" in row.url]
    assert len(days) == 5999 and set(days) == {f"{n}.html" for n in range(5999)}
    root = next(row for row in rows if row.url == site.url + "/")
    assert root.detail == "501 links beyond the first 6000 not followed" and root.reason is None


def test_pages_asking_not_to_be_indexed_are_skipped_and_nofollow_links_not_followed(site, crawl, kb):
    site.page("/", page("Home", NL, ["/hidden.html", "/header.html", "/closed.html", "/theirs.html"]))
    site.page("/hidden.html", page("Verborgen", NL + " verborgen", ["/below.html"]).replace(
        "<head>", "<head><meta name='robots' content='noindex, follow'>"))
    site.page("/below.html", page("Onder", EN, lang="en"))
    site.page("/header.html", page("Header", NL + " kop"), headers={"X-Robots-Tag": "CasebookBot: noindex"})
    site.page("/closed.html", page("Gesloten", NL + " gesloten", ["/never.html"]).replace(
        "<head>", "<head><meta name='robots' content='nofollow'>"))
    site.page("/never.html", page("Nooit", NL + " nooit"))
    site.page("/theirs.html", page("Andermans", NL + " andermans"), headers={"X-Robots-Tag": "otherbot: noindex"})
    result = crawl([site.url + "/"])
    found = outcomes(kb)
    assert found["hidden.html"] == "noindex" and found["header.html"] == "noindex"
    assert found["below.html"] == "done" and found["closed.html"] == "done" and found["theirs.html"] == "done"
    assert "never.html" not in found and site.count("/never.html") == 0
    assert result.summary["skipped"] == {"noindex": 2}
    with kb.session() as session:
        titles = set(session.scalars(select(Document.title)))
    assert titles == {"Home", "Onder", "Gesloten", "Andermans"}


def test_a_page_that_becomes_noindex_is_marked_gone(site, crawl, kb):
    site.page("/", page("Home", NL, ["/later.html"]))
    site.page("/later.html", page("Later", NL + " later"))
    crawl([site.url + "/"])
    site.page("/later.html",
              page("Later", NL + " later").replace("<head>", "<head><meta name='robots' content='none'>"))
    crawl([site.url + "/later.html"])
    with kb.session() as session:
        later = session.scalars(select(Document).where(Document.title == "Later")).one()
    assert later.gone


def test_a_meta_refresh_is_followed_like_a_redirect(site, crawl, kb):
    site.page("/", "<html><head><meta http-equiv='refresh' content='0; url=/nl/'></head><body></body></html>")
    site.page("/nl/", page("Welkom", NL))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 1
    assert outcomes(kb)[""] == "meta_refresh" and outcomes(kb)["nl/"] == "done"


def test_a_seed_that_redirects_to_another_host_name_is_crawled_there(site, crawl, kb):
    moved = site.url.replace("127.0.0.1", "localhost")  # the same server under another name
    site.page("/", "", status=301, headers={"Location": moved + "/home.html"})
    site.page("/home.html", page("Welkom", NL, ["/a.html"]))
    site.page("/a.html", page("A", EN, lang="en"))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2 and "out_of_scope" not in result.summary["skipped"]
    with kb.session() as session:
        assert {d.title for d in session.scalars(select(Document))} == {"Welkom", "A"}
    assert site.count("/a.html") == 1


def test_a_source_whose_seed_redirects_to_a_host_that_fails_says_what_became_of_both(site, kb):
    from crawler.schedule import crawl_source
    from crawler.settings import CrawlSettings
    from kb.sources.registry import add_source

    site.page("/", "", status=301, headers={"Location": "http://casebook-test.invalid/home.html"})
    with kb.session() as session:
        source_id = add_source(session, site.url + "/").id
    outcome = crawl_source(kb, source_id, CrawlSettings(delay=0.0, allow_private_hosts=True, retries=0))
    assert outcome.summary["skipped"] == {"redirected": 1, "robots_unavailable": 1}
    assert outcome.error == (f"no page stored: {site.url}/: redirected (to http://casebook-test.invalid/home.html); "
                             "http://casebook-test.invalid/home.html: robots_unavailable (robots.txt unreachable "
                             "(dns_error))")


def test_hosts_redirecting_to_each_other_round_and_round_stop_after_max_redirects(sites, crawl, kb):
    from crawler.urls import Scope

    ping, pong = sites(), sites()
    ping.page("/", page("Home", NL, ["/r0"]))
    for n in range(10):
        here, there = (ping, pong) if n % 2 == 0 else (pong, ping)
        here.page(f"/r{n}", "", status=302, headers={"Location": f"{there.url}/r{n + 1}"})
    seeds = [ping.url + "/", pong.url + "/"]
    result = crawl(seeds[:1], scope=Scope.of_seeds(seeds), max_redirects=3)
    assert result.summary["skipped"] == {"redirected": 3, "too_many_redirects": 1}
    assert [pong.count("/r3"), ping.count("/r4")] == [1, 0]
    assert outcomes(kb)["r3"] == "too_many_redirects"


def test_a_redirect_into_a_path_robots_txt_disallows_is_not_followed(site, crawl, kb):
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.page("/", page("Home", NL, ["/go"]))
    site.page("/go", "", status=302, headers={"Location": "/private/secret.html"})
    site.page("/private/secret.html", page("Secret", NL + " geheim"))
    result = crawl([site.url + "/"])
    assert outcomes(kb)["go"] == "robots"
    assert site.count("/private/secret.html") == 0
    assert result.summary["stored"] == 1
