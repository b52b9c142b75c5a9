"""Sources named by their registered names (kb.sources.names), not by their hosts."""

from __future__ import annotations

from kb.models import Source
from kb.sources.names import source_names


def test_a_host_is_named_by_the_source_that_holds_it_and_an_unknown_host_stays_as_it_is(kb):
    with kb.session() as session:
        session.add(Source(name="City of Ghent", seeds=["https://stad.gent/nl"], hosts=["stad.gent"]))
        session.flush()
        names = source_names(session)
    assert names.label("stad.gent") == "City of Ghent"
    assert names.label("STAD.GENT") == "City of Ghent"
    assert names.label("www.example.org") == "www.example.org"


def test_a_page_is_named_by_its_own_source_and_a_shared_host_by_every_source_on_it(kb):
    with kb.session() as session:
        first = Source(name="Flanders: digital", seeds=["https://www.vlaanderen.be/digitaal"],
                       hosts=["www.vlaanderen.be"])
        second = Source(name="Flanders: cities", seeds=["https://www.vlaanderen.be/steden"],
                        hosts=["www.vlaanderen.be"])
        session.add_all([first, second])
        session.flush()
        names = source_names(session)
    assert names.label("www.vlaanderen.be", second.id) == "Flanders: cities"
    assert names.label("www.vlaanderen.be") == "Flanders: digital / Flanders: cities"


def test_a_deleted_source_names_nothing(kb):
    from kb.models import utcnow

    with kb.session() as session:
        session.add(Source(name="Gone", seeds=["https://gone.example/"], hosts=["gone.example"], deleted_at=utcnow()))
        session.flush()
        assert source_names(session).label("gone.example") == "gone.example"
