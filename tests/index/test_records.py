"""Index entries: headings weigh between title and body; population and organisation kind are facets."""

from __future__ import annotations

import pytest

from index.records import document_fields, headings_text
from index.schema import HEADINGS_BOOST, TITLE_BOOST, searchable_fields
from kb.accounts import Actor
from kb.models import Document

from .helpers import ask, build

BODY = {"en": "Parking sensors. The city counts the free places in the centre and shows them online.",
        "pl": "Parkowanie w centrum. Miasto liczy wolne miejsca i pokazuje je w internecie."}
TERM = {"en": "parking", "pl": "parkowanie"}


def _rows(lang: str) -> list[dict]:
    heading = BODY[lang].split(".")[0]  # the crawler keeps headings in the text too
    return [
        {"url": f"https://example.org/{lang}/body", "lang": lang, "title": "Street report", "text": BODY[lang]},
        {"url": f"https://example.org/{lang}/heading", "lang": lang, "title": "Street report", "text": BODY[lang],
         "meta": {"headings": ["Street report", heading]}},
        {"url": f"https://example.org/{lang}/title", "lang": lang, "title": f"{heading} report", "text": BODY[lang]},
    ]


@pytest.mark.parametrize("lang", ["en", "pl"])  # a stemmed language's fields, and the neutral ones
def test_title_outranks_a_heading_which_outranks_the_body_alone(tmp_path, lang):
    path = build(tmp_path / lang, _rows(lang))
    ranked = [hit["url"].rsplit("/", 1)[-1] for hit in ask(path, TERM[lang]).hits]
    assert ranked == ["title", "heading", "body"]


def test_headings_boost_lies_between_title_and_body():
    boosts = searchable_fields()
    assert boosts["title_nl"] == TITLE_BOOST > boosts["headings_nl"] == HEADINGS_BOOST > boosts["body_nl"] == 1.0
    assert boosts["title"] > boosts["headings"] > boosts["body"]


def test_headings_go_to_the_documents_language_field():
    document = Document(id=1, url="https://stad.be/x", title="Loket", text="Tekst", lang="nl",
                        meta={"headings": ["Digitaal loket", "", "Aanvragen"]})
    fields = document_fields(document, None)
    assert fields["headings_nl"] == "Digitaal loket\nAanvragen"
    assert "headings" not in fields


@pytest.mark.parametrize("meta", [None, {}, {"headings": None}, {"headings": {"h1": "x"}}])
def test_a_document_without_usable_headings_has_none(meta):
    assert headings_text(Document(url="https://x.org/", meta=meta)) == ""


def test_population_and_organisation_kind_come_from_meta_as_single_line_facets():
    document = Document(id=2, url="casebook:case/2", title="Case", text="", lang="en", doc_type="case",
                        meta={"population_band": "  10 000 -\n50 000 ", "organisation_kind": ["not", "a", "value"]})
    fields = document_fields(document, None)
    assert fields["population"] == "10 000 - 50 000"
    assert "org_kind" not in fields


def test_population_and_organisation_kind_are_counted_and_filter(tmp_path):
    path = build(tmp_path / "facets", [
        {"lang": "en", "type": "case", "title": "Digital desk in a village", "meta": {"population_band": "<10k"}},
        {"lang": "en", "type": "case", "title": "Digital desk in a town", "meta": {"population_band": "10k-50k"}},
        {"lang": "en", "type": "case", "title": "Digital desk in a small town", "meta": {"population_band": "10k-50k"}},
        {"lang": "und", "type": "organisation", "title": "Digital desk agency",
         "meta": {"organisation_kind": "agency"}},
        {"lang": "en", "type": "expert", "title": "A digital desk expert", "meta": {"organisation_kind": "university"}},
    ])
    response = ask(path, "digital desk")
    assert response.facets["population"] == {"10k-50k": 2, "<10k": 1}
    assert response.facets["org_kind"] == {"agency": 1, "university": 1}
    filtered = ask(path, "digital desk", filters={"population": ["10k-50k"]})
    assert filtered.total == 2 and filtered.facets["population"] == {"10k-50k": 2, "<10k": 1}
    assert ask(path, "", filters={"org_kind": ["agency"], "type": ["organisation"]}).total == 1


