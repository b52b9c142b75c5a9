"""Cases proposed from crawled pages (kb.crawled_cases) and the demo curated as `kb demo` does it."""

from __future__ import annotations

import stat
from collections import Counter

from sqlalchemy import func, select

from kb.accounts import Actor
from kb.cases import edit_case, reject_case, validate_case
from kb.crawled_cases import propose_crawled_cases
from kb.models import Case, Document

CURATOR = Actor("cora", "curator")
BASE = "https://city.example/cases/living-lab"


def case_page(lang: str, name: str, description: str, status: str = "ongoing") -> Document:
    """A page as the crawler stores one whose JSON-LD describes a case (crawler.extract, crawler.metadata)."""
    json_ld = {"@context": "https://schema.org", "@type": "Article", "additionalType": "case", "name": name,
               "inLanguage": lang, "description": description, "about": ["smart-city", "Open data"],
               "spatialCoverage": {"@type": "Place", "name": "Gent",
                                   "address": {"@type": "PostalAddress", "addressCountry": "be"},
                                   "additionalProperty": {"@type": "PropertyValue", "propertyID": "populationBand",
                                                          "value": "100k-500k"}},
               "temporalCoverage": "2018/2021", "creativeWorkStatus": status, "isBasedOn": "https://stad.gent/"}
    return Document(url=f"{BASE}/{lang}.html", final_url=f"{BASE}/{lang}.html", title=f"{name} | City site",
                    text=description, lang=lang, doc_type="case", origin="crawl",
                    meta={"json_ld": [json_ld]}, translations={"nl": f"{BASE}/nl.html", "en": f"{BASE}/en.html"})


def store_versions(session, **changes) -> None:
    session.add_all([case_page("nl", "Gent: levend lab", "Een levend lab in Gent."),
                     case_page("en", "Ghent: a living lab", changes.get("description", "A living lab in Ghent."))])
    session.flush()


def only_case(session) -> Case:
    cases = list(session.scalars(select(Case)))
    assert len(cases) == 1
    return cases[0]


def test_a_page_describing_a_case_becomes_one_proposed_case_linked_to_its_language_versions(kb):
    with kb.session() as session:
        store_versions(session)
        report = propose_crawled_cases(session)
        case = only_case(session)
        assert report.proposed == [case.id]
        assert (case.review_state, case.proposed_by, case.origin) == ("proposed", "crawler", "crawl")
        assert case.validated_by is None and case.validated_at is None
        assert case.title == "Ghent: a living lab"  # the English version is the one drafted from
        assert (case.municipality, case.country, case.status) == ("Gent", "BE", "ongoing")
        assert case.population_band == "100k-500k"
        assert case.years == [2018, 2019, 2020, 2021]
        assert case.themes == ["smart-city", "open-data"]  # "Open data" is the thesaurus concept open-data
        assert case.links == [f"{BASE}/en.html", f"{BASE}/nl.html", "https://stad.gent/"]
        english = session.scalar(select(Document).where(Document.url == f"{BASE}/en.html"))
        assert case.from_document_id == english.id


def test_proposing_again_after_a_recrawl_changes_nothing_and_duplicates_nothing(kb):
    with kb.session() as session:
        store_versions(session)
        propose_crawled_cases(session)
        again = propose_crawled_cases(session)
        case = only_case(session)
        assert (again.proposed, again.updated, again.unchanged) == ([], [], [case.id])
        assert case.proposed_changes is None


def test_a_changed_page_becomes_an_edit_to_review_and_never_overwrites_a_validated_case(kb):
    with kb.session() as session:
        store_versions(session)
        propose_crawled_cases(session)
        case = only_case(session)
        validate_case(session, case, CURATOR)
        english = session.get(Document, case.from_document_id)
        english.meta = {"json_ld": [{**english.meta["json_ld"][0], "description": "A bigger living lab.",
                                     "creativeWorkStatus": "completed"}]}
        report = propose_crawled_cases(session)
        assert report.updated == [case.id]
        assert case.summary == "A living lab in Ghent." and case.status == "ongoing"  # the validated text stays
        assert case.proposed_changes == {"summary": "A bigger living lab.", "status": "completed"}
        assert case.review_state == "validated" and case.validated_by == "cora"


