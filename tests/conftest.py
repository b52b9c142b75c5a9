"""Shared fixtures: a data folder, the demo site on 127.0.0.1, ../shared data, a PostgreSQL cluster.

A test marked ``both_engines`` runs twice, its ``settings`` (and so ``kb``) on SQLite in the data
folder and on a database of its own in a throwaway PostgreSQL cluster (tests/pgserver.py), started
once per session and only when such a test runs. CASEBOOK_TEST_ENGINE=postgresql puts every other
test's ``settings`` on PostgreSQL too.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Embedding every document a test writes with multilingual-e5 costs seconds per hundred documents
# (the fault tests' 3,000 documents: minutes per build), so tests and the `kb` processes they start
# search lexically unless they test search by meaning, which asks for the model itself
# (tests/index/test_meaning*.py, demo_kb).
os.environ.setdefault("KB_EMBEDDING_MODEL", "none")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a clear reason when absent."""
    for base in (ROOT.parent / "shared" / "data", Path(os.environ.get("CASEBOOK_SHARED", "/nonexistent")) / "data"):
        path = base.joinpath(*parts)
        if path.exists():
            return path
    pytest.skip(f"shared test data {'/'.join(parts)} not found next to the repository (../shared/data)")


ENGINES = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "both_engines: runs on SQLite and on PostgreSQL (the db_engine fixture)")


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_engines") and "db_engine" in metafunc.fixturenames:
        metafunc.parametrize("db_engine", ENGINES, indirect=True)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL cluster for the session; skips the test with the reason when none can run here."""
    from tests.pgserver import start_cluster

    cluster = start_cluster()
    if isinstance(cluster, str):
        pytest.skip(cluster)
    yield cluster
    cluster.stop()


@pytest.fixture
def db_engine(request):
    """The engine of the test's ``settings``: both in turn for a test marked both_engines; for the
    others "sqlite", or CASEBOOK_TEST_ENGINE (=postgresql runs every kb fixture on PostgreSQL)."""
    return getattr(request, "param", os.environ.get("CASEBOOK_TEST_ENGINE", "sqlite"))


@pytest.fixture
def database_url(request, db_engine, monkeypatch):
    """The database_url setting of the test: empty on SQLite, a new database of its own on PostgreSQL
    (also in KB_DATABASE_URL then, for the `kb` commands the test starts)."""
    if db_engine == "sqlite":
        return ""
    url = request.getfixturevalue("postgres_cluster").create_database()
    monkeypatch.setenv("KB_DATABASE_URL", url)
    return url


@pytest.fixture
def settings(tmp_path, database_url):
    from kb.settings import load_settings

    return load_settings(tmp_path / "data", {"embedding_model": "none", "database_url": database_url or None},
                         environ={})


@pytest.fixture
def kb(settings):
    from kb.storage import open_kb

    knowledge_base = open_kb(settings)
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture(scope="session")
def demo_site():
    """The bundled demo site served on a free port: (base_url, request log)."""
    from kb.demo.server import start_site_server

    log: list[str] = []
    server, url = start_site_server(log=log)
    yield url, log
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory, demo_site):
    """A knowledge base built by really crawling the demo site, with its index."""
    from crawler.crawl import Crawler
    from crawler.settings import CrawlSettings
    from index.build import build_index
    from kb.settings import load_settings
    from kb.storage import open_kb

    # the demo with its passage vectors: the judged set is measured with and without them
    settings = load_settings(tmp_path_factory.mktemp("demo") / "data", {"embedding_model": "auto"}, environ={})
    knowledge_base = open_kb(settings)
    cfg = CrawlSettings(delay=0.0, max_pages=2000, max_depth=10, allow_private_hosts=True)
    result = Crawler(knowledge_base, cfg).run([demo_site[0]])
    build_index(knowledge_base, settings.index_dir)
    yield knowledge_base, result
    knowledge_base.close()


@pytest.fixture(scope="session")
def demo_curated_kb(tmp_path_factory, demo_site):
    """A knowledge base as `kb demo` leaves it: the demo site crawled as the registered source
    "Casebook demo site" through the composition root (which proposes its cases), the cases
    validated by the demo curator, the starter catalogue imported (not crawled), organisations,
    example experts, the workshop series with its collections, networks and calls added, and the
    index built. Returns (kb, site_url, curator)."""
    from kb.cli import build_index, crawl_settings, crawl_sources
    from kb.demo.curation import demo_curator, import_starter_catalogue, register_demo_source, validate_site_cases
    from kb.demo.events import add_demo_events
    from kb.demo.networks import add_demo_networks
    from kb.demo.people import add_demo_people
    from kb.settings import load_settings
    from kb.storage import open_kb

    folder = tmp_path_factory.mktemp("demo-curated") / "data"
    settings = load_settings(folder, {"embedding_model": "none"}, environ={})  # lexical search is enough here
    knowledge_base = open_kb(settings)
    site_url = demo_site[0]
    with knowledge_base.session() as session:
        source_id = register_demo_source(session, site_url).id
    outcome, = crawl_sources(knowledge_base, [source_id], crawl_settings(settings, 2000, 10, 0.0, True))
    assert outcome.error is None, outcome.error
    with knowledge_base.session() as session:
        curator, _ = demo_curator(session, settings.data_dir)
        validate_site_cases(session, site_url, curator)
        import_starter_catalogue(session)
        people = add_demo_people(session, curator)
        add_demo_events(session, curator, date.today(), people.experts)
        add_demo_networks(session, curator, date.today())
    build_index(knowledge_base)
    yield knowledge_base, site_url, curator
    knowledge_base.close()
