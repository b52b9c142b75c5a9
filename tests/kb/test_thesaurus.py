"""The bundled concept thesaurus and its loader (kb.thesaurus)."""

import re
import textwrap

import pytest

from kb.thesaurus import Concept, Thesaurus, ThesaurusError, load_thesaurus, parse_thesaurus

THEMES = {
    "digital-services", "smart-city", "urban-development", "open-data",
    "data-platforms", "digital-twin", "iot-sensors", "mobility", "environment",
    "energy", "participation", "digital-inclusion", "interoperability",
    "governance", "connectivity", "ai",
}
CORE_LANGUAGES = ("nl", "en", "fr", "de")
ALL_LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pt")

# Words that would tag ordinary text with a concept: too generic in any
# language, or an acronym that is a common word in one language.
GENERIC_LABELS = {"data", "city", "open", "smart", "digital", "platform", "service", "services"}
FALSE_FRIENDS = {
    "en": {"its", "led", "rip", "pia", "bio", "cloud", "hub", "pilot", "region", "noise",
           "water", "walking", "profiling", "culture"},
    "nl": {"maas", "ov", "bio", "mor", "lopen", "wonen", "veiligheid", "hergebruik",
           "isolatie", "herstructurering", "cultuur"},
    "fr": {"commune", "rip", "département", "pix", "habitat", "étalonnage", "culture"},
    "de": {"parken", "beteiligung", "register", "schnittstelle", "förderung", "bezirk", "kultur"},
    "es": {"lora", "ide", "dependencia", "cultura"},
    "it": {"api", "ai", "comune", "ambiente", "sosta", "regione", "cultura"},
    # Portuguese: "cada" (each; also the access-to-documents commission), "seca" (dry), "cheias"
    # (full), "gira" (Lisbon's bike share; also "nice"), "inspire" (a form of inspirar),
    # "cadastro" (any sign-up form in Brazil)
    "pt": {"cada", "seca", "cheias", "gira", "inspire", "cadastro", "cultura", "região", "ambiente", "registo",
           "comum", "ruído"},
}
SHORT_LABELS_ALLOWED = {"AI", "IA", "KI", "4G", "5G", "G4"}


@pytest.fixture(scope="module")
def thesaurus():
    return load_thesaurus()


def write_yaml(tmp_path, text):
    path = tmp_path / "concepts.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_bundled_thesaurus_is_loaded_once_and_cached():
    assert load_thesaurus() is load_thesaurus()


def test_thesaurus_has_at_least_220_concepts_with_nl_en_fr_de_labels(thesaurus):
    assert len(thesaurus.concepts) >= 220
    for concept in thesaurus.concepts.values():
        missing = [lang for lang in CORE_LANGUAGES if not concept.labels.get(lang)]
        assert not missing, f"{concept.id} lacks labels in {missing}"


def test_every_concept_also_has_spanish_italian_and_portuguese_labels(thesaurus):
    assert thesaurus.languages() == ALL_LANGUAGES
    for concept in thesaurus.concepts.values():
        assert set(concept.labels) == set(ALL_LANGUAGES), concept.id


def test_every_concept_has_a_portuguese_preferred_label_of_its_own(thesaurus):
    """pt is an analysed language and the demo site has Portuguese cases: they are tagged
    and expanded with Portuguese labels, not the English fallback."""
    for concept in thesaurus.concepts.values():
        labels = concept.labels.get("pt")
        assert labels and labels[0].strip(), concept.id
        assert thesaurus.label(concept.id, "pt", fallback=()) == labels[0]
        assert thesaurus.label(concept.id, "pt-BR", fallback=()) == labels[0]
    assert thesaurus.label("participatory-budgeting", "pt") == "orçamento participativo"
    assert thesaurus.label("one-stop-shop", "pt") == "balcão único"


def test_theme_ids_are_the_sixteen_facet_values(thesaurus):
    tops = thesaurus.top_concepts()
    assert {concept.id for concept in tops} == THEMES
    assert len(tops) == 16
    assert all(concept.top and not concept.broader for concept in tops)


def test_every_concept_reaches_a_top_level_theme(thesaurus):
    for concept_id, concept in thesaurus.concepts.items():
        reached = thesaurus.top_ancestors(concept_id)
        assert reached, concept_id
        assert reached <= THEMES, concept_id
        if not concept.top:
            assert concept.broader, f"{concept_id} has no broader concept"


