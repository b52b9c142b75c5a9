"""Language of a text: the sample langdetect reads, script first, the declaration only for short texts."""

from __future__ import annotations

from kb.language import LANGUAGE_SAMPLE, LOW_CONFIDENCE, Detected, detect_language, language_sample

FRENCH = "La commune ouvre un guichet numérique où les habitants demandent leurs attestations en ligne. "
DUTCH = "De gemeente opent een digitaal loket waar inwoners hun attesten online aanvragen. "


def test_a_short_text_is_read_whole():
    assert language_sample(FRENCH * 3) == FRENCH * 3


def test_a_long_text_is_sampled_evenly_so_its_main_language_keeps_its_share():
    text = DUTCH * 20 + FRENCH * 60 + DUTCH * 20  # an article in French between Dutch chrome
    sample = language_sample(text)
    assert len(sample) <= LANGUAGE_SAMPLE + 3
    assert sample.startswith(DUTCH) and sample.count("guichet") >= 8 and " \n" not in sample
    assert detect_language(sample, "nl").lang == detect_language(text, "nl").lang == "fr"


BULGARIAN = "Общината отваря цифрово гише, където жителите подават заявления за удостоверения онлайн."
DANISH = "Kommunen åbner en digital borgerservice, hvor borgerne kan søge om attester online."
CZECH = "Obec otevírá digitální přepážku, kde obyvatelé žádají o potvrzení online."


def test_a_text_in_cyrillic_never_gets_a_declared_language_written_in_latin_letters():
    assert detect_language(BULGARIAN, "nl").lang == "bg"
    short = detect_language("Цифрово гише", "nl")  # too short to judge, and nl is denied: a guess in Cyrillic
    assert short.lang in {"bg", "mk", "ru", "uk"} and short.confidence <= LOW_CONFIDENCE


def test_a_judgeable_text_gets_the_language_it_is_written_in_over_the_declared_one():
    assert detect_language(DANISH, "en").lang == "da"
    assert detect_language(CZECH, "en", languages=("nl", "en", "fr", "de")).lang == "cs"


def test_a_text_too_short_to_judge_gets_its_declared_language_with_low_confidence():
    assert detect_language("Digitaal loket", "nl-BE") == Detected("nl", LOW_CONFIDENCE)
    assert detect_language("Digitalt loket", "nb") == Detected("no", LOW_CONFIDENCE)


def test_a_short_text_declaring_nothing_gets_a_low_confidence_guess_or_none():
    guess = detect_language("Het loket van de stad")
    assert guess.lang == "nl" and guess.confidence <= LOW_CONFIDENCE
    assert detect_language("ok") == Detected(None, 0.0)


def test_a_declared_language_the_detector_does_not_know_stays_unless_the_detector_is_sure():
    armenian = "Հայաստանի Հանրապետության կառավարությունը հաստատել է նոր ծրագիրը"
    assert detect_language(armenian, "hy") == Detected("hy", LOW_CONFIDENCE)  # no profile writes Armenian
    assert detect_language(armenian, "ru") == Detected(None, 0.0)  # nor is it Russian
    assert detect_language(DANISH, "ga").lang == "da"  # sure of Danish: an Irish claim does not stand


def test_a_chinese_sentence_of_few_characters_is_judged():
    assert detect_language("传统中医治高血压必须辨证论治。", "cs").lang == "zh"
