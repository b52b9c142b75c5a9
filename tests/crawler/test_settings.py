"""Crawl settings: a limit a user may set in kb.toml has one default, kb.settings'."""

from __future__ import annotations

import dataclasses

from crawler.settings import CrawlSettings
from kb.settings import Settings


def test_a_crawl_given_kb_defaults_is_a_crawl_with_the_crawler_defaults():
    from kb.cli import crawl_settings

    assert crawl_settings(Settings()) == CrawlSettings()


def test_the_crawler_takes_the_defaults_of_the_kb_settings_it_shares_and_names_them():
    shared = {"user_agent": "user_agent", "delay": "crawl_delay", "max_pages": "max_pages", "max_depth": "max_depth",
              "max_bytes": "max_bytes", "read_timeout": "timeout", "allow_private_hosts": "allow_private_hosts",
              "sitemap_trust_days": "sitemap_trust_days", "languages": "languages"}
    crawler_fields = {f.name: f for f in dataclasses.fields(CrawlSettings)}
    for name, kb_name in shared.items():
        assert crawler_fields[name].default == getattr(Settings(), kb_name)
        assert crawler_fields[name].metadata["help"].endswith(f"(kb setting {kb_name}).")


def test_the_worker_id_and_claim_lease_come_from_kb_toml_then_the_environment_then_the_flags(tmp_path):
    from kb.cli import crawl_settings
    from kb.settings import load_settings

    data = tmp_path / "data"
    data.mkdir()
    (data / "kb.toml").write_text('worker_id = "from-toml"\nclaim_lease = 120\n', encoding="utf-8")
    from_toml = crawl_settings(load_settings(data, environ={}))
    assert (from_toml.worker_id, from_toml.claim_lease) == ("from-toml", 120.0)
    environ = {"KB_WORKER_ID": "from-env", "KB_CLAIM_LEASE": "60"}
    from_env = crawl_settings(load_settings(data, environ=environ))
    assert (from_env.worker_id, from_env.claim_lease) == ("from-env", 60.0)
    flagged = crawl_settings(load_settings(data, {"worker_id": "from-flag", "claim_lease": 30.0}, environ=environ))
    assert (flagged.worker_id, flagged.claim_lease) == ("from-flag", 30.0)


def test_a_claim_lease_of_no_time_is_refused(tmp_path):
    import pytest

    from kb.errors import InputError
    from kb.settings import load_settings

    with pytest.raises(InputError, match="claim_lease"):
        load_settings(tmp_path, environ={"KB_CLAIM_LEASE": "0"})


def test_two_kb_crawls_on_one_machine_claim_under_the_worker_ids_given(site, tmp_path):
    from click.testing import CliRunner
    from sqlalchemy import select

    from kb.app.main import cli
    from kb.models import CrawlUrl
    from kb.settings import load_settings
    from kb.storage import open_kb

    site.page("/", "<html><body><main><p>The first page of the town, with a link.</p>"
                   "<a href='/b'>b</a></main></body></html>")
    site.page("/b", "<html><body><main><p>The second page of the town, its own words.</p></main></body></html>")
    data = tmp_path / "data"
    for worker, seed in (("crawler-1", "/"), ("crawler-2", "/b")):
        result = CliRunner().invoke(cli, ["--data", str(data), "crawl", site.url + seed, "--allow-private-hosts",
                                          "--delay", "0", "--no-index", "--worker-id", worker,
                                          "--claim-lease", "30"], env={"KB_DATABASE_URL": None})
        assert result.exit_code == 0, result.output
    knowledge_base = open_kb(load_settings(data, environ={}))
    try:
        with knowledge_base.session() as session:
            claimed = {(row.job_id, row.url.removeprefix(site.url), row.claimed_by)
                       for row in session.scalars(select(CrawlUrl).where(CrawlUrl.reason.is_(None)))}
    finally:
        knowledge_base.close()
    assert claimed == {(1, "/", "crawler-1"), (1, "/b", "crawler-1"), (2, "/b", "crawler-2")}
