"""`kb worker`: sources queued from the web UI are crawled and their status recorded."""

from __future__ import annotations

from crawler.settings import CrawlSettings
from kb.app.worker import run_due_sources
from kb.models import AuditEvent, Source
from kb.source_queue import register_source, source_json


def test_a_queued_source_is_crawled_and_marked_done_with_its_pages(kb, demo_site):
    with kb.session() as session:
        source_id = register_source(session, demo_site[0], "Demo", "ana", allow_private=True).id
    cfg = CrawlSettings(delay=0.0, max_pages=5, max_depth=2, allow_private_hosts=True)
    assert run_due_sources(kb, cfg, echo=lambda _m: None) == 1
    with kb.session() as session:
        source = session.get(Source, source_id)
        assert source_json(source)["status"] == "done" and source.pages_stored >= 1
        actions = [e.action for e in session.query(AuditEvent).filter_by(entity="source").order_by(AuditEvent.id)]
        assert actions == ["create", "crawl_start", "crawl_done"]
    assert run_due_sources(kb, cfg, echo=lambda _m: None) == 0  # not due again before its recrawl time


def test_a_source_the_crawler_refuses_is_marked_failed_with_the_reason(kb, demo_site):
    with kb.session() as session:
        source_id = register_source(session, demo_site[0], "Demo", "ana", allow_private=True).id
    run_due_sources(kb, CrawlSettings(delay=0.0, max_pages=5, allow_private_hosts=False), echo=lambda _m: None)
    with kb.session() as session:
        source = session.get(Source, source_id)
        assert source_json(source)["status"] == "failed"
        assert "refused" in source.last_error or "non-public" in source.last_error


def test_a_redirect_to_loopback_is_refused_and_never_requested(kb, monkeypatch):
    """The seed passes as if public; its redirect to http://localhost/ must be refused by the real guard."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import crawler.addresses
    import crawler.fetch
    import crawler.schedule

    requested = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            if self.path == "/robots.txt":
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/secret")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real_check, real_peer_check = crawler.addresses.check_url_allowed, crawler.addresses.PeerGuard.check

    def public_seed_host(url, allow_private, *rules):  # stand-in for a public host: 127.0.0.1 only, never localhost
        if url.startswith(f"http://127.0.0.1:{server.server_port}/"):
            return None
        return real_check(url, allow_private, *rules)

    def public_seed_peer(guard, sock, host):  # the same stand-in where each connection's peer is checked
        if sock.getpeername()[:2] == ("127.0.0.1", server.server_port):
            return None
        return real_peer_check(guard, sock, host)

    monkeypatch.setattr(crawler.addresses.PeerGuard, "check", public_seed_peer)
    monkeypatch.setattr(crawler.fetch, "check_url_allowed", public_seed_host)
    monkeypatch.setattr(crawler.addresses, "check_url_allowed", public_seed_host)
    monkeypatch.setattr(crawler.schedule, "check_url_allowed", public_seed_host)
    try:
        with kb.session() as session:
            source_id = register_source(session, f"http://127.0.0.1:{server.server_port}/start", "R", "ana",
                                        allow_private=True).id
        run_due_sources(kb, CrawlSettings(delay=0.0, max_pages=3, allow_private_hosts=False), echo=lambda _m: None)
    finally:
        server.shutdown()
        server.server_close()
    assert "/start" in requested and "/secret" not in requested
    with kb.session() as session:
        source = session.get(Source, source_id)
        assert source_json(source)["status"] == "failed" and source.pages_stored == 0
        assert "refused" in source.last_error, source.last_error


def test_the_worker_indexes_cases_changed_in_the_web_ui_so_they_are_searchable(kb):
    from index.build import indexed_ids
    from index.query import SearchRequest, search
    from kb.accounts import Actor
    from kb.cases import create_case, delete_case
    from kb.cli import sync_index

    curator = Actor("carl", "curator")
    with kb.session() as session:
        case = create_case(session, {"title": "Burgerbegroting Gent", "summary": "Inwoners beslissen mee over de "
                                     "begroting van de stad Gent.", "country": "BE"}, curator)
    sync_index(kb)  # as the worker does every round
    hits = search(kb.settings.index_dir, SearchRequest(q="burgerbegroting")).to_json()["hits"]
    assert [(h["title"], h["type"]) for h in hits] == [("Burgerbegroting Gent", "case")]
    with kb.session() as session:
        delete_case(session, session.merge(case), curator)
    sync_index(kb)
    assert indexed_ids(kb.settings.index_dir) == set()


def test_a_source_left_crawling_by_a_dead_worker_is_queued_again(kb):
    from kb.app.worker import requeue_interrupted

    with kb.session() as session:
        source = register_source(session, "https://www.example.org/", "Ex", "ana")
        source.status = "crawling"
    assert requeue_interrupted(kb) == 1
    with kb.session() as session:
        assert session.get(Source, source.id).status == "queued"


def test_the_worker_indexes_a_profile_published_in_the_web_ui_and_removes_it_when_consent_is_withdrawn(kb):
    from index.query import SearchRequest, search
    from kb.cli import sync_index
    from kb.models import Document, Person
    from kb.people import record_consent, withdraw_consent

    def experts():
        hits = search(kb.settings.index_dir, SearchRequest(q="Zwanenburg")).to_json()["hits"]
        return [(h["title"], h["type"]) for h in hits]

    with kb.session() as db:
        person = Person(name="Ilse Zwanenburg", country="NL", bio="Adviseur open data bij de gemeente Utrecht")
        db.add(person)
        db.flush()
        person_id = person.id
        record_consent(db, person, "carl", "speaker profile")
    sync_index(kb)
    assert experts() == [("Ilse Zwanenburg", "expert")]
    with kb.session() as db:
        withdraw_consent(db, db.get(Person, person_id), "carl")
    sync_index(kb)
    assert experts() == []
    with kb.session() as db:  # the retired entry keeps no personal data
        entry = db.query(Document).filter_by(origin="person").one()
        assert entry.gone and "Zwanenburg" not in f"{entry.title}{entry.text}{entry.meta}"


def test_a_worker_starting_after_a_kill_indexes_what_the_crawl_stored_but_never_indexed(kb, tmp_path):
    import json

    from index.build import check_index
    from kb.app.worker import catch_up_index
    from kb.formats import import_documents

    docs = [{"url": f"https://stad.test/{n}", "title": f"Loket {n}", "lang": "nl",
             "text": f"Het digitaal loket nummer {n} opende voor inwoners."} for n in range(3)]
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, source)  # stored, as by a crawl whose worker died before indexing
    assert catch_up_index(kb, echo=lambda _line: None) == 3  # no index at all: built
    assert check_index(kb, kb.settings.index_dir)["missing_from_index"] == []
    docs.append({"url": "https://stad.test/late", "title": "Laat", "lang": "nl", "text": "Een late pagina."})
    source.write_text(json.dumps(docs[-1]), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, source)
    assert catch_up_index(kb, echo=lambda _line: None) == 1  # the index is there, one page behind
    report = check_index(kb, kb.settings.index_dir)
    assert report["missing_from_index"] == [] and report["indexed"] == 4
    assert catch_up_index(kb, echo=lambda _line: None) == 0  # nothing left to do
