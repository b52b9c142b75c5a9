"""The sample of a text that langdetect reads: spread over the text, not its start."""

from __future__ import annotations

from kb.language import LANGUAGE_SAMPLE, detect_language, language_sample

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
