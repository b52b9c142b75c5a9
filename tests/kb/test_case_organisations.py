"""Cases and organisations linked by the case's contact organisation (kb.case_organisations)."""

from __future__ import annotations

from kb.accounts import Actor
from kb.case_organisations import cases_of, join_names, named_organisations, organisations_of
from kb.cases import create_case, reject_case, validate_case
from kb.people import save_organisation

CURATOR, RESEARCHER = Actor("carl", "curator"), Actor("rita", "researcher")


def test_a_contact_organisation_field_names_each_organisation_once_in_order():
    assert named_organisations(" Stad Antwerpen ;imec; ; Stad Antwerpen") == ["Stad Antwerpen", "imec"]
    assert named_organisations(None) == [] and join_names(["Stad Gent", "imec", "Stad Gent"]) == "Stad Gent; imec"


def test_a_case_links_to_the_profiles_it_names_whatever_their_case_and_keeps_other_names_as_text(kb):
    with kb.session() as session:
        antwerp = save_organisation(session, {"name": "Stad Antwerpen", "kind": "municipality"}, "carl")
        case = create_case(session, {"title": "City of Things", "summary": "A living lab.",
                                     "contact_org": "stad antwerpen; A company without a profile"}, CURATOR)
        assert organisations_of(session, case) == [("stad antwerpen", antwerp),
                                                   ("A company without a profile", None)]


def test_an_organisation_lists_its_validated_cases_by_title_but_not_proposed_or_rejected_ones(kb):
    with kb.session() as session:
        gent = save_organisation(session, {"name": "Stad Gent", "kind": "municipality"}, "carl")
        cases = {title: create_case(session, {"title": title, "summary": "x", "contact_org": org}, RESEARCHER)
                 for title, org in [("Open data", "Stad Gent"), ("Burgerbegroting", "Stad Gent; Digipolis"),
                                    ("Proposed only", "Stad Gent"), ("Rejected", "Stad Gent"),
                                    ("Another town", "Stad Gentbrugge")]}
        for title in ("Open data", "Burgerbegroting", "Another town"):
            validate_case(session, cases[title], CURATOR)
        reject_case(session, cases["Rejected"], CURATOR, "not a case")
        assert [c.title for c in cases_of(session, gent)] == ["Burgerbegroting", "Open data"]
        assert {c.title for c in cases_of(session, gent, readers=False)} == {"Burgerbegroting", "Open data",
                                                                             "Proposed only"}
