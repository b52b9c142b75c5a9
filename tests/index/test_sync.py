"""The index follows the knowledge base by its watermark: whatever wrote a document, one sync
brings it in, and whatever is no longer live leaves; no writer hands ids to the index."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete
from whoosh import index as whoosh_index

from crawler.boilerplate import RepeatedLines
from crawler.database import transaction
from crawler.extract import Page
from crawler.fetch import Response
from crawler.store import add_also_at, mark_gone, store_page, strip_learnt_boilerplate, touch
from index.build import Changes, build_index, check_index, sync_index
from index.location import current_generation
from index.query import SearchRequest, search
from index.watermark import MARK, OVERLAP, read_mark
from kb.language import Detected
from kb.models import Document, utcnow


def found(kb, query: str) -> list[str]:
    return [hit["url"] for hit in search(kb.settings.index_dir, SearchRequest(q=query)).to_json()["hits"]]


def entries(kb) -> tuple[int, int]:
    """(live entries, entries including those replaced or deleted since the last merge)."""
    ix = whoosh_index.open_dir(str(current_generation(kb.settings.index_dir)))
    return ix.doc_count(), ix.doc_count_all()


def add(kb, url: str, title: str, text: str = "Inwoners vragen attesten online aan.", **fields) -> int:
    with kb.session() as session:
        document = Document(url=url, title=title, text=text, lang="nl", doc_type="case", **fields)
        session.add(document)
        session.flush()
        return document.id


def crawled(url: str, text: str) -> tuple[Page, Detected, Response]:
    page = Page(title="Slimme parkeerplaatsen", text=text, description=None, declared_lang="nl", links=[],
                alternates={}, meta={}, fields={})
    return page, Detected("nl", 0.99), Response(url, url, 200, {"content-type": "text/html"}, b"", redirects=[])


def test_a_page_the_crawler_stores_changes_or_finds_gone_reaches_the_index_through_sync_alone(kb):
    with transaction(kb) as db:
        document_id = store_page(db, "http://stad.test/p", *crawled("http://stad.test/p", "Sensoren tonen vrije "
                                                                    "plaatsen."), source_id=None)
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "sensoren") == ["http://stad.test/p"]
    with transaction(kb) as db:
        store_page(db, "http://stad.test/p", *crawled("http://stad.test/p", "Camera's tellen de auto's."),
                   source_id=None, existing=document_id)
        add_also_at(db, document_id, "http://stad.test/p?print=1")
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "sensoren") == [] and found(kb, "camera's") == ["http://stad.test/p"]
    with transaction(kb) as db:
        mark_gone(db, "http://stad.test/p")
    assert sync_index(kb, kb.settings.index_dir) == Changes(removed=frozenset({document_id}))
    assert found(kb, "camera's") == []


def test_lines_learnt_as_boilerplate_when_the_crawl_ends_leave_the_index_at_the_next_sync(kb):
    text = "Sensoren tonen de vrije plaatsen.\nBel ons gratis op het nummer van de stad."
    with transaction(kb) as db:
        document_id = store_page(db, "http://stad.test/p", *crawled("http://stad.test/p", text), source_id=None)
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "gratis") == ["http://stad.test/p"]
    repeated = RepeatedLines(repeated_on=1, share=0.0)
    repeated.count("stad.test", "nl", "Bel ons gratis op het nummer van de stad.")
    with transaction(kb) as db:
        assert strip_learnt_boilerplate(db, [document_id], repeated) == 1
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "gratis") == [] and found(kb, "sensoren") == ["http://stad.test/p"]


def test_a_recrawl_that_only_confirms_its_pages_rewrites_nothing_in_the_index(kb):
    with transaction(kb) as db:
        store_page(db, "http://stad.test/p", *crawled("http://stad.test/p", "Sensoren."), source_id=None)
    build_index(kb, kb.settings.index_dir)
    with transaction(kb) as db:
        touch(db, "http://stad.test/p", None, confirmed=True)  # a 304
    assert not sync_index(kb, kb.settings.index_dir)
    with transaction(kb) as db:  # a sitemap's new lastmod is a change of the record
        touch(db, "http://stad.test/p", "2026-01-02", confirmed=False)
    assert sync_index(kb, kb.settings.index_dir).changed


def test_imported_documents_and_cases_are_searchable_after_one_sync(kb, tmp_path):
    from kb.accounts import Actor
    from kb.case_import import import_cases
    from kb.formats import import_documents

    documents = tmp_path / "documents.jsonl"
    documents.write_text(json.dumps({"url": "https://stad.test/loket", "title": "Digitaal loket", "lang": "nl",
                                     "text": "Attesten aanvragen."}), encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "c1", "title": "Burgerbegroting Gent", "country": "BE",
                                 "summary": "Inwoners beslissen mee over de begroting."}), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, documents)
        import_cases(session, cases, Actor("carl", "curator"))
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "loket") == ["https://stad.test/loket"]
    assert len(found(kb, "burgerbegroting")) == 1


@pytest.mark.both_engines
def test_an_erased_persons_profile_leaves_the_index_at_the_next_sync(kb):
    from kb.erasure import erase_person
    from kb.models import Person
    from kb.people import record_consent

    with kb.session() as db:
        person = Person(name="Ilse Zwanenburg", country="NL", bio="Adviseur open data bij de gemeente Utrecht")
        db.add(person)
        db.flush()
        person_id = person.id
        record_consent(db, person, "carl", "speaker profile")
    sync_index(kb, kb.settings.index_dir)
    assert len(found(kb, "Zwanenburg")) == 1
    with kb.session() as db:
        erase_person(db, person_id, "admin")
    sync_index(kb, kb.settings.index_dir)
    assert found(kb, "Zwanenburg") == []


def test_a_document_deleted_from_the_kb_leaves_the_index(kb):
    kept, deleted = add(kb, "https://stad.test/a", "Digitaal loket"), add(kb, "https://stad.test/b", "Loket Gent")
    build_index(kb, kb.settings.index_dir)
    with kb.session() as session:
        session.execute(delete(Document).where(Document.id == deleted))
    assert sync_index(kb, kb.settings.index_dir) == Changes(removed=frozenset({deleted}))
    assert found(kb, "loket") == ["https://stad.test/a"] and kept != deleted
    assert check_index(kb, kb.settings.index_dir)["not_in_kb"] == []


def test_a_document_stamped_the_same_as_one_already_synced_is_not_lost(kb):
    stamp = utcnow()
    add(kb, "https://stad.test/a", "Digitaal loket", updated_at=stamp)
    sync_index(kb, kb.settings.index_dir)
    add(kb, "https://stad.test/b", "Loket Gent", updated_at=stamp)  # same microsecond, committed later
    sync_index(kb, kb.settings.index_dir)
    assert sorted(found(kb, "loket")) == ["https://stad.test/a", "https://stad.test/b"]


def test_a_write_committed_during_a_sync_with_a_stamp_before_its_mark_is_found_by_the_next(kb):
    """As a writer that took its stamp, then waited for SQLite's write lock while the sync ran."""
    add(kb, "https://stad.test/a", "Digitaal loket")
    late = []

    def commit_late(_generation, knowledge_base, _changes):  # after the sync read the kb, before its mark
        if not late:
            late.append(add(knowledge_base, "https://stad.test/late", "Loket Brugge",
                            updated_at=utcnow() - OVERLAP / 2))

    sync_index(kb, kb.settings.index_dir, appliers=(commit_late,))
    assert found(kb, "brugge") == []
    assert sync_index(kb, kb.settings.index_dir).changed == frozenset(late)
    assert found(kb, "brugge") == ["https://stad.test/late"]


