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


def test_every_snowball_language_is_stemmed_with_its_stopwords_dropped():
    assert analyze("kommunerne og borgere", "da") == analyze("kommune borger", "da") == ["kommun", "borg"]
    assert analyze("kommunerna och invånarna", "sv") == analyze("kommun invånare", "sv")
    assert analyze("Городские службы и городской бюджет", "ru") == ["городск", "служб", "городск", "бюджет"]
    assert analyze("a primăriilor", "ro") == analyze("primăria", "ro")


def test_a_language_without_a_maintained_stemmer_is_analysed_neutrally():
    assert analyze("Obec otevírá digitální přepážku", "cs") == ["obec", "otevira", "digitalni", "prepazku"]
    assert analyze("Общината отваря", "bg") == analyze("Общината отваря", None)


def test_stopword_lists_keep_their_content_words():
    assert analyze("ny borgerservice", "da")[0] == "ny" and "uusi" in analyze("uusi palvelu", "fi")