def test_top_ancestors_follow_every_broader_path(thesaurus):
    assert thesaurus.top_ancestors("digital-services") == {"digital-services"}
    assert thesaurus.top_ancestors("one-stop-shop") == {"digital-services"}
    assert thesaurus.top_ancestors("single-digital-gateway") == {"digital-services"}
    assert thesaurus.top_ancestors("low-emission-zone") == {"mobility", "environment"}
    assert thesaurus.top_ancestors("participatory-budgeting") == {"participation"}


def test_narrower_links_mirror_broader_links(thesaurus):
    for concept in thesaurus.concepts.values():
        for parent in concept.broader:
            assert concept.id in thesaurus.concepts[parent].narrower
        for child in concept.narrower:
            assert concept.id in thesaurus.concepts[child].broader
    assert "one-stop-shop" in thesaurus.concepts["digital-services"].narrower


def test_concept_ids_are_kebab_case_english(thesaurus):
    for concept_id in thesaurus.concepts:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", concept_id), concept_id


def test_no_label_maps_to_unrelated_concepts_in_one_language(thesaurus):
    ancestors = {cid: _ancestors(thesaurus, cid) for cid in thesaurus.concepts}
    folded: dict[tuple[str, str], set[str]] = {}
    for lang, by_label in thesaurus.labels_by_language().items():
        for label, ids in by_label.items():
            folded.setdefault((lang, label.casefold()), set()).update(ids)
    for (lang, label), ids in folded.items():
        for a in ids:
            for b in ids - {a}:
                related = a in ancestors[b] or b in ancestors[a]
                assert related, f"{lang} label {label!r} names unrelated {sorted(ids)}"


def test_no_label_is_a_generic_word_that_would_mis_tag_text(thesaurus):
    for lang, by_label in thesaurus.labels_by_language().items():
        banned = GENERIC_LABELS | FALSE_FRIENDS.get(lang, set())
        for label in by_label:
            assert label.casefold() not in banned, f"{lang} label {label!r} is too ambiguous"
            if len(label) <= 2:
                assert label in SHORT_LABELS_ALLOWED, f"{lang} label {label!r} is too short"


def test_civil_servants_wordings_find_their_concepts(thesaurus):
    labels = thesaurus.labels_by_language()
    expected = {
        ("nl", "digitaal loket"): "one-stop-shop",
        ("nl", "e-loket"): "one-stop-shop",
        ("nl", "gemeentehuis"): "municipality",
        ("nl", "digitaal gemeentehuis"): "digital-town-hall",
        ("nl", "burgerbegroting"): "participatory-budgeting",
        ("fr", "guichet unique"): "one-stop-shop",
        ("fr", "guichet électronique"): "one-stop-shop",
        ("fr", "budget participatif"): "participatory-budgeting",
        ("de", "Bürgerbeteiligung"): "participation",
        ("de", "Bürgerhaushalt"): "participatory-budgeting",
        ("de", "Bürgerportal"): "one-stop-shop",
        ("de", "digitales Rathaus"): "digital-town-hall",
        ("de", "Onlinezugangsgesetz"): "e-services",
        ("en", "one-stop shop"): "one-stop-shop",
        ("en", "participatory budgeting"): "participatory-budgeting",
        ("es", "presupuestos participativos"): "participatory-budgeting",
        ("it", "bilancio partecipativo"): "participatory-budgeting",
        ("pt", "orçamento participativo"): "participatory-budgeting",
        ("pt", "Loja do Cidadão"): "one-stop-shop",
        ("pt", "Chave Móvel Digital"): "e-id",
        ("pt", "câmara municipal"): "municipality",
        ("pt", "zona de emissões reduzidas"): "low-emission-zone",
    }
    for (lang, label), concept_id in expected.items():
        assert labels[lang][label] == {concept_id}, (lang, label)


def test_label_gives_the_preferred_label_in_the_language(thesaurus):
    assert thesaurus.label("one-stop-shop", "en") == "one-stop shop"
    assert thesaurus.label("one-stop-shop", "nl") == "één loket"
    assert thesaurus.label("one-stop-shop", "nl-BE") == "één loket"
    assert thesaurus.label("participatory-budgeting", "de") == "Bürgerhaushalt"


