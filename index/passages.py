"""Cutting a document into the passages that get one vector each.

One vector for a whole page averages its meaning away: a page on a city's
digital counter that also lists its opening hours and parking is close to
neither. So the text is cut at sentence ends into passages of about a hundred
words (multilingual-e5 reads 512 tokens at most, and USE averages over its
input), and a document is as close to a query as its closest passage. The title
and description make the first passage: they say what the page is about in the
fewest words, which is what a searcher's question also does.
"""

from __future__ import annotations

import re

PASSAGE_WORDS = 110
MAX_PASSAGES = 6  # per document: memory and build time stay bounded on long reports (the lead says most)
MIN_WORDS = 4  # a shorter trailing piece joins the passage before it
SENTENCE_END = re.compile(r"(?<=[.!?;:。])\s+|\n+")


def _sentences(text: str) -> list[list[str]]:
    return [words for part in SENTENCE_END.split(text) if (words := part.split())]


def _chunks(text: str) -> list[str]:
    chunks: list[list[str]] = []
    current: list[str] = []
    for words in _sentences(text):
        while len(words) > PASSAGE_WORDS:  # one sentence longer than a passage (lists, tables): cut by words
            if current:
                chunks.append(current)
                current = []
            chunks.append(words[:PASSAGE_WORDS])
            words = words[PASSAGE_WORDS:]
        if current and len(current) + len(words) > PASSAGE_WORDS:
            chunks.append(current)
            current = []
        current = current + words
    if current:
        if chunks and len(current) < MIN_WORDS and len(chunks[-1]) + len(current) <= PASSAGE_WORDS * 1.5:
            chunks[-1] = chunks[-1] + current
        else:
            chunks.append(current)
    return [" ".join(chunk) for chunk in chunks]


def passages_of(title: str | None, description: str | None, text: str | None,
                limit: int = MAX_PASSAGES) -> list[str]:
    """The passages of one document, the title and description first; [] when it has no words."""
    lead = " ".join(part.strip() for part in (title or "", description or "") if part and part.strip())
    body = _chunks(text or "")
    if description and body and body[0].startswith(description.strip()[:80]):
        lead = (title or "").strip()  # the description opens the text: said once
    found = ([lead] if lead else []) + body
    return found[:limit]
