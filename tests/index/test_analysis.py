from index.analysis import analyze


def test_dutch_plural_and_singular_share_a_stem():
    assert analyze("gemeenten", "nl") == analyze("gemeente", "nl")


def test_german_stemming_runs_before_accent_folding():
    assert analyze("Bürgerhaushalte", "de") == analyze("bürgerhaushalt", "de")
    assert all(term.isascii() for term in analyze("Bürgerbeteiligung Straße", "de"))


def test_french_stopwords_are_dropped_and_accents_folded():
    assert analyze("le guichet électronique", "fr") == analyze("guichets electroniques", "fr")


def test_neutral_analysis_lowercases_and_folds_without_stemming():
    assert analyze("Łódź Gdańsk municipalities", None) == ["lodz", "gdansk", "municipalities"]
