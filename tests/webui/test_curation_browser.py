"""A curator's day in a real browser: sign in, register a source, build a collection, sign out."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.webui.test_accessibility import axe_problems

pytestmark = pytest.mark.browser


def kb_command(*args, data, input_text=None):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, input=input_text, timeout=300,
                          env={k: v for k, v in os.environ.items() if not k.startswith("KB_")})


@pytest.fixture
def curation_url(tmp_path):
    """`kb serve` on a fresh data folder with two documents and a curator account."""
    data = tmp_path / "data"
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"url": f"https://www.example.org/{n}", "title": title, "lang": "nl",
                                        "text": f"{title}: inwoners vragen documenten online aan."}) + "\n"
                            for n, title in enumerate(("Digitaal loket Kortrijk", "Slim loket Gent"))),
                    encoding="utf-8")
    assert kb_command("import", str(docs), data=data).returncode == 0
    assert kb_command("user", "add", "cora", "--role", "curator", "--password-stdin", data=data,
                      input_text="a long password\n").returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), "serve",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={k: v for k, v in os.environ.items() if not k.startswith("KB_")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/auth/login", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_curator_signs_in_registers_a_source_and_builds_a_collection(chromium, curation_url):
    context = chromium.new_context(base_url=curation_url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto("/auth/login")
    page.fill("#name", "cora")
    page.fill("#password", "a long password")
    page.click("main button[type=submit]")
    assert page.locator(".account-nav").inner_text().count("cora") == 1

    page.goto("/sources/")
    page.fill("#url", "https://www.example.org/cases/")
    page.fill("#name", "Example cases")
    page.click("button:has-text('Queue for crawling')")
    assert "queued" in page.locator("table").inner_text()
    page.fill("#url", "http://127.0.0.1:9/")
    page.click("button:has-text('Queue for crawling')")
    assert "not a public address" in page.locator("main").inner_text()

    page.goto("/collections/new")
    page.fill("#title", "Smart city governance workshop")
    page.select_option("#visibility", "public")
    page.select_option("#event_mode", "hybrid")
    page.fill("#agenda", "09:00 | Welcome | Chair")
    page.click("button:has-text('Create')")
    page.fill("#document_id", "1")
    page.fill("#new-note", "Start here")
    page.click("button:has-text('Add'):not(:has-text('co-curator'))")
    assert "Digitaal loket Kortrijk" in page.locator("ol.items").inner_text()
    assert "Start here" in page.locator("ol.items").inner_text()
    with page.expect_download() as download:
        page.click("a:has-text('RIS')")
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("TY  - ELEC")

    page.click(".account-nav button:has-text('Sign out')")
    assert "Sign in" in page.locator(".account-nav").inner_text()
    assert violations == []
    context.close()


@pytest.mark.parametrize("width", (1280, 360))
def test_the_curation_pages_have_no_serious_accessibility_violation(chromium, curation_url, axe_script, width):
    context = chromium.new_context(base_url=curation_url, bypass_csp=True, locale="en-GB",
                                   viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto("/auth/login")
    problems = axe_problems(page, axe_script, "login")
    page.fill("#name", "cora")
    page.fill("#password", "a long password")
    page.click("main button[type=submit]")
    page.goto("/collections/new")
    page.fill("#title", "Workshop")
    page.click("button:has-text('Create')")
    collection = page.url
    page.goto("/cases/new")
    page.fill("#title", "Digitaal loket")
    page.fill("#summary", "Aanvragen van thuis uit.")
    page.click("main button:has-text('Save'), main button:has-text('Propose')")
    case = page.url
    for name, path in (("sources", "/sources/"), ("collections", "/collections/"), ("collection", collection),
                       ("new case", "/cases/new"), ("case", case), ("cases", "/cases/?state=proposed"),
                       ("trash", "/audit/trash"), ("history", "/audit/"), ("account", "/auth/account")):
        page.goto(path)
        problems += axe_problems(page, axe_script, name)
    context.close()
    assert not problems, "\n".join(problems)
