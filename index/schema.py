"""The Whoosh schema: language fields, a neutral field, stored display fields, facets.

For each stemmed language ``xx`` there are ``title_xx`` and ``body_xx``; every
document also goes into the neutral ``title``/``body``. Facet fields are
stored and sortable so facet counts come from column caches.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from index.analysis import STEMMED_LANGUAGES, language_analyzer, neutral_analyzer

FACETS = ("type", "lang", "country", "municipality", "theme", "source", "year")
MULTI_VALUED = frozenset({"theme"})
TITLE_BOOST = 3.0


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "title": TEXT(analyzer=neutral_analyzer(), stored=True, field_boost=TITLE_BOOST),
        "body": TEXT(analyzer=neutral_analyzer()),
        "content": STORED(),
        "description": STORED(),
        "date": DATETIME(stored=True, sortable=True),
        "updated": DATETIME(stored=True, sortable=True),
        "theme": KEYWORD(stored=True, commas=True, vector=True, lowercase=False),
        "year": ID(stored=True, sortable=True),
        "also": STORED(),
    }
    for facet in FACETS:
        fields.setdefault(facet, ID(stored=True, sortable=True))
    for lang in STEMMED_LANGUAGES:
        analyzer = language_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, field_boost=TITLE_BOOST)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer)
    return Schema(**fields)


def searchable_fields() -> dict[str, float]:
    """Field -> boost for the query parser (titles above bodies)."""
    fields = {"title": TITLE_BOOST, "body": 1.0}
    for lang in STEMMED_LANGUAGES:
        fields[f"title_{lang}"] = TITLE_BOOST
        fields[f"body_{lang}"] = 1.0
    return fields
