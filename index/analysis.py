"""Per-language analysers: tokenise, lower-case, drop stopwords, stem, fold accents.

Every language nltk's Snowball stems (no data download) has its own analyser and
fields: Dutch, English, French, German, Spanish, Italian, Portuguese, Danish,
Swedish, Norwegian, Finnish, Romanian, Hungarian and Russian. Stopword lists come
from the ``stopwordsiso`` package. Stemming runs before accent folding because
the Snowball rules of French and German read accents. Dutch and German
fields also index the parts of compounds (``index.compounds``). The neutral analyser
(no stemming, no stopwords) serves the other languages (Czech, Polish, Greek,
Bulgarian...), names and codes: a stemmer nobody maintains would do more harm.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.support.charset import accent_map

from index.compounds import LINKS, DecompoundFilter
from index.words import STEMMED_LANGUAGES, stemmer, stopwords

TOKEN = r"\w+(?:[-'’.]\w+)*"


class SnowballFilter(Filter):
    """Stems tokens with nltk's Snowball stemmer of one language (picklable)."""

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __call__(self, tokens):
        stem = stemmer(self.lang)
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


def language_analyzer(lang: str):
    """The analyser of one language's fields; Dutch and German also index compound parts."""
    chain = RegexTokenizer(TOKEN) | LowercaseFilter() | StopFilter(stoplist=stopwords(lang), minsize=1)
    if lang in LINKS:
        chain = chain | DecompoundFilter(lang)  # after the stop filter: its renumbering would shift the parts
    return chain | SnowballFilter(lang) | CharsetFilter(accent_map)


def neutral_analyzer():
    """Lower-case and accent folding only: for other languages, names and codes."""
    return RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)


@lru_cache(maxsize=None)
def analyzer_for(lang: str | None):
    return language_analyzer(lang) if lang in STEMMED_LANGUAGES else neutral_analyzer()


def analyze(text: str, lang: str | None, keep_stopwords: bool = False) -> list[str]:
    """The index terms of ``text`` as the field of ``lang`` would store them.

    With ``keep_stopwords`` the stopwords stay in place (unstemmed), so that
    "Mijn Gemeente" is not mistaken for "gemeente" when matching labels."""
    return [t.text for t in analyzer_for(lang)(text, removestops=not keep_stopwords)]
