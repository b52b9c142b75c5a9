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
