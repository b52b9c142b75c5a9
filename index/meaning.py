"""One search's use of meaning: which queries it serves, the query's language, the fused ranking.

Meaning serves queries of plain words (a question, a few keywords, with words
left out by ``-word``). ``field:``, wildcards and AND/OR say the reader wants
exactly those words, so such queries stay lexical; so do quotes and brackets in a
few keywords. In a question they are prose ("What is a "digital twin"?",
"Who runs the ASL (sign language) desk?") and meaning serves it too.

A question is weighed differently from keywords: a multilingual encoder is
trained on questions and the passages that answer them, while a few keywords
name a topic, which the lexical ranking and the thesaurus find better
(index.fusion).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as wq

from index.dense import DENSE_LIMIT, DenseHits, dense_search, min_cosine
from index.embedding import Embedder
from index.facets import facet_sets, matching_docs
from index.fusion import FusionPolicy, fuse
from index.scoring import priors, rank
from index.schema import text_field
from index.searchers import shared
from index.terms import document_frequency
from kb.language import script_guesses
from kb.scripts import text_scripts

FIELD_OR_OPERATOR = re.compile(r"\*|\b(?:AND|OR|ANDNOT|ANDMAYBE)\b|\w:\S|[\[\]{}^~]")
EXACT_SYNTAX = re.compile(r'["()]')  # exact in keywords, prose in a question
NEGATED = re.compile(r"(?:(?<=\s)|^)(?:-\S+|NOT\s+\S+)")
WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
# A question: it ends with a question mark (Greek writes ";"), opens with "¿", or starts with a question
# word of the UI's languages (typed without the mark: "wie heeft een digitaal loket"), or is a sentence.
QUESTION_END = re.compile(r"[?？;;]\W*$")
QUESTION_WORDS = frozenset("""
    who whom whose what which where when why how does do did is are can could should which
    wie wat welk welke waar wanneer waarom hoe hoeveel heeft hebben kan kunnen is zijn bestaat
    qui que quoi quel quelle quels quelles où quand pourquoi comment combien est-ce existe-t-il y-a-t-il
    wer wen wem was welche welcher welches wo wann warum wie wieviel wieviele gibt hat haben kann können
    """.split())
QUESTION_LENGTH = 8  # words: a query this long is a sentence, asked or not
LEXICAL_DEPTH = 100  # the lexical ranking's head that is fused with the dense hits
READER_PRIOR = 4.0  # the reader's language is this much likelier a priori than another
UNSEEN = 0.1  # the pages counted for a word that none of a language's pages use (additive smoothing)
SENTENCE_LETTERS = 25  # a query this long is told apart among all languages (langdetect: 98.5% on sentences)
SURE_QUERY_LANGUAGE = 0.7  # the detector's share for its best language that makes it the query's


def is_question(text: str) -> bool:
    text = (text or "").strip()
    words = WORD.findall(text)
    return bool(words) and (bool(QUESTION_END.search(text)) or text.startswith("¿") or
                            words[0].lower() in QUESTION_WORDS or len(words) >= QUESTION_LENGTH)


def meaning_query(text: str) -> str | None:
    """The words to search by meaning, or None when the query is not plain words."""
    text = (text or "").strip()
    if not text:
        return None
    bare = text.replace("?", " ")
    if FIELD_OR_OPERATOR.search(bare) or (EXACT_SYNTAX.search(bare) and not is_question(text)):
        return None
    words = " ".join(WORD.findall(NEGATED.sub(" ", text)))
    return words or None


def language_sizes(searcher) -> dict[str, int]:
    """Each language of the index (but "und") and its number of pages, counted once per reader."""

    def count(s) -> dict[str, int]:
        per_language = facet_sets(s).values.get("lang", {})
        return {lang: docs.bit_count() for lang, docs in sorted(per_language.items()) if lang != "und" and docs}

    return shared(searcher, "meaning-language-sizes", count)


def vocabulary_language(searcher, words: str, reader_lang: str | None) -> str | None:
    """The index language whose pages use the query's words most, as a naive Bayes classifier over
    document frequencies: each word known to the index votes by the share of a language's pages
    holding it in their title or text (a stopword of the language, "van", "der", "les", is on every
    page), and the reader's language gets a prior. A detector of letter n-grams cannot tell three words apart ("citizens
    measure air quality" reads as French to langdetect, at 0.99999); the pages can. None when most
    of the words are on no page (a query in a language the index does not hold)."""
    schema = searcher.schema
    tokens = [token.text for token in schema["words"].analyzer(words)]
    # only languages with fields of their own: the neutral fields mix every other language
    sizes = {lang: size for lang, size in language_sizes(searcher).items()
             if text_field("body", lang) != "body" and text_field("body", lang) in schema}
    langs = list(sizes)
    table: dict[str, list[int]] = {}
    for lang in langs:
        analyzer = schema[text_field("body", lang)].analyzer
        table[lang] = [max((document_frequency(searcher, text_field(part, lang), term.text)
                            for term in analyzer(token) for part in ("title", "body")), default=sizes[lang])
                       for token in tokens]
    known = [i for i in range(len(tokens)) if any(table[lang][i] for lang in langs)]
    if not known or len(known) * 2 < len(tokens):
        return None
    best, best_score = None, -math.inf
    for lang in langs:
        score = sum(math.log((min(table[lang][i], sizes[lang]) + UNSEEN) / (sizes[lang] + 1.0)) for i in known)
        score += math.log(READER_PRIOR) if lang == reader_lang else 0.0
        if score > best_score:
            best, best_score = lang, score
    return best


def query_language(searcher, text: str, reader_lang: str | None) -> str | None:
    """The query's language: told by the pages that use its words (vocabulary_language); else, for a
    sentence in a language the index does not hold (a Spanish question over Greek pages), by the
    detector; else the reader's language; else None (unknown)."""
    words = meaning_query(text) or " ".join(WORD.findall(text or ""))
    found = vocabulary_language(searcher, words, reader_lang)
    if found:
        return found
    if sum(ch.isalpha() for ch in words) >= SENTENCE_LETTERS:
        guesses = script_guesses(words, text_scripts(words))
        if guesses and guesses[0][1] >= SURE_QUERY_LANGUAGE:
            return guesses[0][0]
    return reader_lang or None


