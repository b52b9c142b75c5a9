"""Collections: curators, items in order, audited changes, and restore from the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from kb.accounts import create_user
from kb.collections import (CollectionError, add_curator, add_item, can_edit, can_view, create_collection,
                            delete_collection, full_snapshot, move_item, reorder, restore_collection, set_note)
from kb.models import Collection, CollectionCurator, CollectionItem, Document

WORKSHOP = {"title": "Smart city governance", "description": "Two days, hybrid.", "visibility": "unlisted",
            "event_name": "Workshop on smart city governance", "event_start": "2027-03-10",
            "event_end": "2027-03-11", "event_place": "Brussels", "event_mode": "hybrid",
            "agenda": "09:00 | Welcome | Chair\n10:00 | Data platforms | Ghent, Helsinki"}


@pytest.fixture
def people(kb):
    with kb.session() as session:
        return {name: create_user(session, name, role, "long password")
                for name, role in (("cora", "curator"), ("cid", "curator"), ("rex", "researcher"), ("ada", "admin"))}


def _documents(session, count=3):
    docs = [Document(url=f"https://example.org/{n}", title=f"Doc {n}") for n in range(count)]
    session.add_all(docs)
    session.flush()
    return [d.id for d in docs]


def test_a_workshop_collection_keeps_its_event_and_agenda(kb, people):
    with kb.session() as session:
        collection = create_collection(session, WORKSHOP, people["cora"], "cora")
        assert collection.event_mode == "hybrid" and collection.agenda[1] == {
            "time": "10:00", "title": "Data platforms", "speakers": "Ghent, Helsinki"}
        with pytest.raises(CollectionError):
            create_collection(session, {**WORKSHOP, "event_mode": "by post"}, people["cora"], "cora")


def test_only_its_curators_and_admins_edit_a_collection_and_see_it_when_private(kb, people):
    with kb.session() as session:
        collection = create_collection(session, {"title": "Private", "visibility": "private"}, people["cora"], "cora")
        assert can_edit(session, collection, people["cora"]) and can_edit(session, collection, people["ada"])
        assert not can_edit(session, collection, people["cid"]) and not can_view(session, collection, people["rex"])
        add_curator(session, collection, "cid", actor="cora")
        assert can_view(session, collection, people["cid"])
        with pytest.raises(CollectionError, match="no active curator"):
            add_curator(session, collection, "rex", actor="cora")


def test_items_keep_their_order_notes_and_can_be_reordered(kb, people):
    with kb.session() as session:
        collection = create_collection(session, WORKSHOP, people["cora"], "cora")
        items = [add_item(session, collection, document_id=d, actor="cora") for d in _documents(session)]
        with pytest.raises(CollectionError, match="already"):
            add_item(session, collection, document_id=items[0].document_id, actor="cora")
        move_item(session, collection, items[2].id, -1, actor="cora")
        set_note(session, collection, items[0].id, "Start here", actor="cora")
        order = [i["document_id"] for i in full_snapshot(session, collection)["items"]]
        assert order == [items[0].document_id, items[2].document_id, items[1].document_id]
        reorder(session, collection, [items[1].id, items[0].id, items[2].id], actor="cora")
        assert [i["id"] for i in full_snapshot(session, collection)["items"]] == [items[1].id, items[0].id, items[2].id]
        with pytest.raises(CollectionError):
            reorder(session, collection, [items[1].id], actor="cora")


def test_the_audit_trail_restores_a_deleted_collection_exactly(kb, people):
    with kb.session() as session:
        collection = create_collection(session, WORKSHOP, people["cora"], "cora")
        for doc_id in _documents(session):
            add_item(session, collection, document_id=doc_id, note=f"note {doc_id}", actor="cora")
        add_curator(session, collection, "cid", actor="cora")
        collection_id = collection.id
        original = full_snapshot(session, collection)
        delete_collection(session, collection, actor="cid")
    with kb.session() as session:  # even the rows themselves are gone
        session.execute(delete(CollectionItem).where(CollectionItem.collection_id == collection_id))
        session.execute(delete(CollectionCurator).where(CollectionCurator.collection_id == collection_id))
        session.execute(delete(Collection).where(Collection.id == collection_id))
    with kb.session() as session:
        restored = restore_collection(session, collection_id, "cora")
        assert full_snapshot(session, restored) == original
        with pytest.raises(CollectionError, match="not deleted"):
            restore_collection(session, collection_id, "cora")


def test_a_soft_deleted_collection_is_restored_with_its_items(kb, people):
    with kb.session() as session:
        collection = create_collection(session, WORKSHOP, people["cora"], "cora")
        add_item(session, collection, document_id=_documents(session, 1)[0], note="keep", actor="cora")
        original = full_snapshot(session, collection)
        delete_collection(session, collection, actor="cora")
        assert not can_view(session, collection, people["rex"])
        assert full_snapshot(session, restore_collection(session, collection.id, "cora")) == original


@pytest.mark.parametrize("dates", [{"event_start": "next week"},
                                   {"event_start": "2027-03-11", "event_end": "2027-03-10"}])
def test_event_dates_must_be_dates_in_order(kb, people, dates):
    with kb.session() as session, pytest.raises(CollectionError):
        create_collection(session, {"title": "Workshop", **dates}, people["cora"], "cora")