def test_a_curators_own_wording_is_not_proposed_again_while_the_page_is_unchanged(kb):
    with kb.session() as session:
        store_versions(session)
        propose_crawled_cases(session)
        case = only_case(session)
        edit_case(session, case, {"title": "Ghent's living lab for the smart city"}, CURATOR)
        validate_case(session, case, CURATOR)
        report = propose_crawled_cases(session)
        assert report.unchanged == [case.id] and case.proposed_changes is None
        assert case.title == "Ghent's living lab for the smart city"


def test_a_rejected_proposal_is_not_proposed_again(kb):
    with kb.session() as session:
        store_versions(session)
        propose_crawled_cases(session)
        case = only_case(session)
        reject_case(session, case, CURATOR, "a pilot page, not a case")
        report = propose_crawled_cases(session)
        assert report.kept == [case.id] and report.proposed == []
        assert case.review_state == "rejected" and session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_page_without_a_case_description_proposes_nothing(kb):
    with kb.session() as session:
        session.add(Document(url="https://city.example/news.html", title="News", text="News of the city.",
                             doc_type="document", origin="crawl", meta={"json_ld": [{"@type": "NewsArticle"}]}))
        report = propose_crawled_cases(session)
        assert report.to_json() == {"proposed": [], "updated": [], "unchanged": 0, "kept": 0, "problems": {}}


def test_the_demo_site_crawled_as_its_source_gives_88_cases_validated_by_the_demo_curator(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    with knowledge_base.session() as session:
        cases = list(session.scalars(select(Case).where(Case.origin == "crawl")))
        pages = session.scalar(select(func.count()).select_from(Document)
                               .where(Document.doc_type == "case", Document.origin == "crawl"))
        # 104 case pages, which are 88 cases in one to three languages each
        assert (pages, len(cases)) == (104, 88)
        assert {(c.review_state, c.proposed_by, c.validated_by) for c in cases} == {
            ("validated", "crawler", "demo-curator")}
        assert all(c.validated_at is not None for c in cases)
        antwerp = next(c for c in cases if c.links[0].endswith("/cases/antwerpen-city-of-things/en.html"))
        assert [link.rsplit("/", 1)[-1] for link in antwerp.links[:3]] == ["en.html", "fr.html", "nl.html"]
        assert (antwerp.country, antwerp.municipality, antwerp.status) == ("BE", "Antwerp", "ongoing")
        assert antwerp.population_band == "500k-1M"  # the place's band, from the page's JSON-LD
        bands = Counter(c.population_band for c in cases)
        assert bands[None] == 22 and set(bands) == {None, "10k-50k", "50k-100k", "100k-500k", "500k-1M", "1M+"}


def test_the_demo_curator_password_is_generated_once_and_kept_for_its_owner_only(demo_curated_kb):
    from kb.accounts import authenticate
    from kb.demo.curation import PASSWORD_FILE, demo_curator

    knowledge_base, _, _ = demo_curated_kb
    path = knowledge_base.settings.data_dir / PASSWORD_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with knowledge_base.session() as session:
        actor, password = demo_curator(session, knowledge_base.settings.data_dir)
        assert password == path.read_text(encoding="utf-8").strip()
        assert (actor.name, actor.role) == ("demo-curator", "curator")
        assert authenticate(session, "demo-curator", password) is not None


def test_crawling_the_demo_again_proposes_no_duplicate(demo_curated_kb):
    from kb.cli import propose_cases

    knowledge_base, _, _ = demo_curated_kb
    assert propose_cases(knowledge_base) == {"proposed": 0, "updated": 0}
    with knowledge_base.session() as session:
        assert session.scalar(select(func.count()).select_from(Case).where(Case.proposed_changes.is_not(None))) == 0
