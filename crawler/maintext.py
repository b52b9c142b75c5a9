"""The main text of an HTML page: trafilatura's reading, with Casebook's own as the second opinion.

Casebook's structural reading (crawler.main_region) trusts what markup says: <main>,
<article>, a theme's content area, minus the boxes whose class or role names
navigation, a footer or a cookie banner. On real news, agency and blog pages
that scored F1 .83 against hand-made judgements, where trafilatura, which also
weighs text density, link density and the shape of paragraphs, scored .93 on
the same pages (tests/crawler/test_extraction_gate.py). So trafilatura reads
the main text, in its fast mode (no comparison with readability and jusText,
which cost a third more CPU for .002 F1) and without reader comments, which are
no part of a page's own text. Casebook's reading stays where trafilatura finds
little: on short pages (below trafilatura's own ``MIN_EXTRACTED_SIZE``, where it
falls back to a dump of the whole page and our markup rules judge better), and
where trafilatura keeps a sliver of what the page's content area holds (it took
a teaser or a caption for the article).
"""

from __future__ import annotations

import logging

import trafilatura
from lxml.etree import LxmlError

# trafilatura logs a page it cannot read at WARNING and above; with no handler configured Python
# would print those on the crawl's terminal. The page is then read by Casebook's rules instead.
logging.getLogger("trafilatura").addHandler(logging.NullHandler())

ENGINE = f"trafilatura/{trafilatura.__version__}"
MIN_ENGINE_CHARS = 250  # trafilatura's MIN_EXTRACTED_SIZE: below it, its answer is a whole-page dump
MIN_ENGINE_SHARE = 0.1  # of Casebook's main text: less, and trafilatura took a fragment for the whole


def engine_text(html: str, url: str) -> str:
    """trafilatura's main text of ``html``, one paragraph a line; "" when it finds none or fails."""
    try:
        text = trafilatura.extract(html, url=url, fast=True, include_comments=False, include_tables=True)
    except (LxmlError, ValueError, TypeError, RecursionError):  # hostile markup: our own reading serves
        return ""
    return "\n".join(line for line in (" ".join(part.split()) for part in (text or "").split("\n")) if line)


def main_text(engine: str, structural: str, dialogs=frozenset()) -> str:
    """The page's main text: trafilatura's (``engine``) unless it found little, else Casebook's.

    Lines of ``dialogs`` (consent banners and dialogs that markup names, crawler.main_region) are left
    out of trafilatura's reading: it has no list of consent managers, and a banner served in the
    page reads like a paragraph."""
    engine = "\n".join(line for line in engine.split("\n") if line not in dialogs) if dialogs else engine
    if len(engine) >= MIN_ENGINE_CHARS and len(engine) >= MIN_ENGINE_SHARE * len(structural):
        return engine
    return structural or engine
