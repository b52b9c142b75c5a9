"""Per-language analysers: tokenise, lower-case, drop stopwords, stem, fold accents.

Stemming uses nltk's Snowball stemmers (no data download); stopword lists come
from the ``stopwordsiso`` package. Stemming runs before accent folding because
the Snowball rules of French and German read accents. The neutral analyser
(no stemming, no stopwords) serves other languages, names and codes.
"""

from __future__ import annotations

from functools import lru_cache

import stopwordsiso
from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.support.charset import accent_map

SNOWBALL = {"nl": "dutch", "en": "english", "fr": "french", "de": "german", "es": "spanish",
            "it": "italian", "pt": "portuguese", "da": "danish", "sv": "swedish", "fi": "finnish",
            "no": "norwegian", "ro": "romanian", "hu": "hungarian"}
STEMMED_LANGUAGES = ("nl", "en", "fr", "de", "es", "it", "pt")
TOKEN = r"\w+(?:[-'’.]\w+)*"


class SnowballFilter(Filter):
    """Stems tokens with nltk's Snowball stemmer of one language (picklable)."""

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __call__(self, tokens):
        stem = _stemmer(self.lang)
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


@lru_cache(maxsize=None)
def _stemmer(lang: str):
    stemmer = SnowballStemmer(SNOWBALL[lang], ignore_stopwords=False)
    return lru_cache(maxsize=200_000)(stemmer.stem)


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    return frozenset(w.lower() for w in stopwordsiso.stopwords(lang)) if stopwordsiso.has_lang(lang) else frozenset()


def language_analyzer(lang: str):
    """The analyser of one language's fields."""
    return (RegexTokenizer(TOKEN) | LowercaseFilter() | StopFilter(stoplist=stopwords(lang), minsize=1)
            | SnowballFilter(lang) | CharsetFilter(accent_map))


def neutral_analyzer():
    """Lower-case and accent folding only: for other languages, names and codes."""
    return RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)


def analyze(text: str, lang: str | None) -> list[str]:
    """The index terms of ``text`` as the field of ``lang`` would store them."""
    analyzer = language_analyzer(lang) if lang in STEMMED_LANGUAGES else neutral_analyzer()
    return [t.text for t in analyzer(text)]