def test_a_sync_right_after_a_rebuild_changes_nothing(kb):
    for n in range(5):
        add(kb, f"https://stad.test/{n}", f"Digitaal loket {n}")  # all stamped within the overlap
    build_index(kb, kb.settings.index_dir)
    assert entries(kb) == (5, 5)
    assert sync_index(kb, kb.settings.index_dir) == Changes()
    assert entries(kb) == (5, 5)  # no entry written again


def test_a_sync_writes_again_only_what_changed_since_the_last(kb):
    ids = [add(kb, f"https://stad.test/{n}", f"Digitaal loket {n}") for n in range(3)]
    sync_index(kb, kb.settings.index_dir)
    with kb.session() as session:
        session.get(Document, ids[1]).title = "Slimme verlichting"
    assert sync_index(kb, kb.settings.index_dir) == Changes(changed=frozenset({ids[1]}))
    assert entries(kb) == (3, 4)
    assert found(kb, "verlichting") == ["https://stad.test/1"]
    mark = read_mark(current_generation(kb.settings.index_dir))
    assert mark.through is not None and set(mark.recent) == set(ids)


def test_a_generation_written_before_marks_existed_rewrites_only_what_changed(kb):
    ids = [add(kb, f"https://stad.test/{n}", f"Digitaal loket {n}") for n in range(3)]
    build_index(kb, kb.settings.index_dir)
    (current_generation(kb.settings.index_dir) / MARK).unlink()
    with kb.session() as session:  # changed long ago, as an update the old code never pushed
        document = session.get(Document, ids[0])
        document.title, document.updated_at = "Slimme verlichting", utcnow() - timedelta(days=30)
    assert sync_index(kb, kb.settings.index_dir) == Changes(changed=frozenset({ids[0]}))
    assert found(kb, "verlichting") == ["https://stad.test/0"]


