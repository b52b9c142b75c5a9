"""The Whoosh schema: language fields, a neutral field, stored display fields, facets.

For each stemmed language ``xx`` there are ``title_xx`` and ``body_xx``;
documents in other languages go into the neutral ``title``/``body`` instead
(indexing a document in both would count each word twice, and cost time).
``words`` holds every title's unstemmed words for "did you mean".
Facet fields are stored and sortable.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from index.analysis import STEMMED_LANGUAGES, language_analyzer, neutral_analyzer

FACETS = ("type", "lang", "country", "municipality", "theme", "source", "year")
MULTI_VALUED = frozenset({"theme"})
TITLE_BOOST = 1.5  # title above body; higher lost ranking quality on Cranfield (2.0: -0.007 nDCG@10)


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "title": TEXT(analyzer=neutral_analyzer(), stored=True, field_boost=TITLE_BOOST),
        "body": TEXT(analyzer=neutral_analyzer(), chars=True),
        "content": STORED(),
        "description": STORED(),
        "date": DATETIME(stored=True, sortable=True),
        "updated": DATETIME(stored=True, sortable=True),
        "theme": KEYWORD(stored=True, commas=True, vector=True, lowercase=False),
        "year": ID(stored=True, sortable=True),
        "also": STORED(),
        # the unstemmed words of every title: the vocabulary of "did you mean" (one field
        # to search with one automaton; nine per-language spelling fields cost up to 0.2 s)
        "words": TEXT(analyzer=neutral_analyzer(), phrase=False),
    }
    for facet in FACETS:
        fields.setdefault(facet, ID(stored=True, sortable=True))
    for lang in STEMMED_LANGUAGES:
        analyzer = language_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, field_boost=TITLE_BOOST)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer, chars=True)  # snippets from stored positions
    return Schema(**fields)


def spelling_fields() -> list[str]:
    """The fields whose vocabulary "did you mean" draws on (unstemmed words)."""
    return ["words", "body"]


def searchable_fields() -> dict[str, float]:
    """Field -> boost for the query parser (titles above bodies)."""
    fields = {"title": TITLE_BOOST, "body": 1.0}
    for lang in STEMMED_LANGUAGES:
        fields[f"title_{lang}"] = TITLE_BOOST
        fields[f"body_{lang}"] = 1.0
    return fields
