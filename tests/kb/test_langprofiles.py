"""The sparse profiles, and the faster reading of the text, give langdetect's own answers to the last bit."""

from __future__ import annotations

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY

from kb.langprofiles import PAIR, detector, load_other_scripts, profile_names, sparse_factory, unfold
from tests.conftest import shared_data

TEXTS = ("De gemeente biedt een digitaal loket aan waar inwoners attesten aanvragen.",
         "La ville ouvre ses données et publie chaque mois le nombre de demandes.",
         "Die Stadt betreibt ein digitales Bürgerbüro für alle Anträge.",
         "open data", "Smart Flanders: la ciudad y sus sensores, a cidade e os seus dados, la città digitale.",
         # runs of capitals, spaces, URLs, mail, Vietnamese marks, scripts langdetect folds or drops
         "The EU's GDPR and the NIS2 directive: ABC DEF ghi JKL mno, OpenData iPhone McDonald's",
         "  two  spaces   and more https://stad.be/loket?x=1 info@stad.be ende",
         "Tiếng Việt có dấu: Việt Nam, and combining marks: Vie\u0323\u0302t",
         "日本語のテキストとカタカナ、中文字符 한국어 텍스트", "Ελληνικά και русский текст, עברית")


def dense_factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)  # langdetect's own loading, its dense lists
    factory.seed = 0
    return factory


def test_sparse_profiles_give_exactly_langdetects_probabilities():
    reference = dense_factory()
    for text in TEXTS:
        ours, theirs = detector(tuple(profile_names())), reference.create()
        ours.append(text)
        theirs.append(text)
        assert [(p.lang, p.prob) for p in ours.get_probabilities()] == \
            [(p.lang, p.prob) for p in theirs.get_probabilities()]


def langid_texts() -> list[str]:
    """Sentences in every language of the langid data, and paragraphs of forty of them."""
    texts = []
    for path in sorted(shared_data("langid", "sentences").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [*lines[:10], " ".join(lines[:40])]
    return texts


def test_the_text_is_read_into_the_same_ngrams_as_langdetect_reads_it():
    reference = dense_factory()
    names = tuple(profile_names())
    for text in TEXTS + tuple(langid_texts()):
        ours, theirs = detector(names), reference.create()
        ours.append(text)
        theirs.append(text)
        assert ours.text == theirs.text
        ours.cleaning_text()
        theirs.cleaning_text()
        assert ours._extract_ngrams() == theirs._extract_ngrams(), text


def test_every_langid_language_gets_exactly_langdetects_probabilities():
    reference = dense_factory()
    names = tuple(profile_names())
    for text in langid_texts()[::3]:
        ours, theirs = detector(names), reference.create()
        ours.append(text)
        theirs.append(text)
        assert [(p.lang, p.prob) for p in ours.get_probabilities()] == \
            [(p.lang, p.prob) for p in theirs.get_probabilities()], text


def test_sparse_profiles_keep_only_the_languages_an_ngram_occurs_in():
    names = tuple(profile_names())
    sparse, dense = sparse_factory(names), dense_factory()
    load_other_scripts(sparse)
    assert sparse.langlist == dense.langlist and sparse.word_lang_prob_map.keys() == dense.word_lang_prob_map.keys()
    for word in ("de", "th", "ß", "ção"):
        assert list(unfold(sparse.word_lang_prob_map[word], len(names))) == dense.word_lang_prob_map[word]
    kept = sum(len(pairs) // PAIR.size for pairs in sparse.word_lang_prob_map.values())
    assert kept < 0.1 * len(names) * len(sparse.word_lang_prob_map)  # ~2 languages an n-gram, of 55


def test_threads_meeting_their_first_text_together_load_the_profiles_once():
    from concurrent.futures import ThreadPoolExecutor

    from kb import langprofiles

    names = tuple(sorted(profile_names())[:3])  # a set of profiles no other test loads
    langprofiles._load.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        factories = list(pool.map(lambda _: sparse_factory(names), range(4)))
    assert all(factory is factories[0] for factory in factories)
    assert langprofiles._load.cache_info().misses == 1
