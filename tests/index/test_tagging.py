"""Theme tagging: documents get the top-level concepts whose labels they mention."""

from __future__ import annotations

from index.tagging import Tagger
from kb.models import Document


def themes(**fields):
    return Tagger.default().themes(Document(**fields))


def test_one_passing_mention_does_not_outweigh_a_repeated_theme():
    found = themes(title="Gent", lang="nl", text="Open data over parkeren. De open data zijn gratis. "
                                                  "Ook de luchtkwaliteit wordt gemeten.")
    assert "open-data" in found and "environment" not in found


def test_a_label_in_the_text_gives_its_top_level_theme():
    assert "open-data" in themes(title="Gent", text="De stad publiceert open data over parkeren.", lang="nl")
    assert "participation" in themes(title="Ulm", text="Die Stadt fördert die Bürgerbeteiligung.", lang="de")


def test_a_narrow_concept_gives_the_themes_above_it():
    found = themes(title="Un guichet unique à Lyon", text="La métropole ouvre un guichet pour les démarches.",
                   lang="fr")
    assert "digital-services" in found


def test_declared_themes_are_kept_and_unrelated_text_gets_none():
    assert themes(title="x", text="Il pleut.", lang="fr", themes=["energy"]) == ["energy"]
    assert themes(title="Weather", text="It rains a lot in autumn.", lang="en") == []


def test_a_portuguese_page_is_tagged_with_the_portuguese_labels():
    found = themes(title="Lisboa", lang="pt", text="A câmara lançou o orçamento participativo. "
                                                   "No orçamento participativo os munícipes votam.")
    assert "participation" in found
    assert "pt" in Tagger.default().labels.languages()


def test_a_language_without_labels_is_matched_against_english_labels():
    assert "smart-city" in themes(title="Gdańsk", text="Gdańsk smart city program", lang="pl")


def test_themes_are_top_level_concepts_only():
    tagger = Tagger.default()
    top = {c.id for c in tagger.labels.thesaurus.top_concepts()}
    found = themes(title="Mix", text="Digital twin, LoRaWAN sensors, open data and a citizen budget.", lang="en")
    assert found and set(found) <= top


def test_tagging_agrees_with_the_themes_the_demo_cases_declare():
    """Quality gate: themes found in the text of the demo cases against their declared themes."""
    from pathlib import Path

    import yaml

    tagger, tp, fp, fn = Tagger.default(), 0, 0, 0
    for path in sorted((Path(__file__).parents[2] / "kb" / "demo" / "content" / "cases").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = set(tagger.themes(Document(title=case["title"], text=f"{case['summary']}\n{case['body']}",
                                           lang=case["lang"], themes=[])))
        declared = set(case["themes"])
        tp, fp, fn = tp + len(found & declared), fp + len(found - declared), fn + len(declared - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\ntagging vs declared themes: precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.65 and recall >= 0.60  # measured 0.683 / 0.633 (0.673 / 0.617 before pt labels)
