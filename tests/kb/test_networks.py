"""Networks and programmes: members, cases and events linked, audited, and searchable as type network."""

from __future__ import annotations

import pytest

from kb.errors import InputError
from kb.models import AuditEvent, Document
from kb.networks import add_link, linked_ids, network_json, networks_of, set_links
from kb.people import save_organisation


@pytest.fixture
def ids(kb):
    from kb.accounts import Actor
    from kb.cases import create_case

    with kb.session() as db:
        network = save_organisation(db, {"name": "Open & Agile Smart Cities", "kind": "network",
                                         "description": "A network of cities on interoperability.",
                                         "join_info": "Cities and communities that sign the declaration.",
                                         "join_url": "https://oascities.org/"}, "carl")
        gent = save_organisation(db, {"name": "Gent", "kind": "municipality", "country": "BE"}, "carl")
        case = create_case(db, {"title": "Minimal Interoperability Mechanisms", "summary": "MIMs"},
                           Actor("carl", "curator"))
        return network.id, gent.id, case.id


def test_members_and_cases_are_linked_in_order_and_each_change_is_audited(kb, ids):
    network_id, gent_id, case_id = ids
    with kb.session() as db:
        from kb.people import Organisation

        network = db.get(Organisation, network_id)
        set_links(db, network, "members", [gent_id], "carl")
        add_link(db, network, "cases", case_id, "carl")
        add_link(db, network, "cases", case_id, "carl")  # already there: no change, no audit entry
        assert linked_ids(db, network_id, "cases") == [case_id]
        assert [n.name for n in networks_of(db, "cases", case_id)] == ["Open & Agile Smart Cities"]
        assert [n.name for n in networks_of(db, "members", gent_id)] == ["Open & Agile Smart Cities"]
        data = network_json(db, network)
        assert data["members"] == [{"id": gent_id, "name": "Gent"}]
        assert data["cases"] == [{"id": case_id, "title": "Minimal Interoperability Mechanisms"}]
        assert data["join_url"] == "https://oascities.org/" and data["kind"] == "network"
        links = db.query(AuditEvent).filter_by(entity="organisation", action="link").order_by(AuditEvent.id).all()
        assert [(e.before, e.after) for e in links] == [({"members": []}, {"members": [gent_id]}),
                                                       ({"cases": []}, {"cases": [case_id]})]


def test_unknown_ids_and_a_network_joining_itself_are_refused_and_nothing_changes(kb, ids):
    network_id, gent_id, _ = ids
    with kb.session() as db:
        from kb.people import Organisation

        network = db.get(Organisation, network_id)
        with pytest.raises(InputError, match="999"):
            set_links(db, network, "members", [gent_id, 999], "carl")
        with pytest.raises(InputError, match=str(network_id)):
            set_links(db, network, "members", [network_id], "carl")
        with pytest.raises(InputError):
            set_links(db, network, "events", [1], "carl")
        assert linked_ids(db, network_id, "members") == []


def test_a_network_is_a_search_document_of_type_network_with_who_may_join(kb, ids):
    network_id, gent_id, _ = ids
    with kb.session() as db:
        entry = db.query(Document).filter_by(url=f"casebook:organisations/{network_id}").one()
        assert entry.doc_type == "network" and "sign the declaration" in entry.text
        assert entry.meta["page_path"] == f"/networks/{network_id}"
        town = db.query(Document).filter_by(url=f"casebook:organisations/{gent_id}").one()
        assert town.doc_type == "organisation"
