"""The demo site committed under kb/demo/site/ is what tests/demo_site_builder.py builds from kb/demo/content/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.demo_site_builder import SITE, ContentError, build, case_jsonld, load_content, normalise_case, render_facts


def test_the_committed_demo_site_is_the_one_its_builder_makes_from_the_content():
    built = {path.lstrip("/"): data for path, data in build(load_content()).files.items()}
    committed = {path.relative_to(SITE).as_posix(): path.read_bytes() for path in SITE.rglob("*") if path.is_file()}
    assert sorted(set(built) ^ set(committed)) == [], "make demo-site, then commit kb/demo/site/"
    assert [path for path in sorted(built) if built[path] != committed[path]] == []
    assert len(built) > 100 and "index.html" in built


def test_a_demo_case_states_its_places_population_band_from_a_fixed_list_and_a_national_case_none():
    content = load_content()
    bands = {case["slug"]: case.get("population_band") for case in content.cases}
    assert [bands[slug] for slug in ("zug-digitale-id", "gent-open-data", "brussels-irisbox")] == [
        "10k-50k", "100k-500k", "1M+"]
    assert bands["estonia-x-road"] is None and bands["living-in-eu"] is None  # a country, Europe: no place's band
    gent = next(case for case in content.cases if case["slug"] == "gent-open-data")
    assert '<dd class="population">100k-500k</dd>' in render_facts(content, gent)
    assert case_jsonld(gent)["spatialCoverage"]["additionalProperty"]["value"] == "100k-500k"
    with pytest.raises(ContentError, match="unknown population_band"):
        normalise_case({**gent, "population_band": "big"}, Path("gent-open-data.nl.yaml"), content.vocab)
