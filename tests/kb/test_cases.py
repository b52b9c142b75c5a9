"""Case records: review, merging, soft deletion, search documents and bulk import."""

from __future__ import annotations

import json

import pytest

from kb.accounts import Actor
from kb.case_import import import_cases
from kb.cases import (CaseError, create_case, create_from_document, delete_case, edit_case, merge_cases,
                      reject_case, restore_case, unmerge_case, validate_case)
from kb.models import AuditEvent, Case, Document
from tests.conftest import shared_data

RESEARCHER, CURATOR = Actor("rita", "researcher"), Actor("carl", "curator")
GENT = {"title": "Burgerbegroting Gent", "summary": "Inwoners beslissen mee over de stadsbegroting van Gent.",
        "country": "be", "municipality": "Gent", "themes": ["participation"], "years": "2019-2021",
        "links": ["https://stad.gent/burgerbegroting"]}


def test_a_researchers_case_is_proposed_and_a_curator_validates_it(kb):
    with kb.session() as session:
        case = create_case(session, GENT, RESEARCHER)
        assert case.review_state == "proposed" and case.country == "BE" and case.years == [2019, 2020, 2021]
        validate_case(session, case, CURATOR)
        assert (case.review_state, case.validated_by) == ("validated", "carl") and case.validated_at


def test_a_researchers_edit_waits_as_a_proposal_and_a_rejection_keeps_the_validated_text(kb):
    with kb.session() as session:
        case = create_case(session, GENT, CURATOR)
        edit_case(session, case, {"title": "Participatory budget Ghent"}, RESEARCHER)
        assert case.title == "Burgerbegroting Gent" and case.proposed_changes == {"title": "Participatory budget Ghent"}
        with pytest.raises(CaseError):
            reject_case(session, case, CURATOR, "  ")
        reject_case(session, case, CURATOR, "keep the original name")
        assert case.review_state == "validated" and case.proposed_changes is None
        edit_case(session, case, {"title": "Burgerbegroting (Gent)"}, RESEARCHER)
        validate_case(session, case, CURATOR)
        assert case.title == "Burgerbegroting (Gent)"


def test_every_case_is_mirrored_as_a_search_document_gone_when_deleted(kb):
    with kb.session() as session:
        case = create_case(session, GENT, CURATOR)
        document = session.get(Document, case.document_id)
        assert (document.doc_type, document.url, document.lang, document.gone) == ("case", f"casebook:case/{case.id}",
                                                                                 "nl", False)
        delete_case(session, case, CURATOR)
        assert document.gone
        restore_case(session, case, CURATOR)
        assert not document.gone


def test_merging_duplicates_links_them_and_can_be_undone(kb):
    with kb.session() as session:
        keep = create_case(session, GENT, CURATOR)
        duplicate = create_case(session, {**GENT, "title": "Gent participatory budget", "themes": ["budget"],
                                          "links": ["https://example.org/gent-budget"]}, CURATOR)
        before = (list(keep.also_at), list(keep.themes))
        merge_cases(session, keep, duplicate, CURATOR)
        assert "https://example.org/gent-budget" in keep.also_at and duplicate.merged_into == keep.id
        assert session.get(Document, duplicate.document_id).gone
        with pytest.raises(CaseError):
            merge_cases(session, keep, duplicate, CURATOR)
        unmerge_case(session, duplicate, CURATOR)
        assert (keep.also_at, keep.themes) == before and duplicate.merged_into is None
        assert not session.get(Document, duplicate.document_id).gone


def test_a_curator_drafts_a_case_from_a_crawled_document(kb):
    with kb.session() as session:
        document = Document(url="https://www.leuven.be/telraam", title="Telraam in Leuven", country="BE",
                            text="Bewoners tellen verkeer met een sensor aan het raam.", year=2020)
        session.add(document)
        session.flush()
        case = create_from_document(session, document, CURATOR)
        assert case.from_document_id == document.id and case.links == ["https://www.leuven.be/telraam"]
        assert case.review_state == "validated"


def test_every_change_is_an_audit_event_with_before_and_after(kb):
    with kb.session() as session:
        case = create_case(session, GENT, RESEARCHER)
        validate_case(session, case, CURATOR)
        events = session.query(AuditEvent).filter_by(entity="case").order_by(AuditEvent.id).all()
        assert [(e.action, e.actor) for e in events] == [("create", "rita"), ("validate", "carl")]
        assert events[1].before["review_state"] == "proposed" and events[1].after["review_state"] == "validated"


@pytest.mark.both_engines
def test_import_reports_each_rejected_row_and_stores_the_rest(kb, tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([
        {"title": "Digitaal loket Kortrijk", "summary": "Aanvragen van thuis uit.", "country": "BE", "id": "k1"},
        {"title": "", "summary": "No title"},
        {"title": "Bad country", "summary": "x", "country": "Belgium"},
        {"title": "Bad year", "summary": "x", "years": "soon"},
        {"title": "No summary"},
        "not an object",
        {"title": "Digitaal loket Kortrijk again", "summary": "Same id", "id": "k1"},
    ]), encoding="utf-8")
    with kb.session() as session:
        report = import_cases(session, path, RESEARCHER)
    assert report.stored == 1
    assert [row for row, _ in report.rejected] == [2, 3, 4, 5, 6, 7]
    assert all(reason for _, reason in report.rejected)


def test_the_ips_observatory_export_imports_with_its_fields_mapped(kb):
    path = shared_data("cases", "ips-explorer") / "cases.csv"
    with kb.session() as session:
        report = import_cases(session, path, RESEARCHER, fmt="ips")
        assert report.stored + len(report.rejected) == 853 and report.stored >= 840
        ams = session.query(Case).filter_by(external_id="ips:10000").one()
        assert ams.title == "AMS - public empolyment service" and ams.country == "AT" and ams.level == "National"
        assert ams.technologies == ["Artificial intelligence"] and ams.years == [2020]
        assert "Social protection" in ams.themes and ams.contact_org == "Public Employment Service Austria"
    with kb.session() as session:
        again = import_cases(session, shared_data("cases", "ips-explorer") / "cases.json", CURATOR, fmt="ips")
        assert again.stored == 0 and again.updated == report.stored


def test_a_researchers_import_proposes_edits_and_leaves_the_case_text_as_it_was(kb):
    path = shared_data("cases", "ips-explorer") / "cases.csv"
    with kb.session() as session:
        first = import_cases(session, path, CURATOR, fmt="ips")
        again = import_cases(session, shared_data("cases", "ips-explorer") / "cases.json", RESEARCHER, fmt="ips")
        assert again.stored == again.updated == 0 and again.unchanged + again.proposed == first.stored
        assert again.unchanged > again.proposed
        changed = session.query(Case).filter(Case.proposed_changes.is_not(None)).all()
        assert len(changed) == again.proposed
        assert all(case.review_state == "validated" and case.proposed_by == "rita" for case in changed)


def test_themes_naming_a_thesaurus_concept_are_stored_as_its_id(kb):
    with kb.session() as session:
        case = create_case(session, {**GENT, "themes": "Open data; burgerparticipatie; Something new"}, CURATOR)
        assert case.themes == ["open-data", "participation", "Something new"]


def test_a_nuts_code_is_checked_and_upper_cased(kb):
    with kb.session() as session:
        assert create_case(session, {**GENT, "nuts": "be234"}, CURATOR).nuts == "BE234"
        with pytest.raises(CaseError):
            create_case(session, {**GENT, "nuts": "Oost-Vlaanderen"}, CURATOR)
