"""The words of each language the analysers know: Snowball stemmers and stopword lists.

Every language nltk's Snowball stems (no data download) is a stemmed language with its own
fields (index.schema); stopwords come from the ``stopwordsiso`` package, less the content words
it mixes in. Both index.analysis (the analysers) and index.compounds (the parts of compounds)
read them here, so neither imports the other for them.
"""

from __future__ import annotations

from functools import lru_cache

import stopwordsiso
from nltk.stem.snowball import SnowballStemmer

SNOWBALL = {"nl": "dutch", "en": "english", "fr": "french", "de": "german", "es": "spanish",
            "it": "italian", "pt": "portuguese", "da": "danish", "sv": "swedish", "fi": "finnish",
            "no": "norwegian", "ro": "romanian", "hu": "hungarian", "ru": "russian"}
# One title, headings and body field each in the schema (index.schema); a page in another language
# is indexed in the neutral fields.
STEMMED_LANGUAGES = tuple(SNOWBALL)


@lru_cache(maxsize=None)
def stemmer(lang: str):
    """The Snowball stemmer of ``lang`` (one of SNOWBALL), remembering its last 200,000 words."""
    snowball = SnowballStemmer(SNOWBALL[lang], ignore_stopwords=False)
    return lru_cache(maxsize=200_000)(snowball.stem)


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
