"""Fuzzing the parts that read untrusted input: no unhandled exception, only typed errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.errors import SkipError
from crawler.extract import extract_html, extract_pdf
from crawler.markup import decode_html
from crawler.urls import Scope, canonical_address, canonical_url
from kb.urlcheck import BadUrl, RefusedUrl

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HTML_BITS = st.sampled_from(["<", ">", "</", "<p>", "<script>", "</script>", "<main>", "<a href='", "'>",
                             "<html lang='", "<meta charset='", "<!--", "-->", "&amp;", "&#x", ";", "\x00", "é",
                             "<script type='application/ld+json'>", "{\"@type\":", "[", "]", "\"", "<base href='"])


@FUZZ
@given(st.lists(st.one_of(HTML_BITS, st.text(max_size=20)), max_size=60))
def test_html_extraction_never_raises(parts):
    page = extract_html("".join(parts), "http://example.org/a/b.html")
    assert isinstance(page.text, str) and isinstance(page.links, list)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([None, "utf-8", "latin-1", "bogus-charset", "utf-16"]))
def test_decoding_any_bytes_gives_text(body, charset):
    assert isinstance(decode_html(body, charset), str)


@FUZZ
@given(st.binary(max_size=300))
def test_pdf_extraction_raises_only_value_error(body):
    try:
        extract_pdf(b"%PDF-1.4\n" + body, "http://example.org/x.pdf")
    except ValueError:
        pass


# Pieces of hostile addresses: unclosed brackets, ports out of range or not numbers, failing IDNA labels,
# over-long labels, control characters, backslashes and user-info that parsers read differently.
URL_BITS = st.sampled_from(["http://", "https://", "HTTP://", "//", "ftp://", "[", "]", "::1", "[::1]", "@", "\\",
                            ":", ":99999", ":abc", ":0", ":8080", ":\u0663", "xn--", "xn--a", "a" * 64, ".", "..",
                            "%", "%00", "%2e", "\x00", "\x01", "\x7f", "\t", "\n", " ", "#", "?", "/", "127.0.0.1",
                            "1.1.1.1", "example.org", "www.", "é", "ß", "\u2488", "\ufffd", "0x7f.1", "user:pw@"])
URL_TEXT = st.lists(st.one_of(URL_BITS, st.text(max_size=6)), max_size=12).map("".join)
BASES = st.sampled_from([None, "http://example.org/a/", "https://h:8443/x?y=1"])


@FUZZ
@given(st.one_of(st.text(max_size=80), URL_TEXT), BASES)
def test_url_canonicalisation_is_total_and_idempotent(text, base):
    try:
        url = canonical_url(text, base=base)
    except BadUrl:
        return
    assert canonical_url(url) == url


@FUZZ
@given(URL_TEXT, BASES)
def test_every_canonical_url_names_the_host_and_port_the_http_library_connects_to(text, base):
    from urllib3.util import parse_url

    try:
        address = canonical_address(text, base=base)
    except RefusedUrl:
        return
    seen = parse_url(address.url)
    assert (seen.host.strip("[]"), seen.port or None) == (address.host, address.port)
    assert not any(ch in address.url for ch in "\\ \t\r\n\x00")


@FUZZ
@given(st.lists(URL_TEXT, max_size=8))
def test_a_scope_sorts_every_link_into_inside_outside_or_bad_and_never_raises(links):
    scope = Scope.of_seeds(["http://example.org/"])
    inside, outside, bad = scope.split(links)
    assert len(inside) + len(outside) + len(bad) <= len(links)
    assert all(scope.allows(url) for url in inside) and not any(scope.allows(url) for url in outside)
    assert all(detail for _link, detail in bad)


@FUZZ
@given(st.lists(URL_TEXT, min_size=1, max_size=6))
def test_a_page_of_hostile_hrefs_is_extracted_with_each_href_followed_or_kept_as_bad(hrefs):
    from html import escape

    body = "".join(f"<a href='{escape(href)}'>x</a>" for href in hrefs)
    page = extract_html(f"<html><body><p>Text of the page.</p>{body}<meta http-equiv='refresh' "
                        f"content='0; url={escape(hrefs[0])}'></body></html>", "http://example.org/a/b.html")
    assert "Text of the page." in page.text
    assert all(detail for _link, detail in page.bad_links)


@FUZZ
@given(st.lists(URL_TEXT, max_size=6))
def test_a_sitemap_of_hostile_locations_keeps_the_readable_ones_and_never_raises(locs):
    from xml.sax.saxutils import escape

    from crawler.sitemaps import SitemapError, parse_sitemap

    body = "".join(f"<url><loc>{escape(loc)}</loc></url>" for loc in locs)
    try:
        sitemap = parse_sitemap(f"<urlset>{body}</urlset>".encode("utf-8", "surrogatepass"),
                                "http://example.org/sitemap.xml", 10**6)
    except SitemapError:
        return
    for loc, _lastmod in sitemap.entries:
        canonical_url(loc)  # every entry kept can be queued


def _serve(host: str, location: dict, log: list):
    """A real server on ``host`` whose /go answers a redirect to ``location["to"]``; it logs every request."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            log.append(self.path)
            if self.path == "/go":
                self.send_response(302)
                self.send_header("Location", location["to"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<html><body><p>landing</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"{host}:{server.server_address[1]}"


@pytest.fixture(scope="module")
def redirecting_site():
    """127.0.0.2 stands in for a public site that redirects anywhere; 127.0.0.1 is an internal canary."""
    location, public_log, canary_log = {"to": "/"}, [], []
    public, public_authority = _serve("127.0.0.2", location, public_log)
    canary, canary_authority = _serve("127.0.0.1", {"to": "/"}, canary_log)
    yield f"http://{public_authority}", location, canary_authority, canary_log
    for server in (public, canary):
        server.shutdown()
        server.server_close()


HEADER_SAFE = st.lists(st.one_of(URL_BITS, st.sampled_from(["http://CANARY/", "CANARY", "//CANARY", "http://CANARY\\@",
                                                            "http://1.1.1.1\\@CANARY/", "http://x@CANARY"]),
                                 st.text(max_size=6)), min_size=1, max_size=10).map("".join).filter(
    lambda text: text.isprintable() and text.isascii() and text.strip() == text and text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(HEADER_SAFE)
def test_no_redirect_location_reaches_a_private_address_with_the_guard_on(redirecting_site, location):
    from crawler.fetch import Fetcher
    from crawler.settings import CrawlSettings
    from kb.urlcheck import is_public_address

    url, target, canary, canary_log = redirecting_site
    target["to"] = location.replace("CANARY", canary)
    stand_in = lambda address: address == "127.0.0.2" or is_public_address(address)  # noqa: E731
    fetcher = Fetcher(CrawlSettings(retries=0, connect_timeout=0.5, read_timeout=2), is_public=stand_in)
    try:
        fetcher.fetch(url + "/go")
    except SkipError as exc:
        assert exc.reason != "crawler_error"
    finally:
        fetcher.close()
    assert canary_log == [], target["to"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(URL_TEXT.filter(lambda text: text.isprintable() and text.isascii() and text.strip() == text and text))
def test_a_redirect_to_any_location_is_read_or_skipped_as_bad_url_when_private_hosts_are_allowed(redirecting_site,
                                                                                                  location):
    from crawler.fetch import Fetcher
    from crawler.settings import CrawlSettings

    url, target, _canary, _log = redirecting_site
    target["to"] = location
    fetcher = Fetcher(CrawlSettings(retries=0, connect_timeout=0.5, read_timeout=2, allow_private_hosts=True))
    try:
        fetcher.fetch(url + "/go")
    except SkipError as exc:
        assert exc.reason != "crawler_error" and exc.detail is not None
    finally:
        fetcher.close()


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    import json

    from index.build import build_index
    from kb.formats import import_documents
    from kb.settings import load_settings
    from kb.storage import open_kb

    settings_ = load_settings(tmp_path_factory.mktemp("fuzz") / "data", environ={})
    knowledge_base = open_kb(settings_)
    source = tmp_path_factory.mktemp("src") / "docs.jsonl"
    source.write_text("\n".join(json.dumps({"url": f"https://x.be/{i}", "title": t, "text": t * 3, "lang": lang})
                                for i, (t, lang) in enumerate([("Digitaal loket gemeente", "nl"),
                                                               ("Guichet unique commune", "fr"),
                                                               ("Open data platform city", "en")])),
                      encoding="utf-8")
    with knowledge_base.session() as session:
        import_documents(session, source)
    build_index(knowledge_base, settings_.index_dir)
    yield knowledge_base
    knowledge_base.close()


QUERY_BITS = st.sampled_from(['"', "(", ")", "AND", "OR", "NOT", "title:", "*", "?", "~", "^2", "[", "]", "TO",
                              "{", "}", ":", "-", "+", "loket", "open", "data", "é", "\\", "'", "/", "<script>"])


@FUZZ
@given(st.lists(st.one_of(QUERY_BITS, st.text(max_size=8)), max_size=12))
def test_the_query_parser_never_fails(small_index, parts):
    from index.query import SearchRequest, search

    response = search(small_index.settings.index_dir, SearchRequest(q=" ".join(parts)))
    assert response.total >= 0
    for hit in response.hits:
        assert "<script>" not in hit["snippet"]


@FUZZ
@given(st.dictionaries(st.sampled_from(["q", "page", "per_page", "sort", "lang", "type", "country", "theme", "year",
                                        "date_from", "date_to", "source", "municipality"]),
                       st.text(max_size=12), max_size=6))
def test_api_parameters_never_cause_a_server_error(small_index, params):
    from webui import create_app

    app = create_app(small_index.settings, kb=small_index)
    response = app.test_client().get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    assert response.is_json
