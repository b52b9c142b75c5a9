"""A crawl default is stated once (kb.settings, or crawler.settings for the crawler's own); the flags' help,
a new source's limits, the catalogue and the crawler read it from there."""

from __future__ import annotations

import re

from click.testing import CliRunner

from crawler.settings import CrawlSettings
from kb.app.main import cli
from kb.settings import SOURCE_RECRAWL_DAYS, Settings


def help_text(*command: str) -> str:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # one line: click wraps the help to the terminal's width


def stated_default(text: str, flag: str) -> str:
    """The figure the help of ``flag`` gives as its default, in any of the forms the commands use."""
    found = re.search(rf"{re.escape(flag)} [A-Z ]+? (?:[^-]|-(?!-))*?\(default(?::[^,]*,)? ([0-9.]+)\b", text)
    assert found, f"{flag} names no default in: {text}"
    return found.group(1)


def test_kb_crawl_help_gives_the_defaults_the_crawl_uses():
    text, kb_defaults, crawl = help_text("crawl"), Settings(), CrawlSettings()
    assert stated_default(text, "--max-pages") == str(kb_defaults.max_pages) == str(crawl.max_pages)
    assert stated_default(text, "--max-depth") == str(kb_defaults.max_depth) == str(crawl.max_depth)
    assert float(stated_default(text, "--delay")) == kb_defaults.crawl_delay == crawl.delay
    assert stated_default(text, "--concurrency") == str(crawl.concurrency)


def test_kb_source_add_help_gives_the_limits_a_new_source_gets(kb):
    from kb.sources.registry import add_source

    text = help_text("source", "add")
    with kb.session() as session:
        source = add_source(session, "https://casebook-test.example/")
        session.flush()
        session.refresh(source)
        limits = (source.max_pages, source.max_depth, source.recrawl_days)
    assert stated_default(text, "--max-pages") == str(limits[0]) == str(Settings().max_pages)
    assert stated_default(text, "--max-depth") == str(limits[1]) == str(Settings().max_depth)
    assert float(stated_default(text, "--recrawl-days")) == limits[2] == SOURCE_RECRAWL_DAYS


def test_a_catalogue_entry_without_recrawl_days_is_crawled_as_often_as_a_source_added_by_hand(tmp_path):
    import yaml

    from kb.sources.catalogue import DEFAULT_PATH, load_catalogue

    first = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["sources"][0]
    first.pop("recrawl_days")
    (tmp_path / "catalogue.yaml").write_text(yaml.safe_dump({"sources": [first]}), encoding="utf-8")
    (entry,) = load_catalogue(tmp_path / "catalogue.yaml")
    assert entry.key == first["key"] and entry.recrawl_days == SOURCE_RECRAWL_DAYS


def test_the_crawlers_user_settable_limits_default_to_the_kb_settings():
    kb_defaults, crawl = Settings(), CrawlSettings()
    assert (crawl.user_agent, crawl.delay, crawl.read_timeout, crawl.max_bytes, crawl.sitemap_trust_days) == (
        kb_defaults.user_agent, kb_defaults.crawl_delay, kb_defaults.timeout, kb_defaults.max_bytes,
        kb_defaults.sitemap_trust_days)


def test_kb_crawl_and_kb_worker_help_give_the_claim_lease_the_settings_give():
    for command in ("crawl", "worker"):
        text = help_text(command)
        assert float(stated_default(text, "--claim-lease")) == Settings().claim_lease == CrawlSettings().claim_lease
        assert "--worker-id TEXT" in text