def test_label_falls_back_to_english(tmp_path, thesaurus):
    assert thesaurus.label("one-stop-shop", "pl") == "one-stop shop"
    path = write_yaml(tmp_path, """\
        concepts:
          - id: energy
            top: true
            labels:
              en: {pref: energy}
              fr: {pref: énergie}
          - id: smart-grid
            broader: [energy]
            labels:
              en: {pref: smart grid, alt: [intelligent grid]}
              fr: {pref: réseau électrique intelligent}
        """)
    small = load_thesaurus(path)
    assert small.label("smart-grid", "de") == "smart grid"
    assert small.label("energy", "de", fallback=("fr", "en")) == "énergie"
    assert small.label("smart-grid", "de", fallback=()) == "smart grid"
    assert small.languages() == ("en", "fr")
    with pytest.raises(KeyError, match="no-such-concept"):
        small.label("no-such-concept", "en")


def test_concepts_are_frozen_and_their_labels_read_only(thesaurus):
    concept = thesaurus.concepts["one-stop-shop"]
    assert isinstance(concept, Concept) and isinstance(thesaurus, Thesaurus)
    assert concept.labels["en"][0] == "one-stop shop"
    with pytest.raises(AttributeError):
        concept.top = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        concept.labels["en"] = ("changed",)  # type: ignore[index]
    with pytest.raises(TypeError):
        thesaurus.labels_by_language()["en"]["x"] = frozenset()  # type: ignore[index]


TOP = """\
  - id: energy
    top: true
    labels:
      en: {pref: energy}
"""
INVALID_FILES = {
    "unknown broader": (
        "  - id: smart-grid\n    broader: [power]\n    labels:\n      en: {pref: smart grid}\n",
        ["smart-grid", "unknown broader concept 'power'"],
    ),
    "cycle": (
        "  - id: smart-grid\n    broader: [energy, storage]\n    labels:\n      en: {pref: smart grid}\n"
        "  - id: storage\n    broader: [smart-grid]\n    labels:\n      en: {pref: storage}\n",
        ["cycle in broader links", "smart-grid -> storage -> smart-grid"],
    ),
    "missing en label": (
        "  - id: smart-grid\n    broader: [energy]\n    labels:\n      fr: {pref: réseau intelligent}\n",
        ["smart-grid", "missing 'en' label"],
    ),
    "duplicate id": (
        "  - id: energy\n    top: true\n    labels:\n      en: {pref: power}\n",
        ["energy", "duplicate id"],
    ),
    "no broader": (
        "  - id: smart-grid\n    labels:\n      en: {pref: smart grid}\n",
        ["smart-grid", "no broader concept"],
    ),
    "top with broader": (
        "  - id: grid\n    top: true\n    broader: [energy]\n    labels:\n      en: {pref: grid}\n",
        ["grid", "top-level concept cannot have broader"],
    ),
    "label that is not text": (
        "  - id: smart-grid\n    broader: [energy]\n    labels:\n      en: {pref: smart grid, alt: [2030]}\n",
        ["smart-grid", "2030", "not text"],
    ),
    "label given twice": (
        "  - id: smart-grid\n    broader: [energy]\n    labels:\n      en: {pref: smart grid, alt: [Smart Grid]}\n",
        ["smart-grid", "given twice"],
    ),
    "misspelt key": (
        "  - id: smart-grid\n    broder: [energy]\n    labels:\n      en: {pref: smart grid}\n",
        ["smart-grid", "unknown keys", "broder"],
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_FILES))
def test_invalid_file_raises_a_clear_error(tmp_path, case):
    body, fragments = INVALID_FILES[case]
    path = tmp_path / "concepts.yaml"
    path.write_text("concepts:\n" + TOP + body, encoding="utf-8")
    with pytest.raises(ThesaurusError) as raised:
        load_thesaurus(path)
    message = str(raised.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_file_that_is_not_yaml_raises_a_thesaurus_error_that_is_a_value_error():
    with pytest.raises(ValueError, match="not valid YAML"):
        parse_thesaurus("concepts: [unclosed", source="broken.yaml")
    with pytest.raises(ThesaurusError, match="'concepts' list"):
        parse_thesaurus("- just a list", source="list.yaml")


def _ancestors(thesaurus, concept_id):
    seen, todo = set(), list(thesaurus.concepts[concept_id].broader)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(thesaurus.concepts[current].broader)
    return seen