@dataclass
class Meaning:
    """Search by meaning for one search: ``search`` finds the dense hits, ``prepare`` ranks the
    lexical head once and tells the query's language, ``rank`` fuses them."""

    embedder: Embedder
    generation: Path | None
    policy: FusionPolicy = field(default_factory=FusionPolicy)
    query_lang: str | None = None
    _lexical: list = field(default_factory=list, repr=False)
    _plain: dict = field(default_factory=dict, repr=False)
    _question: bool = False

    def search(self, searcher, text: str, query) -> DenseHits | None:
        """Dense hits, without those the query's ``-word``s exclude."""
        hits = dense_search(searcher, self.generation, self.embedder, text, DENSE_LIMIT)
        if hits is None or not len(hits.docnums) or not isinstance(query, wq.AndNot):
            return hits
        excluded = matching_docs(searcher, query.b, facet_sets(searcher))
        keep = [i for i, docnum in enumerate(hits.docnums.tolist()) if not excluded >> docnum & 1]
        return DenseHits(hits.docnums[keep], hits.scores[keep])

    def prepare(self, searcher, query, plain_query, candidates: int, text: str,
                reader_lang: str | None) -> str | None:
        """Rank the lexical head (``query``, and ``plain_query``: the query's own words without the
        thesaurus labels it was expanded with, or None when it was not expanded), once for the
        language guess and the fusion; return the query's language."""
        self._lexical = rank(searcher, query, candidates, LEXICAL_DEPTH, "relevance")
        plain = self._lexical if plain_query is None else rank(searcher, plain_query, candidates,
                                                                  LEXICAL_DEPTH, "relevance")
        self._plain = dict(plain)
        self._question = is_question(text)
        self.query_lang = query_language(searcher, text, reader_lang)
        return self.query_lang

    def rank(self, searcher, query, lexical_candidates: int, dense: DenseHits,
             limit: int) -> list[tuple[int, float]]:
        """The first ``limit`` of the fused ranking, then the rest of the lexical matches in their order."""
        lexical = self._lexical
        if limit > LEXICAL_DEPTH and len(lexical) == LEXICAL_DEPTH:
            lexical = rank(searcher, query, lexical_candidates, limit, "relevance")
        langs = facet_sets(searcher).by_doc("lang")
        fused = fuse(lexical, dense, min_cosine(self.embedder.name), self.query_lang,
                     lambda docnum: (langs.get(docnum) or (None,))[0], self.policy, self._plain,
                     question=self._question, prior=priors(searcher))
        if len(fused) >= limit or len(lexical) < max(LEXICAL_DEPTH, limit):
            return fused[:limit]
        shown = {docnum for docnum, _ in fused}
        floor = min((score for _, score in fused), default=0.0)
        rest = [(d, floor * 0.999) for d, _ in rank(searcher, query, lexical_candidates, limit + len(shown),
                                                     "relevance") if d not in shown]
        return (fused + rest)[:limit]