def test_a_cases_population_band_and_an_organisations_kind_reach_the_index(kb):
    from index.build import build_index
    from index.query import SearchRequest, search
    from kb.cases import create_case
    from kb.models import Organisation
    from kb.people import publish_organisation

    with kb.session() as session:
        create_case(session, {"title": "Digitaal loket in Lo-Reninge", "summary": "Een digitaal loket.",
                              "country": "BE", "population_band": "under 5,000"}, Actor("carl", "curator"))
        organisation = Organisation(name="Digitaal Vlaanderen", kind="agency", country="BE")
        session.add(organisation)
        session.flush()
        publish_organisation(session, organisation)
    build_index(kb, kb.settings.index_dir)
    facets = search(kb.settings.index_dir, SearchRequest(q="")).facets
    assert facets["population"] == {"under 5,000": 1}
    assert facets["org_kind"] == {"agency": 1}


def test_a_crawled_page_s_source_is_its_host_and_casebook_s_own_records_have_none():
    page = Document(id=3, url="https://www.Gent.be/open-data", final_url="https://stad.gent/nl/open-data",
                    title="Open data", text="", lang="nl")
    assert document_fields(page, None)["source"] == "stad.gent"
    for url, kind in (("casebook:organisations/4", "organisation"), ("casebook:organisations/5", "network"),
                      ("casebook:calls/6", "call"), ("casebook:people/7", "expert")):
        record = Document(id=4, url=url, title="Eurocities", text="", lang="en", doc_type=kind)
        assert "source" not in document_fields(record, None), url


def test_organisations_in_search_results_name_no_source_and_the_source_facet_counts_pages_only(kb):
    from index.build import build_index
    from index.query import SearchRequest, search
    from kb.models import Organisation
    from kb.people import publish_organisation

    with kb.session() as session:
        session.add(Document(url="https://www.eurocities.eu/about", title="About Eurocities", lang="en",
                             text="Eurocities is the network of large European cities.", doc_type="document"))
        organisation = Organisation(name="Eurocities", kind="network", description="A network of cities.")
        session.add(organisation)
        session.flush()
        publish_organisation(session, organisation)
    build_index(kb, kb.settings.index_dir)
    response = search(kb.settings.index_dir, SearchRequest(q="Eurocities"))
    assert {hit["type"]: hit["source"] for hit in response.hits} == {"document": "www.eurocities.eu",
                                                                     "network": None}
    assert response.facets["source"] == {"www.eurocities.eu": 1}


def test_a_listing_page_ranks_below_the_case_it_lists_for_the_case_s_own_words(tmp_path):
    from index.records import hubness

    from .helpers import ask, build, documents

    case = {"url": "https://stad.be/cases/desk", "title": "Ghent: a digital desk for certificates", "lang": "en",
            "text": "Residents of Ghent request certificates online and receive them by e-mail."}
    listing = {"url": "https://stad.be/themes/digital", "title": "Theme: digital desk and certificates", "lang": "en",
               "text": "Ghent: a digital desk for certificates. Residents of Ghent request certificates online "
                       "and receive them by e-mail. Digital desk, certificates, digital desk.",
               "meta": {"links_in_main": {"teasers": 0.95, "share": 0.3, "count": 12}}}
    assert [hubness(d) for d in documents([case, listing])] == [0, 100]
    assert hubness(documents([{"meta": {"links_in_main": {"teasers": 0.3}}}])[0]) == 0
    assert hubness(documents([{"meta": {"links_in_main": "garbage"}}])[0]) == 0
    path = build(tmp_path / "ix", [listing, case])
    assert [hit["url"] for hit in ask(path, "digital desk certificates").hits][:2] == [case["url"], listing["url"]]
    plain = build(tmp_path / "plain", [dict(listing, meta={}), case])
    assert ask(plain, "digital desk certificates").hits[0]["url"] == listing["url"]  # what the prior mends
