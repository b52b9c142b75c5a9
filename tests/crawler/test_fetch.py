"""Fetching against a real server: retries, Retry-After, timeouts, redirect limits, size caps, PDF."""

from __future__ import annotations

import time

from sqlalchemy import select

from crawler.fetch import Fetcher
from crawler.settings import CrawlSettings
from kb.models import CrawlUrl, Document

TEXT = ("The city runs a one-stop shop where residents request certificates and documents online "
        "from home, without a visit to the town hall.")
HTML = f"<html lang='en'><head><title>Shop</title></head><body><main><p>{TEXT}</p></main></body></html>"


def outcome(kb, path: str) -> CrawlUrl:
    with kb.session() as session:
        return session.scalars(select(CrawlUrl).where(CrawlUrl.url.endswith(path))).one()


def failing_then(status: int, failures: int, headers=None):
    calls = {"n": 0}

    def route(_handler):
        calls["n"] += 1
        if calls["n"] <= failures:
            return status, {"Content-Type": "text/plain", **(headers or {})}, b"try again"
        return 200, {"Content-Type": "text/html"}, HTML.encode()

    return route


def test_a_500_then_success_is_retried_and_the_page_stored(site, crawl):
    site.routes["/"] = failing_then(500, 1)
    result = crawl([site.url + "/"], retries=2)
    assert site.count("/") == 2
    assert result.summary["stored"] == 1


def test_a_page_failing_every_retry_is_skipped_with_its_status(site, crawl, kb):
    site.routes["/"] = failing_then(503, 99)
    result = crawl([site.url + "/"], retries=2)
    assert site.count("/") == 3
    assert result.summary["skipped"] == {"http_503": 1}


def test_a_429_with_retry_after_is_honoured_before_the_retry(site, crawl):
    site.routes["/"] = failing_then(429, 1, {"Retry-After": "2"})  # longer than the 1 s default backoff
    result = crawl([site.url + "/"], retries=1, sleep=time.sleep)
    assert result.summary["stored"] == 1
    first, second = [at for at, path in site.times if path == "/"]
    assert second - first >= 1.95


def test_a_slow_response_times_out_with_reason_timeout(site, crawl):
    def slow(_handler):
        time.sleep(1.5)
        return 200, {"Content-Type": "text/html"}, HTML.encode()

    site.routes["/"] = slow  # answers after 1.5 s: a page stored would mean the timeout was not applied
    result = crawl([site.url + "/"], read_timeout=0.3, retries=0)
    assert result.summary["skipped"] == {"timeout": 1}


def redirect_chain(site, length: int, prefix: str) -> None:
    for hop in range(length):
        site.page(f"/{prefix}{hop}", "", status=302, headers={"Location": f"/{prefix}{hop + 1}"})
    site.page(f"/{prefix}{length}", HTML.replace("Shop", f"Shop {prefix}"))


def test_a_chain_of_five_redirects_is_followed_and_six_are_too_many(site, crawl, kb):
    redirect_chain(site, 5, "five")
    redirect_chain(site, 6, "six")
    site.page("/", HTML.replace("</main>", "<a href='/five0'>5</a><a href='/six0'>6</a></main>")
              .replace(TEXT, "Start page with two chains of redirects to follow for the test."))
    result = crawl([site.url + "/"])
    assert outcome(kb, "/five0").reason is None and outcome(kb, "/five0").status == "done"
    assert outcome(kb, "/six0").reason == "too_many_redirects"
    assert site.count("/six6") == 0
    with kb.session() as session:
        kept = session.scalars(select(Document).where(Document.title == "Shop five")).one()
    assert kept.final_url.endswith("/five5") and len(kept.meta["redirects"]) == 5
    assert result.summary["skipped"] == {"too_many_redirects": 1}


def test_an_oversized_page_is_cut_at_max_bytes_and_skipped_as_too_large(site, crawl):
    big = ("<html><body><p>" + "x" * 300_000 + "</p></body></html>").encode()
    site.page("/big.html", big)
    response = Fetcher(CrawlSettings(allow_private_hosts=True, max_bytes=100_000)).fetch(site.url + "/big.html")
    assert response.truncated and len(response.body) == 100_000
    result = crawl([site.url + "/big.html"], max_bytes=100_000)
    assert result.summary["skipped"] == {"too_large": 1}


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, its xref table computed by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_is_extracted_and_stored_as_a_document(site, crawl, kb):
    site.page("/", HTML.replace("</main>", "<a href='/report.pdf'>Report</a></main>"))
    site.page("/report.pdf", tiny_pdf("Smart city report: residents request documents online."),
              ctype="application/pdf")
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2
    with kb.session() as session:
        pdf = session.scalars(select(Document).where(Document.url.endswith("/report.pdf"))).one()
    assert "residents request documents online" in pdf.text
    assert pdf.content_type == "application/pdf"


def test_a_broken_pdf_is_skipped_as_unreadable(site, crawl):
    site.page("/report.pdf", b"%PDF-1.4\nthis is not really a pdf", ctype="application/pdf")
    result = crawl([site.url + "/report.pdf"])
    assert result.summary["skipped"] == {"unreadable_pdf": 1}


def test_a_gzip_encoded_page_is_decoded_and_stored(site, crawl, kb):
    import gzip

    html = "<html lang='nl'><body><main><h1>Digitaal loket</h1><p>" + "Aanvragen van thuis uit. " * 20 + "</p></main>"
    site.page("/gz.html", gzip.compress(html.encode("utf-8")), headers={"Content-Encoding": "gzip"})
    result = crawl([site.url + "/gz.html"])
    assert result.summary["stored"] == 1
    with kb.session() as session:
        stored = session.scalars(select(Document).where(Document.url == site.url + "/gz.html")).one()
    assert stored.title == "Digitaal loket" and "Aanvragen van thuis uit." in stored.text


def test_a_gzip_bomb_page_is_cut_at_max_bytes_after_decompression(site, crawl):
    import gzip
    import tracemalloc

    bomb = gzip.compress(b"<html><body><p>" + b"a" * (64 * 1024 * 1024) + b"</p></body></html>", 9)
    assert len(bomb) < 200_000
    site.page("/bomb.html", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        response = Fetcher(CrawlSettings(allow_private_hosts=True, max_bytes=1_000_000)).fetch(site.url + "/bomb.html")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.truncated and len(response.body) == 1_000_000
    assert peak < 8_000_000  # 64 MB inflated would show: the body is read in chunks and cut
    assert crawl([site.url + "/bomb.html"], max_bytes=1_000_000).summary["skipped"] == {"too_large": 1}
