"""The demo's networks and programmes (kb.demo.networks): real ones, described, linked; example calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from kb.calls import call_status
from kb.demo.networks import add_demo_networks
from kb.models import Call
from kb.networks import linked_rows, list_networks

NAMED_IN_THE_ISSUE = ("URBACT", "Eurocities", "Living-in.EU", "Open & Agile Smart Cities (OASC)", "Interreg Europe",
                      "Digital Europe Programme", "Smart Flanders", "VVSG – Vereniging van Vlaamse Steden en Gemeenten")


def networks_by_name(session):
    return {n.name: n for n in list_networks(session)}


def test_the_demo_holds_the_networks_and_programmes_of_the_issue_each_described_with_who_may_join(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        networks = networks_by_name(session)
        assert set(NAMED_IN_THE_ISSUE) <= set(networks) and len(networks) >= 8
        for name in NAMED_IN_THE_ISSUE:
            network = networks[name]
            assert network.kind in ("network", "programme") and len(network.description) > 80, name
            assert network.join_info, name
        assert networks["URBACT"].kind == "programme" and networks["Eurocities"].kind == "network"
        assert "not complete" in networks["Eurocities"].description  # the lists say they are partial


def test_members_are_demo_organisations_and_cases_are_those_whose_text_names_the_network(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        networks = networks_by_name(session)
        flanders = networks["Smart Flanders"]
        assert {o.name for o in linked_rows(session, flanders.id, "members")} == {"Stad Antwerpen", "Stad Gent",
                                                                                    "Stad Leuven"}
        cases = linked_rows(session, flanders.id, "cases")
        assert cases and all("Smart Flanders" in f"{c.title} {c.summary}" or c.municipality == "Gent" for c in cases)
        assert all(c.review_state == "validated" for c in cases)
        eurocities = {o.name for o in linked_rows(session, networks["Eurocities"].id, "members")}
        assert {"Stad Gent", "Gemeente Amsterdam", "Ajuntament de Barcelona"} <= eurocities
        oasc = networks["Open & Agile Smart Cities (OASC)"].id
        assert [o.name for o in linked_rows(session, oasc, "members")] == ["Gemeente Rotterdam"]
        oasc_cases = [c.title for c in linked_rows(session, oasc, "cases")]
        assert len(oasc_cases) == 1 and oasc_cases[0].startswith("Open & Agile Smart Cities")


def test_the_digital_europe_programme_has_the_partners_of_ds4sscc_among_those_taking_part_and_its_case(
        demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        programme = networks_by_name(session)["Digital Europe Programme"]
        taking_part = {o.name: o.kind for o in linked_rows(session, programme.id, "members")}
        assert taking_part == {"Eurocities": "network", "Open & Agile Smart Cities (OASC)": "network"}
        cases = linked_rows(session, programme.id, "cases")
        assert [c.title.split(":")[0] for c in cases] == ["DS4SSCC"]
        assert "Digital Europe Programme" in cases[0].summary


def test_the_demo_calls_are_examples_past_ones_closed_and_one_open_until_weeks_after_the_build(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    now = datetime.now(timezone.utc)
    with knowledge_base.session() as session:
        calls = session.query(Call).all()
        assert calls and all(c.example and c.title.startswith("Example:") for c in calls)
        statuses = [call_status(c, now) for c in calls]
        assert statuses.count("closed") >= 3 and statuses.count("open") == 1
        past = [c for c in calls if c.deadline_utc < now.replace(tzinfo=None)]
        assert past and all(c.status == "closed" for c in past)
        assert {c.zone for c in calls} == {"Europe/Brussels", "Europe/Paris"}  # as the records give them
        opened = next(c for c, s in zip(calls, statuses) if s == "open")
        days_left = (opened.deadline_utc.date() - date.today()).days
        assert 30 <= days_left <= 50, days_left


def test_building_the_demo_again_adds_nothing_and_moves_the_example_dates_to_the_new_day(demo_curated_kb):
    knowledge_base, _, curator = demo_curated_kb
    with knowledge_base.session() as session:
        before = {n.name: n.id for n in list_networks(session)}
        first = add_demo_networks(session, curator, date.today())
        later = add_demo_networks(session, curator, date.today() + timedelta(days=7))
        assert first.networks == later.networks and set(before.values()) == set(first.networks.values())
        opened = session.get(Call, later.calls["Example: pilots of local digital twins in small and medium-sized "
                                                "cities"])
        assert (opened.deadline_utc.date() - date.today()).days >= 37
        session.rollback()  # leave the shared demo as it was built


def test_every_network_and_programme_of_the_issue_has_members_and_cases_in_the_demo(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        networks = networks_by_name(session)
        for name in NAMED_IN_THE_ISSUE:
            assert linked_rows(session, networks[name].id, "members"), name
            assert linked_rows(session, networks[name].id, "cases"), name
        vvsg = networks["VVSG – Vereniging van Vlaamse Steden en Gemeenten"].id
        assert [c.title.split(":")[0] for c in linked_rows(session, vvsg, "cases")] == ["Flanders"]
