"""Boilerplate a site repeats on page after page, learnt while crawling it.

Markup tells most boxes apart (crawler.main_region), but not a contact block, a
disclaimer or a "was this page helpful?" line that a theme writes into every
page's content area. While a site is crawled, each line of main text is
counted per host and language; when the crawl is over, a line held by at least
``REPEATED_ON`` of the pages it stored in that language, and by at least
``SHARE`` of them, is taken out of all of them (``strip_known``), so every page
of the crawl is judged alike, whatever the order it was read in. Counted per
language because a multilingual site repeats each language's note on that
language's pages only. Lines of fewer than four words stay (a template's field
labels), and so do the page's own headings: templated
case pages share "Context" and "Results" as headings, and the index weighs
headings apart anyway. Content hashes and fingerprints stay those of the page
as fetched, so duplicates still find each other.
"""

from __future__ import annotations

import threading

REPEATED_ON = 8  # pages holding the line; fewer is too often real shared content
MIN_WORDS = 4  # shorter lines are a template's labels ("Country", "Themes"): they say what the next line is
SHARE = 0.4  # of the host's pages in that language: a theme's tag line is on some, a contact block on most
MAX_LINES = 200_000  # lines remembered per crawl (about 20 MB at most); past that, only known lines count


class RepeatedLines:
    """Per host and language, how many pages held each line of main text; safe to share between threads."""

    def __init__(self, repeated_on: int = REPEATED_ON, share: float = SHARE, max_lines: int = MAX_LINES):
        self.repeated_on = repeated_on
        self.share = share
        self.max_lines = max_lines
        self._pages: dict[tuple[str, str | None, int], int] = {}  # (host, lang, hash of the line) -> pages
        self._seen: dict[tuple[str, str | None], int] = {}  # (host, lang) -> pages counted
        self._lock = threading.Lock()

    def count(self, host: str, lang: str | None, text: str, keep=()) -> None:
        """Count a stored page's lines (but those in ``keep``, its headings)."""
        kept_lines = set(keep)
        keys = {(host, lang, hash(line.casefold())) for line in text.split("\n")
                if line.count(" ") >= MIN_WORDS - 1 and line not in kept_lines}
        with self._lock:
            self._seen[host, lang] = self._seen.get((host, lang), 0) + 1
            for key in keys:
                count = self._pages.get(key, 0)
                if count or len(self._pages) < self.max_lines:
                    self._pages[key] = count + 1

    def any_known(self) -> bool:
        """Whether some line is boilerplate by now (else the stored pages need not be read again)."""
        with self._lock:
            return any(count >= max(self.repeated_on, self.share * self._seen[host, lang])
                       for (host, lang, _line), count in self._pages.items())

    def strip_known(self, host: str, lang: str | None, text: str, keep=()) -> tuple[str, int]:
        """``text`` without the lines known as this host's boilerplate in ``lang``, and how many went."""
        with self._lock:
            least = max(self.repeated_on, self.share * self._seen.get((host, lang), 0))
            lines = text.split("\n")
            kept_lines = set(keep)
            left = [line for line in lines if not line or line in kept_lines
                    or self._pages.get((host, lang, hash(line.casefold())), 0) < least]
        return "\n".join(left), len(lines) - len(left)
