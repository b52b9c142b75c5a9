"""The demo site committed under kb/demo/site/ is what kb/demo/build_site.py builds from kb/demo/content/."""

from __future__ import annotations

from kb.demo.build_site import SITE, build, load_content


def test_the_committed_demo_site_is_the_one_its_builder_makes_from_the_content():
    built = {path.lstrip("/"): data for path, data in build(load_content()).files.items()}
    committed = {path.relative_to(SITE).as_posix(): path.read_bytes() for path in SITE.rglob("*") if path.is_file()}
    assert sorted(set(built) ^ set(committed)) == [], "python -m kb.demo.build_site, then commit kb/demo/site/"
    assert [path for path in sorted(built) if built[path] != committed[path]] == []
    assert len(built) > 100 and "index.html" in built
