"""`kb source ...`, `kb crawl` of due sources and `kb crawl-report`, run as real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import yaml

CATALOGUE_ENTRY = {
    "key": "sample-city", "name": "Sample City", "seeds": ["https://www.example.org/cases"],
    "scope": {"hosts": ["www.example.org"], "include": ["/cases"]}, "languages": ["nl"], "country": "BE",
    "kind": "municipality", "recrawl_days": 14, "why": "A sample entry for the tests.",
}


def kb(data, *args):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def sources(data) -> list[dict]:
    result = kb(data, "source", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.rstrip("Z"))


def test_source_add_registers_a_due_source_that_list_shows_as_json(tmp_path):
    added = kb(tmp_path, "source", "add", "https://www.gent.be/cases", "--name", "Gent", "--include", "/cases",
               "--exclude", "/cases/search", "--max-pages", "40", "--recrawl-days", "3")
    assert added.returncode == 0, added.stderr
    [source] = sources(tmp_path)
    assert source["name"] == "Gent" and source["seeds"] == ["https://www.gent.be/cases"]
    assert (source["include"], source["exclude"]) == (["/cases"], ["/cases/search"])
    assert (source["max_pages"], source["recrawl_days"]) == (40, 3.0)
    assert source["status"] == "queued" and source["next_crawl_at"] is None and source["pages_stored"] == 0
    for field in ("id", "country", "kind", "languages", "last_crawl_at"):
        assert field in source


@pytest.mark.parametrize("args, message", [
    (("ftp://example.org/",), "http"),
    (("https://www.gent.be/", "--include", "cases"), "must start with '/'"),
])
def test_source_add_refuses_bad_input_in_one_line_with_exit_code_2(tmp_path, args, message):
    result = kb(tmp_path, "source", "add", *args)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_a_seed_already_registered_is_refused_and_names_its_source(tmp_path):
    assert kb(tmp_path, "source", "add", "https://www.gent.be/").returncode == 0
    again = kb(tmp_path, "source", "add", "https://www.gent.be/")
    assert again.returncode == 2 and "already registered as source 1" in again.stderr


def test_importing_the_catalogue_twice_changes_nothing_and_a_changed_entry_updates_its_source(tmp_path):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(yaml.safe_dump({"sources": [CATALOGUE_ENTRY]}), encoding="utf-8")
    first = json.loads(kb(tmp_path, "source", "import-catalogue", "--file", str(catalogue), "--json").stdout)
    assert first["added"] == ["sample-city"]
    second = json.loads(kb(tmp_path, "source", "import-catalogue", "--file", str(catalogue), "--json").stdout)
    assert second == {"added": [], "updated": {}, "unchanged": 1, "rejected": {}}
    catalogue.write_text(yaml.safe_dump({"sources": [{**CATALOGUE_ENTRY, "name": "Sample Town"}]}), encoding="utf-8")
    third = kb(tmp_path, "source", "import-catalogue", "--file", str(catalogue))
    assert "updated sample-city: name" in third.stdout
    [source] = sources(tmp_path)
    assert source["name"] == "Sample Town" and source["include"] == ["/cases"] and source["recrawl_days"] == 14


def test_import_catalogue_only_keeps_the_selected_entries_of_the_bundled_catalogue(tmp_path):
    result = kb(tmp_path, "source", "import-catalogue", "--only", "BE", "--json")
    report = json.loads(result.stdout)
    assert report["added"] and not report["rejected"]
    assert {s["country"] for s in sources(tmp_path)} == {"BE"}
    bad = kb(tmp_path, "source", "import-catalogue", "--only", "Belgium")
    assert bad.returncode == 2 and "--only" in bad.stderr


def test_crawl_without_urls_crawls_the_due_sources_and_schedules_the_next_crawl(tmp_path, demo_site):
    url, _log = demo_site
    kb(tmp_path, "source", "add", url + "nl/", "--include", "/nl", "--max-pages", "5", "--recrawl-days", "2")
    result = kb(tmp_path, "crawl", "--allow-private-hosts", "--delay", "0", "--no-index", "--json")
    assert result.returncode == 0, result.stderr
    [outcome] = json.loads(result.stdout)["sources"]
    assert outcome["stored"] == 5 and outcome["error"] is None
    [source] = sources(tmp_path)
    assert source["status"] == "ok" and source["pages_stored"] == 5 and source["last_error"] is None
    report = json.loads(kb(tmp_path, "crawl-report", "--reason", "stored", "--json").stdout)
    assert len(report["urls"]) == 5 and all(item["url"].startswith(url + "nl/") for item in report["urls"])
    gap = parse_time(source["next_crawl_at"]) - parse_time(source["last_crawl_at"])
    assert abs(gap - timedelta(days=2)) < timedelta(seconds=2)
    again = kb(tmp_path, "crawl", "--allow-private-hosts", "--delay", "0", "--no-index")
    assert again.returncode == 0 and "no source is due" in again.stdout
    forced = kb(tmp_path, "crawl", "--source", "1", "--allow-private-hosts", "--delay", "0", "--no-index")
    assert forced.returncode == 0 and forced.stdout.startswith("source 1") and forced.stdout.rstrip().endswith("ok")


def test_crawl_refuses_urls_together_with_sources_and_an_unknown_source(tmp_path):
    both = kb(tmp_path, "crawl", "https://www.gent.be/", "--due")
    assert both.returncode == 2 and "not both" in both.stderr
    unknown = kb(tmp_path, "crawl", "--source", "42")
    assert unknown.returncode == 2 and "no source with id 42" in unknown.stderr


def test_a_source_that_cannot_be_reached_is_marked_as_error_with_the_reason(tmp_path):
    kb(tmp_path, "source", "add", "http://casebook-test.invalid/")
    result = kb(tmp_path, "crawl", "--due", "--allow-private-hosts", "--no-index")
    assert result.returncode == 1  # every source crawled failed
    [source] = sources(tmp_path)
    assert source["status"] == "error" and "dns_error" in source["last_error"]
    assert source["last_crawl_at"] is not None


def test_crawl_report_lists_the_latest_outcome_of_each_url_with_its_reason(tmp_path, demo_site):
    url, _log = demo_site
    kb(tmp_path, "source", "add", url, "--max-pages", "400")
    kb(tmp_path, "crawl", "--allow-private-hosts", "--delay", "0", "--no-index")
    report = json.loads(kb(tmp_path, "crawl-report", "--source", "1", "--json").stdout)
    by_url = {item["url"].removeprefix(url.rstrip("/")): item for item in report["urls"]}
    assert by_url["/admin/index.html"]["outcome"] == "robots"
    assert by_url["/nl/archief/2019.html"]["outcome"] == "http_404"
    assert by_url["/sitemap.xml"]["outcome"] == "sitemap"
    assert by_url["/cases/antwerpen-city-of-things/nl-print.html"]["outcome"] == "near_duplicate"
    assert report["counts"]["stored"] == sum(1 for item in report["urls"] if item["outcome"] == "stored")
    only = json.loads(kb(tmp_path, "crawl-report", "--reason", "robots", "--json").stdout)
    assert [item["outcome"] for item in only["urls"]] == ["robots"]


def test_crawl_report_refuses_an_unknown_reason_and_names_the_valid_ones(tmp_path):
    kb(tmp_path, "source", "add", "https://www.gent.be/cases")
    result = kb(tmp_path, "crawl-report", "--reason", "robot")
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown outcome 'robot' (did you mean robots" in result.stderr
    assert "near_duplicate" in result.stderr and "http_404" in result.stderr and "Traceback" not in result.stderr
    assert kb(tmp_path, "crawl-report", "--reason", "http_503", "--json").returncode == 0


def test_links_beyond_max_depth_are_counted_as_too_deep_in_the_summary_and_the_report(tmp_path, demo_site):
    url, _log = demo_site
    crawled = kb(tmp_path, "crawl", url, "--max-depth", "1", "--allow-private-hosts", "--delay", "0", "--no-index")
    assert crawled.returncode == 0, crawled.stderr
    [count] = [int(line.split()[1]) for line in crawled.stdout.splitlines()
               if line.endswith(" too_deep  (links beyond --max-depth: raise it to follow them)")]
    assert count > 0
    report = json.loads(kb(tmp_path, "crawl-report", "--reason", "too_deep", "--json").stdout)
    assert report["counts"] == {"too_deep": count} and len(report["urls"]) == count
    assert all(item["detail"] == "beyond max depth 1" for item in report["urls"])


def test_source_check_says_which_seeds_answer_and_why_not(tmp_path, demo_site):
    url, _log = demo_site
    kb(tmp_path, "source", "add", url)
    kb(tmp_path, "source", "add", "http://127.0.0.1:9/")  # discard port: nothing listens
    result = kb(tmp_path, "source", "check", "--allow-private-hosts", "--json")
    assert result.returncode == 1  # one seed is unreachable
    ok, closed = json.loads(result.stdout)
    assert ok["reachable"] and "HTTP 200" in ok["reason"] and "robots.txt allows" in ok["robots"]
    assert not closed["reachable"] and closed["code"] == "connection_error"


def test_source_check_without_a_working_dns_says_so_in_one_line_and_exits_2(tmp_path):
    kb(tmp_path, "source", "add", "https://casebook-test.invalid/")
    kb(tmp_path, "source", "add", "https://other.casebook-test.invalid/")
    result = kb(tmp_path, "source", "check")
    assert result.returncode == 2
    assert "no network" in result.stderr and result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8099\\@1.1.1.1/", "http://gent.be\\cases", "http://gent .be/",
                                 "http://gent.be:abc/", "http://[::1", "ftp://gent.be/", "http://user:pw@gent.be/"])
def test_a_seed_added_by_hand_follows_the_url_rulebook(url):
    from kb.sources.registry import seed_problem

    assert seed_problem(url) is not None
