"""The sparse profiles, and the faster reading of the text, give langdetect's own answers to the last bit."""

from __future__ import annotations

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY

from kb.langprofiles import PAIR, SPARSE, detector, load_scripts, profile_names, sparse_factory, unfold
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


def test_an_ngram_of_few_languages_keeps_only_their_pairs_and_others_all_probabilities():
    names = tuple(profile_names())
    sparse, dense = sparse_factory(names), dense_factory()
    load_scripts(sparse, sparse.unread)  # every n-gram not read yet: all of langdetect's
    assert sparse.langlist == dense.langlist and sparse.word_lang_prob_map.keys() == dense.word_lang_prob_map.keys()
    for word, vector in sparse.word_lang_prob_map.items():
        if isinstance(vector, bytes):
            assert len(vector) <= SPARSE and list(unfold(vector, len(names))) == dense.word_lang_prob_map[word]
        else:
            assert sum(map(bool, vector)) > SPARSE // PAIR.size and list(vector) == dense.word_lang_prob_map[word]
    arrays = sum(not isinstance(vector, bytes) for vector in sparse.word_lang_prob_map.values())
    assert arrays < 0.07 * len(sparse.word_lang_prob_map)  # most n-grams occur in one to four languages of 55


def test_threads_meeting_their_first_text_together_load_the_profiles_once():
    from concurrent.futures import ThreadPoolExecutor

    from kb import langprofiles

    names = tuple(sorted(profile_names())[:3])  # a set of profiles no other test loads
    langprofiles._load.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        factories = list(pool.map(lambda _: sparse_factory(names), range(4)))
    assert all(factory is factories[0] for factory in factories)
    assert langprofiles._load.cache_info().misses == 1


def test_ngrams_of_other_scripts_are_read_on_the_first_text_holding_their_characters():
    from kb import langprofiles

    reference = dense_factory()
    names = tuple(profile_names())
    langprofiles._load.cache_clear()
    factory = sparse_factory(names)
    assert max(map(max, factory.word_lang_prob_map)) < "\u0300"  # Latin letters only, to begin with
    latin = [text for text in langid_texts()[::7] if not langprofiles.NON_LATIN.search(text)]
    greek = "Ο δήμος ανοίγει ένα ψηφιακό γραφείο για τους κατοίκους της πόλης."
    for text in [*latin, greek, TEXTS[-2]]:
        ours, theirs = detector(names), reference.create()
        ours.append(text)
        theirs.append(text)
        assert [(p.lang, p.prob) for p in ours.get_probabilities()] == \
            [(p.lang, p.prob) for p in theirs.get_probabilities()], text
        if text in latin:
            assert factory.other_scripts is not None and "δή" not in factory.word_lang_prob_map
        if text == greek:
            assert "δή" in factory.word_lang_prob_map and "日本" not in factory.word_lang_prob_map
    assert "日本" in factory.word_lang_prob_map and len(latin) > 20
    load_scripts(factory, factory.unread)
    assert factory.other_scripts is None and factory.word_lang_prob_map.keys() == reference.word_lang_prob_map.keys()


def test_one_ngram_updates_the_probabilities_as_langdetects_own_update_does():
    reference = dense_factory()
    ours, theirs = detector(tuple(profile_names())), reference.create()
    mine, langdetects = [1.0 / 55] * 55, [1.0 / 55] * 55
    for gram in ("e", "de", "ß", "ção", "δή", "xyz\u0300"):  # many languages, few, one, none
        assert ours._update_lang_prob(mine, gram, 0.53) == theirs._update_lang_prob(langdetects, gram, 0.53)
        assert mine == langdetects
