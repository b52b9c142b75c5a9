"""Theme tagging: documents get the top-level concepts whose labels they mention."""

from __future__ import annotations

from index.tagging import Tagger
from kb.models import Document


def themes(**fields):
    return Tagger.default().themes(Document(**fields))


def test_a_label_in_the_text_gives_its_top_level_theme():
    assert "open-data" in themes(title="Gent", text="De stad publiceert open data over parkeren.", lang="nl")
    assert "participation" in themes(title="Ulm", text="Die Stadt fördert die Bürgerbeteiligung.", lang="de")


def test_a_narrow_concept_gives_the_themes_above_it():
    found = themes(title="Lyon", text="La métropole ouvre un guichet unique pour les démarches.", lang="fr")
    assert "digital-services" in found


def test_declared_themes_are_kept_and_unrelated_text_gets_none():
    assert themes(title="x", text="Il pleut.", lang="fr", themes=["energy"]) == ["energy"]
    assert themes(title="Weather", text="It rains a lot in autumn.", lang="en") == []


def test_a_language_without_labels_is_matched_against_english_labels():
    assert "smart-city" in themes(title="Gdańsk", text="Gdańsk smart city program", lang="pl")


def test_themes_are_top_level_concepts_only():
    tagger = Tagger.default()
    top = {c.id for c in tagger.labels.thesaurus.top_concepts()}
    found = themes(title="Mix", text="Digital twin, LoRaWAN sensors, open data and a citizen budget.", lang="en")
    assert found and set(found) <= top
