"""Compound gate: Dutch and German compounds are found by their parts, and the reverse."""

from __future__ import annotations

import pytest

from index.analysis import analyze
from index.compounds import split_compound

from .helpers import ask, build

# (language, compound as written in running text, a part a searcher would type)
PAIRS = [
    ("nl", "gemeentehuis", "gemeente"),
    ("nl", "stadsontwikkeling", "ontwikkeling"),
    ("nl", "luchtkwaliteit", "lucht"),
    ("nl", "klimaatneutraliteit", "klimaat"),
    ("nl", "verkeerstellingen", "verkeer"),
    ("nl", "burgerwetenschap", "wetenschap"),
    ("nl", "bewonersparticipatie", "participatie"),
    ("nl", "energietransitie", "energie"),
    ("nl", "persoonsgegevens", "gegevens"),
    ("nl", "parkeerbezetting", "bezetting"),
    ("nl", "dataportaal", "portaal"),
    ("nl", "straatverlichting", "verlichting"),
    ("nl", "gemeenteraad", "raad"),
    ("de", "Bürgerbeteiligung", "Beteiligung"),
    ("de", "Verwaltungsleistungen", "Verwaltung"),
    ("de", "Stadtentwicklung", "Entwicklung"),
    ("de", "Glasfasernetz", "Netz"),
    ("de", "Datenplattform", "Plattform"),
    ("de", "Transparenzportal", "Transparenz"),
    ("de", "Fernwärme", "Wärme"),
    ("de", "Lebensqualität", "Qualität"),
    ("de", "Windenergie", "Energie"),
    ("de", "Straßenbeleuchtung", "Beleuchtung"),
    ("de", "Klimaschutz", "Klima"),
    ("de", "Verkehrssteuerung", "Steuerung"),
    ("de", "Innovationslabor", "Labor"),
]
FILLER = {"nl": "De stad werkt aan de {} in alle wijken.", "de": "Die Stadt arbeitet an der {} in allen Vierteln."}


@pytest.fixture(scope="module")
def compound_index(tmp_path_factory):
    rows = [{"url": f"https://example.org/{lang}/{word}", "lang": lang, "title": f"Bericht {n}",
             "text": FILLER[lang].format(word)} for n, (lang, word, _) in enumerate(PAIRS)]
    return build(tmp_path_factory.mktemp("compounds"), rows)


def test_the_gate_has_at_least_twenty_dutch_and_german_pairs():
    assert len(PAIRS) >= 20 and {lang for lang, _, _ in PAIRS} == {"nl", "de"}


@pytest.mark.parametrize("lang,compound,part", PAIRS)
def test_a_compound_splits_into_known_parts(lang, compound, part):
    word = compound.lower()
    parts = split_compound(word, lang)
    assert len(parts) >= 2 and word.startswith(parts[0]) and word.endswith(parts[-1])
    assert analyze(part, lang) in [analyze(p, lang) for p in parts]


@pytest.mark.parametrize("lang,compound,part", PAIRS)
def test_searching_a_part_finds_the_page_with_the_compound(compound_index, lang, compound, part):
    urls = [h["url"] for h in ask(compound_index, part, expand=False, per_page=50).hits]
    assert f"https://example.org/{lang}/{compound}" in urls


def test_searching_a_compound_finds_pages_that_write_its_parts_apart(tmp_path):
    path = build(tmp_path, [
        {"url": "https://example.org/apart", "lang": "de", "text": "Die Beteiligung der Bürger an der Planung."},
        {"url": "https://example.org/other", "lang": "de", "text": "Die Planung der Straßen."},
    ])
    assert [h["url"] for h in ask(path, "Bürgerbeteiligung", expand=False).hits] == ["https://example.org/apart"]


def test_short_and_unknown_words_are_not_split():
    assert split_compound("haushalt", "de") == ()
    assert split_compound("informatie", "nl") == ()
    assert split_compound("stad", "nl") == ()
    assert split_compound("gemeentehuis", "fr") == ()


def test_the_parts_of_a_compound_take_its_position_so_phrases_still_match(tmp_path):
    path = build(tmp_path, [{"lang": "nl", "url": "https://example.org/p",
                             "text": "Het nieuwe gemeentehuis opent morgen de deuren."}])
    assert ask(path, '"nieuwe gemeentehuis opent"', expand=False).total == 1
