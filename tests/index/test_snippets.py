"""Snippets from stored character positions: escaped, marked, around the matches."""

from __future__ import annotations

from .helpers import ask, build

FILLER = "Füllwort " * 200


def test_the_snippet_marks_a_compound_found_by_its_part_and_escapes_markup(tmp_path):
    path = build(tmp_path, [{"lang": "de", "title": "Ulm",
                             "text": f"Ulm fördert Bürgerbeteiligung. <script>alert(1)</script> {FILLER} Das Ende."}])
    snippet = ask(path, "Beteiligung", expand=False).hits[0]["snippet"]
    assert '<mark class="hl t0">Bürgerbeteiligung</mark>' in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_the_snippet_is_cut_around_a_match_far_into_the_page(tmp_path):
    path = build(tmp_path, [{"lang": "en", "title": "Report",
                             "text": f"{'filler ' * 400} the tramway opened {'filler ' * 50}"}])
    snippet = ask(path, "tramway").hits[0]["snippet"]
    assert "<mark" in snippet and "tramway" in snippet and len(snippet) < 400


def test_a_page_without_matches_in_its_body_gets_its_opening_as_snippet(tmp_path):
    path = build(tmp_path, [{"lang": "fr", "title": "Tramway de Lyon", "text": "Un texte sans le mot cherché."}])
    assert ask(path, "tramway").hits[0]["snippet"] == "Un texte sans le mot cherché."


def test_a_word_of_a_quoted_phrase_is_marked_only_where_the_whole_phrase_stands(tmp_path):
    path = build(tmp_path, [{"lang": "en", "title": "Ghent", "text": "The data team met. "
                             "Ghent opened its open data portal in 2019."}])
    snippet = ask(path, '"open data"', expand=False).hits[0]["snippet"]
    assert "data team met" in snippet  # "data" outside the phrase is not marked
    assert snippet.count('">data</mark>') == 1 and snippet.count('">open</mark>') == 1


def test_a_word_typed_alone_is_marked_everywhere_even_when_a_phrase_also_holds_it(tmp_path):
    path = build(tmp_path, [{"lang": "en", "title": "Ghent", "text": "The data team met. "
                             "Ghent opened its open data portal in 2019."}])
    snippet = ask(path, 'data "open data"', expand=False).hits[0]["snippet"]
    assert snippet.count('">data</mark>') == 2
