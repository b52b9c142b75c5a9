"""Web UI fixtures: the app on the crawled demo site, `kb serve` on a free port, one headless Chromium.

Fixture names are prefixed (demo_app, web, live_url, browser_page) so test
modules may define their own `app` without clashing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture(scope="session")
def demo_app(demo_kb):
    from webui import create_app

    knowledge_base, _ = demo_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config["TESTING"] = True
    # every test module exports and searches by pattern from 127.0.0.1 within the same minute;
    # the limit itself is tested in test_rate_limit.py
    app.config["EXPENSIVE_PER_MINUTE"] = 100_000
    return app


@pytest.fixture
def web(demo_app):
    """A fresh test client (its own cookies) on the demo app."""
    return demo_app.test_client()


@pytest.fixture(scope="session")
def first_hit(demo_app):
    """Search the demo for one word and return the first hit's JSON (a Dutch case about Antwerp)."""
    def find(q: str, **filters) -> dict:
        data = demo_app.test_client().get("/api/search", query_string={"q": q, **filters}).get_json()
        assert data["hits"], f"the demo site should have a hit for {q!r} {filters}"
        return data["hits"][0]
    return find


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def kb_serving(data_dir: Path, *serve_args: str, env: dict | None = None):
    """`kb serve` (waitress) in a subprocess on a free port of 127.0.0.1, on ``data_dir``: yields its URL.
    The KB_* variables of the tests are left out unless given in ``env``."""
    port = _free_port()
    kb_command = Path(sys.executable).with_name("kb")
    command = [str(kb_command)] if kb_command.exists() else [sys.executable, "-m", "kb.cli"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KB_")} | (env or {})
    process = subprocess.Popen([*command, "--data", str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(port),
                                *serve_args], env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/robots.txt", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode("utf-8", "replace")
                pytest.fail(f"kb serve did not start on {url}:\n{output}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stdout.close()


@pytest.fixture(scope="session")
def live_url(demo_kb):
    """`kb serve` on a free port, on the demo data folder."""
    knowledge_base, _ = demo_kb
    with kb_serving(knowledge_base.settings.data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium, or `make chromium`): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser_page(request, chromium, live_url):
    """A page in a fresh browser context (no cookies, English); a screenshot in test-artifacts/ on failure."""
    context = chromium.new_context(base_url=live_url, locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from the npm registry, installed once into tests/webui/.axe (git-ignored)."""
    folder = Path(__file__).parent / ".axe"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is missing: cannot install axe-core for the accessibility test")
        result = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder),
                                 "axe-core@4"], capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not script.exists():
            pytest.fail(f"npm install axe-core failed:\n{result.stdout}\n{result.stderr}")
    return script
