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
    path = build(tmp_path, [{"lang": "en", "title": "Report", "text": f"{'filler ' * 400} the tramway opened {'filler ' * 50}"}])
    snippet = ask(path, "tramway").hits[0]["snippet"]
    assert "<mark" in snippet and "tramway" in snippet and len(snippet) < 400


def test_a_page_without_matches_in_its_body_gets_its_opening_as_snippet(tmp_path):
    path = build(tmp_path, [{"lang": "fr", "title": "Tramway de Lyon", "text": "Un texte sans le mot cherché."}])
    assert ask(path, "tramway").hits[0]["snippet"] == "Un texte sans le mot cherché."
