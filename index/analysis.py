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

import stopwordsiso
from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.support.charset import accent_map

from index.compounds import LINKS, DecompoundFilter

SNOWBALL = {"nl": "dutch", "en": "english", "fr": "french", "de": "german", "es": "spanish",
            "it": "italian", "pt": "portuguese", "da": "danish", "sv": "swedish", "fi": "finnish",
            "no": "norwegian", "ro": "romanian", "hu": "hungarian", "ru": "russian"}
# One title, headings and body field each in the schema (index.schema); a page in another language
# is indexed in the neutral fields.
STEMMED_LANGUAGES = tuple(SNOWBALL)
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


# The stopwords-iso lists mix content words in with function words ("open", "system",
# "information" in English; "unique" in French; "Menschen" in German), which would
# make "open data" a search for "data". English uses the Snowball list instead;
# other languages keep the short words of their list, less a few content words.
ENGLISH_STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other ought our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves
""".split())
MAX_STOPWORD = 5
CONTENT_WORDS = {
    "de": {"offen", "neue", "neuen", "jahr", "jahre", "mann", "gott", "sache", "teil", "ende", "recht",
           "hoch", "lang", "lange", "groß", "gross", "große", "gut", "gute", "guter", "gutes", "tag", "tage",
           "tagen", "uhr", "weg", "ernst"},
    "fr": {"force", "pièce", "sujet", "essai", "début", "haut", "bas", "rare", "rares", "gens", "mot",
           "beau", "bon", "cher", "chers", "pure", "pur", "plein", "mille", "cent"},
    "nl": {"vrij", "klaar", "weg", "erg"},
    "da": {"god", "godt", "lav", "lille", "mand", "ny", "nyt", "stor", "store"},
    "sv": {"bra", "dag", "dagar", "dagen", "del", "delen", "enkel", "enkla", "fin", "god", "goda", "gott", "hög",
           "höger", "högre", "högst", "lätt", "rätt", "små", "stor", "stora", "stort", "tack"},
    "no": {"folk", "god", "lage", "lang", "makt", "navn", "part", "punkt", "rett", "sant", "slutt", "start", "tid",
           "verdi"},
    "fi": {"aika", "aikaa", "ajan", "apu", "asia", "asiaa", "asian", "asiat", "avun", "hyvä", "hyvät", "hyvää",
           "hyviä", "kukka", "oikea", "pieni", "suuri", "uusi", "uuden", "uudet", "uusia", "uutta", "vasen", "vuosi"},
    "ro": {"bine", "bună", "mare", "nou", "noua", "nouă", "timp", "vreme", "zi"},
    "hu": {"cikk", "nagy", "jó", "új", "újabb", "év", "évben", "éve", "évek", "éves", "évi", "évvel", "ezer"},
    "ru": {"белый", "вечер", "вид", "вода", "война", "глаз", "год", "года", "году", "голос", "город", "дверь",
           "дело", "день", "дом", "друг", "душа", "жена", "жизнь", "земля", "книга", "конец", "лицо", "люди",
           "мать", "место", "мир", "мира", "народ", "нога", "ночь", "окно", "отец", "плечо", "путь", "рука",
           "свет", "сила", "слово", "стол", "улица", "утро", "час", "часть", "время"},
}


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    if lang == "en":
        return ENGLISH_STOPWORDS
    if not stopwordsiso.has_lang(lang):
        return frozenset()
    words = {w.lower() for w in stopwordsiso.stopwords(lang) if len(w) <= MAX_STOPWORD}
    return frozenset(words - CONTENT_WORDS.get(lang, set()))


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
