"""Searching: parse the user's query, run it with filters, count facets, highlight.

A malformed query (unbalanced quotes or brackets, a dangling AND) never fails:
the response names the problem by code (index.problems) and the query is
searched as plain words. So does a query that would cost seconds of CPU for
nothing a reader means (a wildcard with fewer than two letters before it, a
range over words). Ranking, in every order, is index.scoring's; the "did you
mean" of a query that finds nothing is index.spelling's.
Snippets are HTML-escaped before matches are marked, so markup in a document
can never run in the page.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, OrGroup, PhrasePlugin
from whoosh.searching import Searcher

from index import bitmaps
from index.concepts import default_labels
from index.cost import affordable
from index.expansion import expansion_queries
from index.embedding import Embedder
from index.errors import SearchError
from index.facets import allowed_docs, facet_counts, facet_sets, matching_docs
from index.location import current_generation
from index.meaning import Meaning, meaning_query
from index.problems import (COSTLY_WILDCARDS, QUERY_PROBLEMS, RANGE, UNPARSABLE, UNREADABLE_DATES,
                            Problem, Reading, message, plain_words, syntax_problems)
from index.scoring import rank
from index.searchers import searcher_for
from index.snippets import snippets
from index.spelling import suggest
from index.terms import document_frequency
from index.versions import collapse, count_groups
from index.schema import FACETS, searchable_fields

log = logging.getLogger(__name__)

MAX_QUERY = 500
EXPANDING = re.compile(r"\w[*?]|[*?]\w")
# each wildcard is parsed into 48 field queries before any is counted: 100 of them cost a second
# to parse alone, so past this many the budget is spent without asking the index
MAX_WILDCARDS = 10
# Parsed queries remembered per process, the least recently asked forgotten first. One parse holds
# ~50 KB of Whoosh query objects (sixteen language fields, the thesaurus labels): 2,048 of them were
# ~100 MB of a serving worker, measured with tracemalloc under bench/load.py's query mix. A reader
# clicking facets and turning pages asks the same few queries again. A query takes two or three
# entries that share their objects (Whoosh's parse, and the query with and without the thesaurus,
# built on it), so 512 entries keep some 200 queries in about the memory 256 whole parses took.
PARSES_KEPT = 512
_PARSES: OrderedDict[tuple, tuple] = OrderedDict()
_PARSES_LOCK = threading.Lock()
MAX_PER_PAGE = 100
SORTS = ("relevance", "date")
# "-word" / -"a phrase" / -(a b) at the start of a word, as search engines read it: NOT. A hyphen inside a
# word (e-government, smart-city) or between spaces (2019 - 2024) is no operator.
MINUS = re.compile(r'(?<![^\s(])-(?=[\w"(])')
# A hyphenated word outside quotes and field names ("smart-city"): the index holds it as one word where
# a page hyphenates it, as two where a page writes "smart city"; searched as either.
MIN_PART = 3  # shorter parts are prefixes or letters (e-, co-, 5G-): the hyphenated word stays as it is
HYPHENATED = re.compile(r'(?<![\w:"*?-])(\w+(?:-\w+)+)(?![\w:*?-])')
# A "?" that ends a word ("Welche Städte haben ein digitales Bürgerbüro?", "e-loket? gent") is the
# question's punctuation, not a one-letter wildcard: read as one, the word lost its stemming and its BM25
# score. A "?" inside a word ("organi?ation") stays a wildcard, as does "*" anywhere.
QUESTION_MARK = re.compile(r"(?<=[\w\"')\]])[?？]+(?=[\s\"')\]]|$)")
NEGATED_WORDS = re.compile(r"\b(?:NOT|ANDNOT)\s+(?:\"[^\"]*\"|\([^)]*\)|\S+)")


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    expand: bool = True  # also search the thesaurus labels, in every language, of concepts the query names
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    date_to: str | None = None
    recency: bool = False  # among equally relevant hits, newer first
    facets: tuple[str, ...] | None = None  # the facets to count; None counts all of index.schema.FACETS
    meaning: bool = True  # also find documents close in meaning (any language), where vectors exist
    reader_lang: str | None = None  # the reader's (UI) language: the query's language when it cannot be told
    collapse: bool = True  # language versions of one page are one hit (index.versions)


@dataclass
class SearchResponse:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[dict]
    facets: dict[str, dict[str, int]]
    problems: list[Problem] = field(default_factory=list)  # index.problems: codes a caller translates
    searched_words: str | None = None  # the plain words searched when the query could not be read as written
    suggestion: str | None = None
    meaning: str = "off"  # "on": dense hits were fused in; "off": asked not to, or not a plain-words query;
    # "unavailable": no model or no vectors (lexical only)
    query_lang: str | None = None
    documents: int | None = None  # the matching documents (language versions counted apart), when collapsed

    @property
    def message(self) -> str | None:
        """The problems in English (index.problems.message)."""
        return message(self.problems, self.searched_words)

    def to_json(self) -> dict:
        # not dataclasses.asdict: its deep copy of every hit and facet cost ~1 ms per search
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["problems"] = [problem.to_json() for problem in self.problems]
        data["message"] = self.message
        return data


def _wildcards(text: str) -> int:
    return sum(1 for word in QUESTION_MARK.sub("", text).split() if EXPANDING.search(word))


def expands(text: str) -> bool:
    """Whether a query asks for words by pattern (a wildcard, a range): the requests the server rate-limits."""
    text = QUESTION_MARK.sub("", text)
    return bool(EXPANDING.search(text) or RANGE.search(text))


def _parser(schema):
    boosts = searchable_fields()
    parser = MultifieldParser(list(boosts), schema, fieldboosts=boosts, group=OrGroup)
    parser.add_plugin(PhrasePlugin())
    return parser


def _split_negations(query):
    """(positive part, negated part or None): in an OR query Whoosh would let ``NOT x``
    match every page without x, so the negated clauses are lifted out as ANDNOT."""
    if isinstance(query, wq.Or):
        negated = [q.query for q in query.subqueries if isinstance(q, wq.Not)]
        if negated:
            positive = [q for q in query.subqueries if not isinstance(q, wq.Not)]
            return (wq.Or(positive) if positive else wq.Every()), wq.Or(negated)
    if isinstance(query, wq.Not):
        return wq.Every(), query.query
    return query, None


def parse_query(schema, text: str, expand: bool = False, searcher: Searcher | None = None):
    """(query, reading): the parsed query, and when it was read as plain words a ``Reading``
    of why (index.problems) and the words searched; None when it was read as written.

    With ``expand`` the query also searches the labels of the thesaurus concepts
    it names; the parts of Dutch and German compounds are always added. Given the
    ``searcher`` it will run on, a query whose wildcards expand past the budget of
    ``index.cost``, or holding more than MAX_WILDCARDS of them, is searched as plain
    words.

    Parsing a query for sixteen language fields took a third of a search's time; the
    same query comes back with every facet clicked and every page turned, so the
    parses are remembered (per set of field names; nothing here mutates a query).
    """
    text = text.strip()[:MAX_QUERY]
    if searcher is not None and (_wildcards(text) > MAX_WILDCARDS
                                 or not affordable(searcher, _remembered(schema, text, expand)[0], (text, expand))):
        words = plain_words(text)
        return _remembered(schema, words, expand)[0], Reading((Problem(COSTLY_WILDCARDS),), words)
    return _remembered(schema, text, expand)


def _remembered(schema, text: str, expand: bool | None):
    """The parse of ``text`` (``expand`` None: Whoosh's parse alone, which the others are built on)."""
    key = (tuple(schema.names()), text, expand)
    with _PARSES_LOCK:
        parsed = _PARSES.get(key)
        if parsed is not None:
            _PARSES.move_to_end(key)
            return parsed
    parsed = _words_parsed(schema, text) if expand is None else _parse(schema, text, expand)
    with _PARSES_LOCK:
        _PARSES[key] = parsed
        while len(_PARSES) > PARSES_KEPT:
            _PARSES.popitem(last=False)
    return parsed


def _either(found: re.Match) -> str:
    word = found.group(1)
    if any(len(part) < MIN_PART for part in word.split("-")):
        return word  # "e-government": a phrase with "e" (a stopword in some languages) is just "government"
    return f'({word} OR "{word.replace("-", " ")}")'


def _either_spelling(text: str) -> str:
    """Each hyphenated word outside quotes as (the word OR "its parts as a phrase")."""
    parts = text.split('"')
    parts[::2] = [HYPHENATED.sub(_either, part) for part in parts[::2]]
    return '"'.join(parts)


def _parse(schema, text: str, expand: bool):
    """The query with its compound parts, and with ``expand`` the thesaurus concepts it names. Both
    are built on one remembered Whoosh parse (``_words_parsed``): a search by meaning asks for the
    query with and without the concepts, and the parse over sixteen fields is most of either's cost."""
    parsed = _remembered(schema, text, None)
    if len(parsed) == 2:  # every page, or nothing left to parse
        return parsed
    positive, negated, reading, wanted = parsed
    extra = expansion_queries(default_labels() if expand else None, plain_words(wanted), concepts=expand)
    if extra:
        positive = wq.Or([positive, *extra])
    return (wq.AndNot(positive, negated) if negated is not None else positive), reading


def _words_parsed(schema, text: str):
    """(positive part, negated part or None, Reading or None, the words wanted) of the query as
    Whoosh parses it; or (query, reading) when it matches every page."""
    if not text.replace("*", "").strip():
        # every page: Whoosh's "*" asks each of the sixteen fields for every term's postings (7 s at 50k)
        return wq.Every(), None
    text = MINUS.sub("NOT ", QUESTION_MARK.sub("", text))
    problems = syntax_problems(text)
    reading = None
    if problems:
        text = plain_words(text)
        reading = Reading(tuple(problems), text)
    if not text:
        return wq.Every(), reading
    try:
        parsed = _parser(schema).parse(_either_spelling(text))
    except Exception:  # Whoosh's parser fails on a few shapes ("title: NOT AND title:"): words it is
        text = plain_words(text)
        reading = Reading((Problem(UNPARSABLE),), text)
        if not text:
            return wq.Every(), reading
        parsed = _parser(schema).parse(_either_spelling(text))
    positive, negated = _split_negations(parsed)
    return positive, negated, reading, NEGATED_WORDS.sub(" ", text)


def _hit(score: float, fields: dict, snippet: str) -> dict:
    return {
        "id": fields["id"], "url": fields["url"], "title": fields.get("title", ""),
        "lang": fields.get("lang", "und"), "type": fields.get("type", "document"), "score": round(score, 4),
        "snippet": snippet, "source": fields.get("source"), "country": fields.get("country"),
        "municipality": fields.get("municipality"), "year": fields.get("year"),
        "themes": [t for t in (fields.get("theme") or "").split(",") if t and t != "_none"],
        "date": fields["date"].date().isoformat() if fields.get("date") else None,
        "also_at": fields.get("also") or [],
    }


def _hits(searcher, page: list[tuple[int, float]], query) -> list[dict]:
    """The page's hits, (document number, score) each, with their snippets (built together:
    each term's postings read once)."""
    stored = [searcher.stored_fields(docnum) for docnum, _ in page]
    texts = snippets(searcher, [(docnum, fields.get("content", ""), fields.get("lang", "und"))
                                for (docnum, _), fields in zip(page, stored)], query)
    return [_hit(score, fields, text) for (_, score), fields, text in zip(page, stored, texts)]


def prune(query, searcher):
    """``query`` without the terms and phrases the index does not hold (each word is asked of
    sixteen language fields, most of which never saw it), so the matcher tree stays small."""
    def held(field_name: str, text) -> bool:
        return document_frequency(searcher, field_name, text) > 0

    def walk(q):
        if isinstance(q, wq.Term):
            return q if held(q.fieldname, q.text) else wq.NullQuery
        if isinstance(q, wq.Phrase):
            return q if all(held(q.fieldname, w) for w in q.words) else wq.NullQuery
        if isinstance(q, (wq.Or, wq.DisjunctionMax, wq.And)):
            subs = [walk(sub) for sub in q.subqueries]
            kept = [sub for sub in subs if sub is not wq.NullQuery]
            if not kept or (isinstance(q, wq.And) and len(kept) < len(subs)):
                return wq.NullQuery
            pruned = copy.copy(q)
            pruned.subqueries = kept
            return pruned
        return q

    return walk(query)


def run_search(searcher: Searcher, request: SearchRequest, meaning: Meaning | None = None) -> SearchResponse:
    """Run one search on an open searcher; with ``meaning`` (an embedder and the generation's
    vectors), documents close in meaning are found and ranked beside the lexical matches."""
    query, reading = parse_query(searcher.schema, request.q, expand=request.expand, searcher=searcher)
    problems = list(reading.problems) if reading else []
    filters = {k: v for k, v in request.filters.items() if k in FACETS and v}
    dates, date_problem = date_range(request.date_from, request.date_to)
    if date_problem:
        problems.append(date_problem)
    page = max(1, request.page)
    per_page = max(1, min(MAX_PER_PAGE, request.per_page))
    sets = facet_sets(searcher)
    date_docs = None if dates is None else bitmaps.from_ids(searcher.docs_for_query(dates))
    allowed = allowed_docs(sets, filters, date_docs)
    # One pass collects the matching documents for the total and the facet counts;
    # asking Whoosh for the total would run the query a second time.
    lexical_matched = matching_docs(searcher, query, sets)
    dense, state, query_lang = None, "off", None
    pruned = prune(query, searcher)
    if request.meaning and meaning_query(request.q) is not None:
        state = "unavailable"
        if meaning is not None:
            dense = meaning.search(searcher, meaning_query(request.q), query)
            state = "on" if dense is not None else "unavailable"
    matched = lexical_matched | (dense.bitmap() if dense is not None else 0)
    if dense is not None:
        lexical_allowed = lexical_matched if allowed is None else lexical_matched & allowed
        # the query's own words without the thesaurus labels: built on the same Whoosh parse
        plain = prune(parse_query(searcher.schema, request.q, expand=False, searcher=searcher)[0],
                      searcher) if request.expand else None
        plain = None if plain == pruned else plain  # the thesaurus named no concept: one ranking serves
        query_lang = meaning.prepare(searcher, pruned, plain, lexical_allowed, request.q, request.reader_lang)
        dense = dense.within(allowed)
    candidates = matched if allowed is None else matched & allowed
    documents = candidates.bit_count()
    total = count_groups(searcher, candidates) if request.collapse else documents
    hits = []
    offset = (page - 1) * per_page
    if offset < total:
        # every order ranks with numpy over whole posting lists (index.scoring)
        order = "date" if request.sort == "date" else "recency" if request.recency else "relevance"

        def ranked(limit: int) -> list[tuple[int, float]]:
            if dense is not None and order == "relevance":
                lexical = lexical_matched if allowed is None else lexical_matched & allowed
                return meaning.rank(searcher, pruned, lexical, dense, limit)
            return rank(searcher, pruned, candidates, limit, order)

        if request.collapse:
            preferred = [lang for lang in (query_lang, request.reader_lang) if lang]
            entries = _collapsed(searcher, ranked, candidates, preferred, offset + per_page, documents)
            hits = _hits(searcher, [(e["docnum"], e["score"]) for e in entries[offset:]], query)
            for hit, entry in zip(hits, entries[offset:]):
                hit["versions"] = _versions(searcher, entry["others"])
        else:
            hits = _hits(searcher, ranked(offset + per_page)[offset:], query)
    suggestion = suggest(searcher, request.q) if total == 0 and request.q.strip() else None
    names = tuple(n for n in (request.facets or FACETS) if n in FACETS)
    facets = facet_counts(searcher, query, filters, names, restrict_docs=date_docs, matched=matched)
    return SearchResponse(request.q, total, page, per_page, hits, facets, problems=problems,
                          searched_words=reading.words if reading else None, suggestion=suggestion, meaning=state,
                          query_lang=query_lang, documents=documents if request.collapse else None)


def _collapsed(searcher, ranked, candidates: int, preferred: list[str], wanted: int, available: int) -> list[dict]:
    """The first ``wanted`` hits with language versions collapsed: the ranking is read deeper until
    it holds that many pages or every candidate."""
    depth = wanted * 2 + 10
    while True:
        entries = collapse(searcher, ranked(depth), candidates, preferred)
        if len(entries) >= wanted or depth >= available:
            return entries[:wanted]
        depth *= 4


def _versions(searcher, docnums: list[int]) -> list[dict]:
    """The other language versions of a hit: id, language, address, title."""
    out = []
    for docnum in docnums[:12]:
        fields = searcher.stored_fields(docnum)
        out.append({"id": fields["id"], "lang": fields.get("lang", "und"), "url": fields["url"],
                    "title": fields.get("title", "")})
    return sorted(out, key=lambda v: v["lang"])


def _day(text: str | None, end: bool) -> datetime | None:
    """The first (or last) moment of YYYY, YYYY-MM or YYYY-MM-DD; ValueError when unreadable."""
    if not text or not text.strip():
        return None
    parts = [int(p) for p in text.strip().split("-")]
    if not 1 <= len(parts) <= 3 or not 1 <= parts[0] <= 9999:
        raise ValueError(text)
    year, month, day = (parts + [None, None])[:3]
    if not end:
        return datetime(year, month or 1, day or 1)
    if day:
        return datetime(year, month, day, 23, 59, 59)
    if month:
        return datetime(year + month // 12, month % 12 + 1, 1) - timedelta(seconds=1)
    return datetime(year, 12, 31, 23, 59, 59)


def date_range(date_from: str | None, date_to: str | None):
    """(filter on the date field or None, a Problem when a bound could not be read)."""
    try:
        start, end = _day(date_from, end=False), _day(date_to, end=True)
    except ValueError:
        return None, Problem(UNREADABLE_DATES, {"date_from": date_from or "", "date_to": date_to or ""})
    if start is None and end is None:
        return None, None
    return wq.DateRange("date", start, end), None


def search(index_dir: Path, request: SearchRequest, embedder: Embedder | None = None) -> SearchResponse:
    """Run one search on this thread's warm searcher of the serving index; with ``embedder``,
    by meaning too where the serving generation has its vectors.

    ``run_search`` repairs bad syntax itself; should a query still fail in some library's
    hands, it is searched once more as its plain words (the failure logged, the response
    naming the problem), so what a person types never becomes an error. IndexMissing and
    the other SearchErrors are raised."""
    searcher = searcher_for(index_dir)
    meaning = Meaning(embedder, current_generation(Path(index_dir))) if embedder is not None else None
    try:
        return run_search(searcher, request, meaning)
    except SearchError:
        raise
    except Exception:
        words = plain_words(request.q)
        if words == request.q:
            raise
        log.exception("search failed for %r; searching the plain words instead", request.q)
    response = run_search(searcher, replace(request, q=words), meaning)
    response.query, response.searched_words = request.q, words
    response.problems = [Problem(UNPARSABLE)] + [p for p in response.problems if p.code not in QUERY_PROBLEMS]
    return response
