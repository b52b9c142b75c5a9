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
        from kb.models import Organisation

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
        from kb.models import Organisation

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


def test_the_cases_browse_counts_each_network_over_its_live_cases_and_filters_by_it(kb):
    from kb.accounts import Actor
    from kb.case_listing import browse_cases
    from kb.cases import REVIEW_STATES, create_case, delete_case

    carl = Actor("carl", "curator")
    with kb.session() as db:
        eurocities = save_organisation(db, {"name": "Eurocities", "kind": "network"}, "carl")
        urbact = save_organisation(db, {"name": "URBACT", "kind": "programme"}, "carl")
        gent = create_case(db, {"title": "Gent open data", "summary": "x", "country": "BE"}, carl)
        leuven = create_case(db, {"title": "Leuven traffic counts", "summary": "x", "country": "BE"}, carl)
        utrecht = create_case(db, {"title": "Utrecht data platform", "summary": "x", "country": "NL"}, carl)
        gone = create_case(db, {"title": "Deleted case", "summary": "x", "country": "BE"}, carl)
        set_links(db, eurocities, "cases", [gent.id, utrecht.id, gone.id], "carl")
        set_links(db, urbact, "cases", [gent.id], "carl")
        delete_case(db, gone, carl)
        db.flush()
        e, u = str(eurocities.id), str(urbact.id)

        everything = browse_cases(db, {}, REVIEW_STATES)
        assert everything.facets["network"] == {e: 2, u: 1}  # the deleted case is not counted
        assert everything.network_names == {e: "Eurocities", u: "URBACT"}
        assert everything.total == 3  # a case of no network is listed all the same

        of_eurocities = browse_cases(db, {"network": [e]}, REVIEW_STATES)
        assert sorted(c.title for c in of_eurocities.cases) == ["Gent open data", "Utrecht data platform"]
        assert of_eurocities.facets["network"] == {e: 2, u: 1}  # its own filter left out of its counts
        assert of_eurocities.facets["country"] == {"BE": 1, "NL": 1}

        belgian = browse_cases(db, {"country": ["BE"], "network": [e, u]}, REVIEW_STATES)
        assert [c.title for c in belgian.cases] == ["Gent open data"]
        assert belgian.facets["network"] == {e: 1, u: 1}
        assert leuven.id not in {c.id for c in belgian.cases}

        ghent_itself = save_organisation(db, {"name": "Stad Gent", "kind": "municipality"}, "carl")
        unknown = browse_cases(db, {"network": ["999999", "not-a-number", str(ghent_itself.id)]}, REVIEW_STATES)
        assert unknown.total == 0 and unknown.network_names == {e: "Eurocities", u: "URBACT"}  # those counted
