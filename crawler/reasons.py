"""Every outcome a crawled URL can have, each with a one-line meaning: the one register of them.

A URL is ``stored``, or it has a short stable code saying why not (STYLE.md: the
crawler never drops a page silently). The crawler gives no code that is not
registered here (tests/crawler/test_reasons.py reads its sources to check), `kb
crawl-report --reason` accepts these codes and no others, and README's list is
this register printed by ``python -m crawler.reasons --markdown``.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass

from crawler.errors import CrawlError


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str


REASONS = (
    Reason("stored", "stored as a document: a new one, or our copy brought up to date"),
    Reason("duplicate", 'the same text as a stored document: merged into it as "also at"; its links are still '
                        "followed"),
    Reason("near_duplicate", "nearly the same text (SimHash) as a stored page in the same language: merged into it "
                             'as "also at"; its links are still followed'),
    Reason("not_modified", "the server answered 304: our copy is current; the links it had are followed"),
    Reason("unchanged_sitemap", "not fetched: its sitemap lastmod is not newer than our copy; the links it had are "
                                "followed"),
    Reason("redirected", "redirected to another host: the target waits for that host's turn, robots.txt and delay"),
    Reason("sitemap", "a sitemap read: its entries joined the crawl (counted apart: a sitemap is no page)"),
    Reason("sitemap_missing", "a sitemap named by robots.txt (or /sitemap.xml) that could not be fetched"),
    Reason("sitemap_unreadable", "a sitemap fetched but not readable as one"),
    Reason("too_deep", "a link beyond --max-depth: raise it to follow them"),
    Reason("max_pages", "left when --max-pages was reached: raise it to fetch them"),
    Reason("out_of_scope", "outside the crawl's hosts and paths"),
    Reason("robots", "robots.txt disallows it (or the address it redirects to)"),
    Reason("robots_unavailable", "robots.txt answered 5xx or could not be fetched: the site is left alone"),
    Reason("noindex", "the page asks not to be indexed (robots meta tag, X-Robots-Tag): a stored copy is marked "
                      "gone; its links are followed unless it says nofollow"),
    Reason("meta_refresh", "no text, only a meta refresh: its target is followed as a link"),
    Reason("http_N", "the server answered HTTP status N (http_404, http_503...); a stored copy of a page "
                     "answering 404 or 410 is marked gone"),
    Reason("timeout", "no answer in time, retries included"),
    Reason("dns_error", "the host name does not resolve"),
    Reason("connection_error", "the connection failed or broke off"),
    Reason("fetch_error", "the request failed in another way"),
    Reason("refused_address", "a private, loopback or reserved address, or not http(s) (allow_private_hosts "
                              "crawls private ones)"),
    Reason("too_large", "a body over max_bytes"),
    Reason("unsupported_type", "neither HTML nor PDF (the detail names the type)"),
    Reason("binary_content", "binary data served as HTML"),
    Reason("unreadable_pdf", "a PDF whose text cannot be read"),
    Reason("empty", "no text found"),
    Reason("redirect_loop", "redirects coming back to an address already passed"),
    Reason("too_many_redirects", "more than max_redirects redirects, in one request or from host to host"),
    Reason("bad_url", "an address that cannot be read (a link, redirect, meta refresh or sitemap entry), skipped "
                      "alone"),
    Reason("invalid_url", "an address the HTTP library refuses"),
    Reason("url_too_long", "an address of over 2,083 characters"),
    Reason("crawler_error", "an unexpected error of the crawler on this page (a bug to report); the crawl goes on"),
    Reason("pending", "not visited yet: the crawl stopped before it (the same crawl started again resumes)"),
    Reason("in_flight", "being visited when the crawl was killed: visited again when it resumes"),
)
CODES = frozenset(reason.code for reason in REASONS)
_HTTP_STATUS = re.compile(r"http_[0-9]{3}")


class UnknownReason(CrawlError):
    """A code that no crawl outcome has (a typo in `kb crawl-report --reason`)."""


def is_registered(code: str) -> bool:
    return code in CODES or _HTTP_STATUS.fullmatch(code) is not None


def check_reason(code: str) -> str:
    """``code`` when it is registered; else UnknownReason, naming the closest codes and all the valid ones."""
    if is_registered(code):
        return code
    close = difflib.get_close_matches(code, sorted(CODES), n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    valid = ", ".join(reason.code for reason in REASONS)
    raise UnknownReason(f"unknown outcome {code!r}{hint}; valid outcomes: {valid} (N an HTTP status: http_404)")


def markdown() -> str:
    """The register as a Markdown list, as README shows it."""
    return "\n".join(f"- `{reason.code}`: {reason.meaning}." for reason in REASONS) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m crawler.reasons --markdown")
    sys.stdout.write(markdown())
