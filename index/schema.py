"""The Whoosh schema: language fields, a neutral field, stored display fields, facets.

For each stemmed language ``xx`` there are ``title_xx``, ``headings_xx`` and
``body_xx``; documents in other languages go into the neutral ``title``,
``headings`` and ``body`` instead (indexing a document in both would count each
word twice, and cost time). Ranking is BM25F over these fields with boosts
title > headings > body: a page whose section heading names the query is more
about it than one mentioning it in passing.
``words`` holds every title's unstemmed words for "did you mean".
Facet fields are stored and sortable.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from index.analysis import STEMMED_LANGUAGES, language_analyzer, neutral_analyzer

FACETS = ("type", "lang", "country", "municipality", "theme", "source", "year", "population", "org_kind")
TITLE_BOOST = 1.5  # title above body; higher lost ranking quality on Cranfield (2.0: -0.007 nDCG@10)
# The h1-h3 headings (document.meta["headings"]) weigh between title and body. Midway, as the
# gates cannot tune it: Cranfield has no headings, and the demo pages' headings other than their
# title are boilerplate ("Key facts"), so any boost from 1.0 to 1.5 gives the same figures there.
HEADINGS_BOOST = 1.25


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "title": TEXT(analyzer=neutral_analyzer(), stored=True, field_boost=TITLE_BOOST),
        "headings": TEXT(analyzer=neutral_analyzer(), field_boost=HEADINGS_BOOST),
        "body": TEXT(analyzer=neutral_analyzer(), chars=True),
        "content": STORED(),
        "description": STORED(),
        "date": DATETIME(stored=True, sortable=True),
        "updated": DATETIME(stored=True, sortable=True),
        "theme": KEYWORD(stored=True, commas=True, vector=True, lowercase=False),
        "year": ID(stored=True, sortable=True),
        "also": STORED(),
        # the addresses of the page's language versions and duplicates, its own among them (index.versions)
        "versions": KEYWORD(lowercase=False, scorable=False),
        # the unstemmed words of every title: the vocabulary of "did you mean" (one field
        # to search with one automaton; nine per-language spelling fields cost up to 0.2 s)
        "words": TEXT(analyzer=neutral_analyzer(), phrase=False),
        # how much the page is a hub, a listing of teasers of other pages, in percent (index.records)
        "hub": NUMERIC(numtype=int, bits=32, signed=False, sortable=True, default=0),
    }
    for facet in FACETS:
        fields.setdefault(facet, ID(stored=True, sortable=True))
    for lang in STEMMED_LANGUAGES:
        analyzer = language_analyzer(lang)
        fields[text_field("title", lang)] = TEXT(analyzer=analyzer, field_boost=TITLE_BOOST)
        fields[text_field("headings", lang)] = TEXT(analyzer=analyzer, field_boost=HEADINGS_BOOST)
        fields[text_field("body", lang)] = TEXT(analyzer=analyzer, chars=True)  # snippets from stored positions
    return Schema(**fields)


def text_field(part: str, lang: str | None) -> str:
    """The field holding the ``part`` ("title", "headings" or "body") of a document in ``lang``:
    ``body_nl`` for a stemmed language, the neutral ``body`` for any other. The one place that
    names the language fields."""
    return f"{part}_{lang}" if lang in STEMMED_LANGUAGES else part


def spelling_fields() -> list[str]:
    """The fields whose vocabulary "did you mean" draws on (unstemmed words)."""
    return ["words", "body"]


def language_fields(lang: str | None) -> tuple[tuple[str, float], ...]:
    """(field, boost) of the text fields a document in ``lang`` is indexed in, title first."""
    return ((text_field("title", lang), TITLE_BOOST), (text_field("headings", lang), HEADINGS_BOOST),
            (text_field("body", lang), 1.0))


def searchable_fields() -> dict[str, float]:
    """Field -> boost for the query parser (title > headings > body), every language."""
    fields = dict(language_fields(None))
    for lang in STEMMED_LANGUAGES:
        fields.update(language_fields(lang))
    return fields
