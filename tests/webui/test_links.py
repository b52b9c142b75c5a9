"""Absolute links never take their host from a forged Host header (issue 19 item 21).

Every kind of link the app writes out whole is collected from an app asked with
``Host: evil.example``: calendar files, share links, cancel and personal links
(and the sign-up redirect to one), redirects to a final slash, both Atom feeds,
the exports, the sitemap, robots.txt and the OpenAPI description.
"""

from __future__ import annotations

import dataclasses
import json
import re
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from index.build import build_index
from kb.accounts import create_token, create_user
from kb.models import Document

FORGED = {"Host": "evil.example"}
EVENT = {"title": "Open data day", "starts": "2030-09-21T09:00:00+02:00", "ends": "2030-09-21T17:00:00+02:00",
         "mode": "onsite", "capacity": 30, "place": "Gent"}


@pytest.fixture
def settings(tmp_path):
    from kb.settings import load_settings

    return load_settings(tmp_path / "data", environ={"KB_EMBEDDING_MODEL": "none"})


@pytest.fixture
def world(kb):
    """A document in the index, a curator with a token, an event, a public collection and a case."""
    with kb.session() as session:
        session.add(Document(url="https://www.gent.be/loket", title="Digitaal loket", lang="nl",
                             doc_type="case", text="Digitaal loket van de stad Gent"))
        token = create_token(session, create_user(session, "cura", "curator", "cura-password"))
    build_index(kb, kb.settings.index_dir)
    client = make_app(kb).test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    event = client.post("/api/events", json=EVENT, headers=bearer).get_json()["id"]
    client.post("/api/collections", json={"title": "Loketten", "visibility": "public"}, headers=bearer)
    client.post("/api/cases", json={"title": "Loket", "summary": "Een digitaal loket"}, headers=bearer)
    return {"event": event, "bearer": bearer, "signups": iter(range(1000))}


def make_app(kb, **settings):
    from webui import create_app

    app = create_app(dataclasses.replace(kb.settings, **settings), kb=kb)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False, EXPENSIVE_PER_MINUTE=100_000)
    return app


def calendar_file(client, world, headers) -> str:
    text = client.get(f"/events/{world['event']}.ics", headers=headers).get_data(as_text=True)
    return text.replace("\r\n ", "").replace("\r", "")


def calendar_links(client, world, headers):
    return re.findall(r"^URL:(.+)$", calendar_file(client, world, headers), re.M)


def share_links(client, world, headers):
    answer = client.post("/api/collections", json={"title": "Link only", "visibility": "unlisted"},
                         headers=world["bearer"] | headers).get_json()
    signed_in = client.post("/auth/login", data={"name": "cura", "password": "cura-password"}, headers=headers)
    assert signed_in.status_code == 302
    page = client.get(f"/collections/{answer['id']}", headers=headers).get_data(as_text=True)
    return [answer["share_url"], re.search(r"<code>([^<]+)</code>", page).group(1).replace("&amp;", "&")]


def sign_up_links(client, world, headers):
    n = next(world["signups"])
    body = {"name": f"P{n}", "email": f"p{n}@stad.example", "organisation": "Stad", "attendance": "onsite",
            "consent": True}
    answer = client.post(f"/api/events/{world['event']}/registrations", json=body, headers=headers).get_json()
    form = client.post(f"/events/{world['event']}/register", headers=headers,
                       data={**body, "email": f"form{n}@stad.example", "consent": "yes"})
    return [answer["cancel_url"], answer["personal_url"], form.headers["Location"]]