def test_every_applier_gets_the_changes_whoosh_got_and_gets_them_again_when_the_mark_did_not_move(kb):
    """The shape for another artifact kept per generation (passage vectors): one set of changes."""
    kept, gone = add(kb, "https://stad.test/a", "Digitaal loket"), add(kb, "https://stad.test/b", "Loket Gent")
    build_index(kb, kb.settings.index_dir)
    with kb.session() as session:
        session.get(Document, kept).title = "Slimme verlichting"
        session.get(Document, gone).gone = True
    seen = []

    def failing(generation, _kb, changes):
        seen.append((generation, changes))
        raise OSError("disk full")

    with pytest.raises(OSError):
        sync_index(kb, kb.settings.index_dir, appliers=(failing,))
    expected = Changes(changed=frozenset({kept}), removed=frozenset({gone}))
    assert seen == [(current_generation(kb.settings.index_dir), expected)]
    assert found(kb, "verlichting") == [] and found(kb, "gent") == ["https://stad.test/b"]  # nor did Whoosh
    assert sync_index(kb, kb.settings.index_dir, appliers=(lambda g, k, c: seen.append((g, c)),)) == expected
    assert seen[-1] == seen[0]  # the mark had not moved: the same changes come again
    assert sync_index(kb, kb.settings.index_dir) == Changes()


def test_a_sync_without_an_index_creates_one_and_a_rebuild_hands_every_live_id_to_the_appliers(kb):
    first = add(kb, "https://stad.test/a", "Digitaal loket")
    assert sync_index(kb, kb.settings.index_dir) == Changes(changed=frozenset({first}))
    add(kb, "https://stad.test/b", "Loket Gent", gone=True)  # gone: handed to no applier
    given = []
    build_index(kb, kb.settings.index_dir, appliers=(lambda g, k, changes: given.append(changes),))
    # the sync after the swap had nothing to give; appliers are still called, with no changes, so that
    # an artifact can do work of its own (vectors of a new model)
    assert given == [Changes(changed=frozenset({first})), Changes()]


def test_a_removed_documents_words_are_not_offered_as_did_you_mean_before_any_merge(kb):
    """Whoosh keeps a deleted entry's words in its vocabulary until the segment is merged."""
    add(kb, "https://stad.test/a", "Digitaal loket")
    gone = add(kb, "https://stad.test/b", "Kattenstoet in Ieper")
    build_index(kb, kb.settings.index_dir)
    misspelt = SearchRequest(q="kattenstoot", meaning=False)
    assert search(kb.settings.index_dir, misspelt).suggestion == "kattenstoet"
    with kb.session() as session:
        session.execute(delete(Document).where(Document.id == gone))
    sync_index(kb, kb.settings.index_dir)
    assert entries(kb)[1] > entries(kb)[0]  # the deleted entry is still in the segment's files
    assert search(kb.settings.index_dir, misspelt).suggestion is None
    assert search(kb.settings.index_dir, SearchRequest(q="kattenstoet", meaning=False)).suggestion is None
