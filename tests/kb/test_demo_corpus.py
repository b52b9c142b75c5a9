"""Invariants of the bundled demo casebook (issue 7), on its content and on a real crawl of it."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import yaml

DEMO = Path(__file__).resolve().parents[2] / "kb" / "demo"
CASES = sorted((DEMO / "content" / "cases").glob("*.yaml"))


def load_cases() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in CASES]


def test_the_demo_has_at_least_80_case_pages_in_12_countries():
    cases = load_cases()
    assert len(cases) >= 80
    assert len({case["country"] for case in cases if case["country"] != "EU"}) >= 12


def test_each_of_nl_en_fr_de_has_15_case_pages_and_some_are_in_es_it_pt():
    counts = collections.Counter(case["lang"] for case in load_cases())
    assert all(counts[lang] >= 15 for lang in ("nl", "en", "fr", "de")), counts
    assert counts["es"] + counts["it"] + counts["pt"] >= 3


def test_every_case_states_place_country_themes_status_and_an_official_https_source():
    for case in load_cases():
        assert case["place"] and re.fullmatch(r"[A-Z]{2}", case["country"]), case["slug"]
        assert case["themes"] and case["status"], case["slug"]
        assert re.match(r"https://[a-z0-9.-]+\.[a-z]{2,}", case["source_url"]), case["slug"]


def test_some_cases_exist_in_two_languages_linked_with_hreflang():
    slugs = collections.Counter(case["slug"] for case in load_cases())
    bilingual = [slug for slug, n in slugs.items() if n >= 2]
    assert len(bilingual) >= 4
    page = (DEMO / "site" / "cases" / bilingual[0]).glob("*.html")
    html = next(p for p in page if "print" not in p.name).read_text(encoding="utf-8")
    assert 'hreflang="' in html


def test_every_generated_page_says_the_summaries_were_written_for_this_demo():
    pages = [p for p in (DEMO / "site").rglob("*.html") if "admin" not in p.parts]
    assert len(pages) >= 100
    for page in pages:
        assert 'class="demo-note"' in page.read_text(encoding="utf-8") or "print" in page.name, page


def test_the_crawl_never_fetches_the_admin_area_and_populates_every_facet(demo_kb, demo_site):
    from index.query import SearchRequest, search

    knowledge_base, result = demo_kb
    assert not any(path.startswith("/admin") for path in demo_site[1])
    facets = search(knowledge_base.settings.index_dir, SearchRequest(q="")).facets
    for name in ("country", "municipality", "theme", "year", "lang", "type"):
        assert len(facets[name]) >= 3, (name, facets[name])


def test_a_dutch_query_for_digitaal_loket_finds_cases_in_three_languages(demo_kb):
    from index.query import SearchRequest, search

    knowledge_base, _ = demo_kb
    response = search(knowledge_base.settings.index_dir, SearchRequest(q="digitaal loket", per_page=30,
                                                                       filters={"type": ["case"]}))
    assert len({hit["lang"] for hit in response.hits}) >= 3, [(h["lang"], h["title"]) for h in response.hits]