def feed_links(client, world, headers):
    links = []
    for path in ("/feed.atom?q=loket", "/collections/feed.atom"):
        root = ET.fromstring(client.get(path, headers=headers).get_data())
        links += [e.text for e in root.iter("{http://www.w3.org/2005/Atom}id")]
        links += [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link") if e.get("rel") != "related"]
    return links


def export_links(client, world, headers):
    documents = client.get("/export.json?q=loket", headers=headers).get_json()["documents"]
    cases = json.loads(client.get("/cases/export.json", headers=headers).get_data())
    cases = cases["cases"] if isinstance(cases, dict) else cases
    ris = client.get("/export.ris?q=loket", headers=headers).get_data(as_text=True)
    return ([d["page"] for d in documents] + [c["page"] for c in cases]
            + re.findall(r"Casebook: (\S+)", ris))


def site_links(client, world, headers):
    root = ET.fromstring(client.get("/sitemap.xml", headers=headers).get_data())
    robots = client.get("/robots.txt", headers=headers).get_data(as_text=True)
    openapi = client.get("/api/openapi.json", headers=headers).get_json()
    return ([e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
            + re.findall(r"Sitemap: (\S+)", robots) + [server["url"] for server in openapi["servers"]])


def redirect_links(client, world, headers):
    return [client.get(path, headers=headers).headers["Location"] for path in ("/api", "/collections", "/audit")]


KINDS = {"calendar file": calendar_links, "redirects to a final slash": redirect_links, "share link": share_links,
         "cancel and personal links": sign_up_links, "feeds": feed_links, "exports": export_links,
         "sitemap, robots.txt and OpenAPI": site_links}


def collect(app, world, kind, headers) -> list[str]:
    links = KINDS[kind](app.test_client(), world, headers)
    assert links and all(links), f"{kind}: no links found"
    return links


@pytest.mark.parametrize("kind", KINDS)
def test_no_generated_link_names_a_forged_host(kb, world, kind):
    links = collect(make_app(kb), world, kind, FORGED)
    assert all(urlsplit(link).netloc == "localhost" for link in links), links


@pytest.mark.parametrize("kind", KINDS)
def test_every_generated_link_starts_with_the_base_url_setting(kb, world, kind):
    app = make_app(kb, base_url="https://casebook.example.org/kb")
    links = collect(app, world, kind, FORGED)
    assert all(f"{link}/".startswith("https://casebook.example.org/kb/") for link in links), links


@pytest.mark.parametrize("kind", KINDS)
def test_without_base_url_links_take_the_allowed_host_the_request_named(kb, world, kind):
    app = make_app(kb, allowed_hosts=("casebook.example.org", ".stad.example"))
    links = collect(app, world, kind, {"Host": "www.stad.example:8080"})
    assert all(f"{link}/".startswith("http://www.stad.example:8080/") for link in links), links


@pytest.mark.parametrize("settings_, uid_host", [({}, "localhost"), ({"base_url": "https://casebook.example.org"},
                                                                       "casebook.example.org")])
def test_a_calendar_files_uid_names_the_link_host_not_a_forged_one(kb, world, settings_, uid_host):
    text = calendar_file(make_app(kb, **settings_).test_client(), world, FORGED)
    assert re.search(r"^UID:event-\d+@(.+)$", text, re.M).group(1) == uid_host


def test_a_host_outside_allowed_hosts_is_refused_with_400(kb, world):
    client = make_app(kb, allowed_hosts=("casebook.example.org",)).test_client()
    for path in ("/", f"/events/{world['event']}.ics", "/api/search?q=loket", "/sitemap.xml"):
        refused = client.get(path, headers=FORGED)
        assert refused.status_code == 400, path
        assert "evil.example" not in refused.get_data(as_text=True)
    assert client.get("/api/search?q=loket", headers={"Host": "casebook.example.org"}).status_code == 200
    assert client.get("/api/search?q=loket", headers={"Host": "sub.casebook.example.org"}).status_code == 400


def test_base_url_and_allowed_hosts_come_from_kb_toml_and_the_environment(tmp_path):
    from kb.errors import InputError
    from kb.settings import load_settings

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kb.toml").write_text('base_url = "https://casebook.example.org/"\n'
                                    'allowed_hosts = ["casebook.example.org"]\n', encoding="utf-8")
    from_file = load_settings(folder, environ={})
    assert (from_file.base_url, from_file.allowed_hosts) == ("https://casebook.example.org",
                                                             ("casebook.example.org",))
    from_env = load_settings(folder, environ={"KB_ALLOWED_HOSTS": "a.example, .b.example"})
    assert from_env.allowed_hosts == ("a.example", ".b.example")
    for bad in ("casebook.example.org", "ftp://casebook.example.org", "https://x.example/?q=1",
                "https://user@x.example"):
        with pytest.raises(InputError, match="base_url"):
            load_settings(folder, environ={"KB_BASE_URL": bad})


def test_no_view_builds_an_absolute_link_from_the_request_itself():
    """Every absolute link goes through webui.links: a new feed or calendar view cannot bring the defect back."""
    from pathlib import Path

    import webui

    folder = Path(webui.__file__).parent
    request_host = re.compile(r"_external\s*=\s*True|request\.(host|host_url|url_root|url|base_url|root_url)\b")
    offenders = [f"{path.relative_to(folder)}:{number}: {line.strip()}"
                 for path in [*folder.glob("*.py"), *folder.glob("templates/**/*.html")] if path.name != "links.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if request_host.search(line)]
    assert not offenders, "build absolute links with webui.links.absolute_url / site_root:\n" + "\n".join(offenders)


def test_kb_serve_says_to_set_base_url_when_served_for_others_without_it(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:  # kb serve prints its note, then cannot listen and stops
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("KB_")}, "KB_TRUSTED_PROXIES": "1"}
        command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(tmp_path / "data"),
                   "serve", "--workers", "1", "--port", str(port)]
        behind_proxy = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        configured = subprocess.run(command, env={**env, "KB_BASE_URL": "https://casebook.example.org"},
                                    capture_output=True, text=True, timeout=120)
    assert behind_proxy.returncode == configured.returncode == 1
    assert "base_url" in behind_proxy.stderr and "base_url" not in configured.stderr
