"""Events entered in local time, field by field checks, and agenda items (kb.events, kb.agenda)."""

from __future__ import annotations

import pytest

from kb import agenda
from kb.errors import FieldErrors
from kb.events import create_event, event_zone, update_event
from kb.models import AuditEvent, Person, PersonLink

EVENT = {"title": "Smart city governance", "starts": "2030-09-21T09:00", "ends": "2030-09-22T17:00",
         "zone": "Europe/Brussels", "mode": "hybrid"}


def test_local_times_take_the_offset_their_time_zone_has_on_that_day(kb):
    with kb.session() as db:
        summer = create_event(db, EVENT, "curator1")
        winter = create_event(db, {**EVENT, "starts": "2031-01-20T09:00", "ends": "2031-01-20T12:00"}, "curator1")
        assert (summer.starts, winter.starts) == ("2030-09-21T09:00:00+02:00", "2031-01-20T09:00:00+01:00")
        assert winter.starts_utc.hour == 8 and event_zone(winter) == "Europe/Brussels"
        offset = create_event(db, {**EVENT, "zone": None, "starts": "2030-09-21T09:00:00+03:00",
                                   "ends": "2030-09-21T10:00:00+03:00"}, "curator1")
        assert event_zone(offset) != "Europe/Brussels" and offset.starts.endswith("+03:00")


def test_every_wrong_field_is_named_at_once_with_a_message_a_form_can_translate(kb):
    with kb.session() as db:
        with pytest.raises(FieldErrors) as caught:
            create_event(db, {"title": "", "starts": "soon", "ends": "2030-09-22T17:00", "capacity": "many",
                              "mode": "onsite", "online_link": "ftp://x"}, "curator1")
    errors = caught.value.errors
    assert set(errors) == {"title", "starts", "ends", "capacity", "online_link"}
    assert errors["ends"] == ("Needs a time-zone offset, such as +02:00.", {})
    assert "title: This field is required." in str(caught.value)


def test_an_edit_is_audited_with_the_record_before_and_after(kb):
    with kb.session() as db:
        event = create_event(db, EVENT, "curator1")
        update_event(db, event, {**EVENT, "title": "Renamed", "capacity": 30}, "curator2")
        edit = db.query(AuditEvent).filter_by(action="edit", entity="event").one()
        assert (edit.actor, edit.before["title"], edit.after["title"], edit.after["capacity"]) == \
            ("curator2", "Smart city governance", "Renamed", 30)


def test_agenda_items_keep_day_and_time_order_and_their_speakers_are_linked_to_the_event(kb):
    with kb.session() as db:
        event = create_event(db, {**EVENT, "agenda": [{"time": "09:00", "title": "From the API"}]}, "curator1")
        speaker = Person(name="Speaker")
        db.add(speaker)
        db.flush()
        assert event.agenda[0]["id"] == 1  # numbered, so a form can address it
        late = agenda.save_item(db, event, {"day": "2030-09-22", "time": "16:00", "title": "Closing",
                                            "speakers": [str(speaker.id)]}, "curator1")
        agenda.save_item(db, event, {"day": "2030-09-21", "time": "10:00", "title": "Opening"}, "curator1")
        assert [i["title"] for i in event.agenda] == ["From the API", "Opening", "Closing"]
        assert db.query(PersonLink).filter_by(entity="event", entity_id=event.id, relation="speaker_at").count() == 1
        agenda.delete_item(db, event, late["id"], "curator1")
        assert db.query(PersonLink).count() == 0
        with pytest.raises(LookupError):
            agenda.find_item(event, late["id"])


def test_an_agenda_item_must_fall_on_a_day_of_the_event(kb):
    with kb.session() as db:
        event = create_event(db, EVENT, "curator1")
        with pytest.raises(FieldErrors) as caught:
            agenda.save_item(db, event, {"time": "9am", "title": "Undated"}, "curator1")
        assert set(caught.value.errors) == {"day", "time"}
        one_day = create_event(db, {**EVENT, "ends": "2030-09-21T17:00"}, "curator1")
        assert agenda.save_item(db, one_day, {"time": "09:00", "title": "Only day"}, "curator1")["day"] == "2030-09-21"


@pytest.mark.parametrize("item", [{"time": 9, "title": "Opening"},
                                  {"time": "09:00", "title": "Panel", "speakers": "Jane"},
                                  {"time": "09:00", "title": "Panel", "speakers": [{"id": 1}]}, {"title": None},
                                  "09:00 Opening"])
def test_an_agenda_sent_whole_must_have_the_shape_pages_read(kb, item):
    with kb.session() as db, pytest.raises(FieldErrors) as refused:
        create_event(db, {**EVENT, "agenda": [item]}, "curator1")
    assert "agenda" in refused.value.errors


def test_erasing_a_speaker_takes_them_out_of_the_agenda_so_it_can_still_be_edited(kb):
    from kb.erasure import erase_person

    with kb.session() as db:
        speaker = Person(name="Jane Speaker")
        db.add(speaker)
        db.flush()
        event = create_event(db, EVENT, "curator1")
        agenda.save_item(db, event, {"day": "2030-09-21", "time": "09:00", "title": "Opening",
                                     "speakers": [str(speaker.id)]}, "curator1")
        erase_person(db, speaker.id, "admin1")
        assert event.agenda[0]["speakers"] == []
        agenda.save_item(db, event, {"day": "2030-09-21", "time": "10:00", "title": "Panel"}, "curator1")
        assert db.query(PersonLink).count() == 0


@pytest.mark.parametrize("capacity", ["²", "٣", "1e3", "-4"])
def test_a_capacity_in_other_digits_is_a_field_message_not_a_crash(kb, capacity):
    with kb.session() as db, pytest.raises(FieldErrors) as refused:
        create_event(db, {**EVENT, "capacity": capacity, "collection_id": "²"}, "curator1")
    assert "capacity" in refused.value.errors and "collection_id" in refused.value.errors
