"""Boilerplate a site repeats on page after page, learnt while crawling it.

Markup tells most boxes apart (crawler.extract), but not a contact block, a
disclaimer or a "was this page helpful?" line that a theme writes into every
page's content area. A line of main text met on ``REPEATED_ON`` earlier pages
of the same host, and on at least half of them, is such boilerplate: later pages are stored without it (the
first pages of a crawl keep it; nothing is rewritten afterwards). The page's
own headings are never taken out: templated case pages share "Context" and
"Results" as headings, and the index weighs headings apart anyway.
"""

from __future__ import annotations

import threading

REPEATED_ON = 8  # earlier pages of the host holding the line; fewer is too often real shared content
SHARE = 0.5  # and at least this share of them: a theme's tag line is on some pages, a contact block on all
MAX_LINES = 200_000  # lines remembered per crawl (about 20 MB at most); past that, only known lines count


class RepeatedLines:
    """Per host, how many pages held each line of main text; safe to share between threads."""

    def __init__(self, repeated_on: int = REPEATED_ON, max_lines: int = MAX_LINES, share: float = SHARE):
        self.repeated_on = repeated_on
        self.max_lines = max_lines
        self.share = share
        self._pages: dict[tuple[str, int], int] = {}  # (host, hash of the line) -> pages that held it
        self._seen: dict[str, int] = {}  # host -> pages read
        self._lock = threading.Lock()

    def strip(self, host: str, text: str, keep=()) -> tuple[str, int]:
        """``text`` without the lines this host repeats (but those in ``keep``), and how many went;
        this page's lines are counted for the pages after it."""
        lines = text.split("\n")
        kept_lines = set(keep)
        seen = {(host, hash(line.casefold())) for line in lines if line and line not in kept_lines}
        with self._lock:
            counts = {key: self._pages.get(key, 0) for key in seen}
            for key, count in counts.items():
                if count or len(self._pages) < self.max_lines:
                    self._pages[key] = count + 1
            earlier = self._seen.get(host, 0)
            self._seen[host] = earlier + 1
        least = max(self.repeated_on, self.share * earlier)
        dropped = {key for key, count in counts.items() if count >= least}
        if not dropped:
            return text, 0
        left = [line for line in lines if line in kept_lines or (host, hash(line.casefold())) not in dropped]
        return "\n".join(left), len(lines) - len(left)
