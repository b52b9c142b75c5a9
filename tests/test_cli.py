"""The `kb` command line contract, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def kb(*args, data=None, input_text=None):
    command = [sys.executable, "-c", "from kb.cli import main; main()"]
    if data:
        command += ["--data", str(data)]
    return subprocess.run(command + list(args), capture_output=True, text=True, input=input_text, timeout=120)


@pytest.mark.parametrize("command", ["crawl", "import", "index", "search", "export", "serve", "demo"])
def test_every_command_has_help(command):
    result = kb(command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "--" in result.stdout


def test_import_index_search_export_round_trip(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"url": "https://gent.be/x", "title": "Burgerbegroting Gent", "lang": "nl",
                                "text": "De stad Gent laat inwoners beslissen over een burgerbegroting."}) + "\n",
                    encoding="utf-8")
    data = tmp_path / "data"
    assert kb("import", str(docs), data=data).returncode == 0
    result = kb("search", "burgerbegroting", "--json", data=data)
    payload = json.loads(result.stdout)
    assert payload["total"] == 1 and payload["hits"][0]["lang"] == "nl"
    assert payload["facets"]["lang"] == {"nl": 1}
    exported = kb("export", "--format", "jsonl", data=data)
    assert json.loads(exported.stdout.splitlines()[0])["url"] == "https://gent.be/x"


def test_user_errors_exit_2_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "docs.txt"
    bad.write_text("x", encoding="utf-8")
    for args in (("import", str(bad)), ("crawl", "http://127.0.0.1/"), ("search", "x", "--filter", "nope")):
        result = kb(*args, data=tmp_path / "data")
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0


def test_search_without_an_index_says_what_to_do(tmp_path):
    (tmp_path / "data").mkdir()
    result = kb("search", "x", data=tmp_path / "data")
    assert result.returncode == 2
    assert "kb index" in result.stderr or "kb crawl" in result.stderr


def test_the_sitemap_trust_setting_reaches_the_crawler_from_the_environment(tmp_path):
    from kb.cli import crawl_settings
    from kb.settings import load_settings

    settings = load_settings(tmp_path, environ={"KB_SITEMAP_TRUST_DAYS": "3.5", "KB_CRAWL_DELAY": "0.25"})
    crawl = crawl_settings(settings)
    assert (crawl.sitemap_trust_days, crawl.delay) == (3.5, 0.25)


def test_batch_work_lowers_its_cpu_priority_so_searches_stay_quick(tmp_path):
    script = ("import os; from kb.cli import as_background_work; from kb.settings import load_settings; "
              "as_background_work(load_settings({!r}, environ={})); print(os.nice(0))")
    lowered = subprocess.run([sys.executable, "-c", script.format(str(tmp_path), "{'KB_BATCH_NICENESS': '10'}")],
                             capture_output=True, text=True, timeout=60)
    kept = subprocess.run([sys.executable, "-c", script.format(str(tmp_path), "{}")],
                          capture_output=True, text=True, timeout=60)
    base = os.nice(0)
    assert int(lowered.stdout) == min(base + 10, 19) and int(kept.stdout) == base
