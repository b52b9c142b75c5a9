"""One search's use of meaning: which queries it serves, the query's language, the fused ranking.

Meaning serves queries of plain words (a question, a few keywords, with words
left out by ``-word``). Quotes, ``field:``, wildcards and AND/OR say the reader
wants exactly those words, so such queries stay lexical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as wq

from index.dense import DENSE_LIMIT, DenseHits, dense_search, min_cosine
from index.embedding import Embedder
from index.facets import facet_sets, matching_docs
from index.fusion import FusionPolicy, fuse
from index.scoring import rank
from kb.language import detect_language

EXACT_SYNTAX = re.compile(r'["*]|\b(?:AND|OR|ANDNOT|ANDMAYBE)\b|\w:\S|[()\[\]{}^~]')
NEGATED = re.compile(r"(?:(?<=\s)|^)(?:-\S+|NOT\s+\S+)")
WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
LEXICAL_DEPTH = 100  # the lexical ranking's head that is fused with the dense hits
MIN_QUERY_LETTERS = 8  # fewer letters say nothing of their language ("smart", "e-gov")
SENTENCE_LETTERS = 25  # a question this long is told apart among all languages (langdetect: 98.5% on sentences)
SURE_QUERY_LANGUAGE = 0.7
LANGUAGE_EVIDENCE = 10  # the best lexical hits whose languages tell a short query's language
MOST = 0.67  # ... when one language holds this share of their scores


def meaning_query(text: str) -> str | None:
    """The words to search by meaning, or None when the query is not plain words."""
    text = (text or "").strip()
    if not text or EXACT_SYNTAX.search(text.replace("?", " ")):
        return None
    words = " ".join(WORD.findall(NEGATED.sub(" ", text)))
    return words or None


@dataclass
class Meaning:
    embedder: Embedder
    generation: Path | None
    policy: FusionPolicy = field(default_factory=FusionPolicy)
    _head: list = field(default_factory=list, repr=False)
    _words: str = field(default="", repr=False)
    _head_key: tuple | None = field(default=None, repr=False)

    def search(self, searcher, text: str, query) -> DenseHits | None:
        """Dense hits, without those the query's ``-word``s exclude."""
        self._words = text
        hits = dense_search(searcher, self.generation, self.embedder, text, DENSE_LIMIT)
        if hits is None or not len(hits.docnums) or not isinstance(query, wq.AndNot):
            return hits
        excluded = matching_docs(searcher, query.b, facet_sets(searcher))
        keep = [i for i, docnum in enumerate(hits.docnums.tolist()) if not excluded >> docnum & 1]
        return DenseHits(hits.docnums[keep], hits.scores[keep])

    def query_language(self, searcher, text: str, reader_lang: str | None, lexical_head) -> str | None:
        """The query's language: told from a question-length query by the detector; else the language
        of the pages its words match (when one language holds most of the best lexical hits: "digitaal
        loket" matches Dutch pages); else the reader's language; else None (unknown)."""
        words = meaning_query(text) or ""
        if sum(ch.isalpha() for ch in words) >= SENTENCE_LETTERS:
            found = detect_language(words)
            if found.lang and found.confidence >= SURE_QUERY_LANGUAGE:
                return found.lang
        langs = facet_sets(searcher).by_doc("lang")
        weight: dict[str, float] = {}
        for docnum, score in lexical_head[:LANGUAGE_EVIDENCE]:
            lang = (langs.get(docnum) or ("und",))[0]
            weight[lang] = weight.get(lang, 0.0) + score
        if weight:
            lang, best = max(weight.items(), key=lambda item: item[1])
            if lang != "und" and best >= MOST * sum(weight.values()):
                return lang
        return reader_lang or None

    def rank(self, searcher, query, lexical_candidates: int, dense: DenseHits, query_lang: str | None,
             limit: int) -> list[tuple[int, float]]:
        """The first ``limit`` of the fused ranking, then the rest of the lexical matches in their order."""
        lexical = self.lexical_head(searcher, query, lexical_candidates, max(LEXICAL_DEPTH, limit))
        langs = facet_sets(searcher).by_doc("lang")
        fused = fuse(lexical, dense, min_cosine(self.embedder.name), query_lang,
                     lambda docnum: (langs.get(docnum) or (None,))[0], self.policy,
                     self._plain_scores(searcher, lexical_candidates, max(LEXICAL_DEPTH, limit)))
        if len(fused) >= limit or len(lexical) < max(LEXICAL_DEPTH, limit):
            return fused[:limit]
        shown = {docnum for docnum, _ in fused}
        floor = min((score for _, score in fused), default=0.0)
        rest = [(d, floor * 0.999) for d, _ in rank(searcher, query, lexical_candidates, limit + len(shown),
                                                     "relevance") if d not in shown]
        return (fused + rest)[:limit]

    def _plain_scores(self, searcher, candidates: int, limit: int) -> dict[int, float]:
        """The documents' lexical scores for the query's own words, without thesaurus labels."""
        from index.query import parse_query, prune  # index.query builds on this module

        plain = prune(parse_query(searcher.schema, self._words, expand=False)[0], searcher.reader())
        return dict(rank(searcher, plain, candidates, limit, "relevance"))

    def lexical_head(self, searcher, query, candidates: int, limit: int) -> list[tuple[int, float]]:
        """The lexical ranking's first ``limit`` (remembered: the language guess and the fusion share it)."""
        key = (id(query), candidates, limit)
        if self._head_key != key:
            self._head, self._head_key = rank(searcher, query, candidates, limit, "relevance"), key
        return self._head
