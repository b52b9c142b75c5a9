"""kb.moments: a form's time zone and date-times, read with or without an offset, kept as naive UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kb.fields import MESSAGES, Fields
from kb.moments import moment_field, naive_utc, time_zones, zone_field


def test_a_date_time_without_offset_is_read_in_the_forms_zone_and_kept_as_naive_utc_across_summer_time():
    fields = Fields({"zone": "Europe/Brussels", "winter": "2031-01-15T17:00", "summer": "2031-07-15T17:00"})
    zone = zone_field(fields)
    assert zone == ZoneInfo("Europe/Brussels")
    assert naive_utc(moment_field(fields, "winter", zone)) == datetime(2031, 1, 15, 16, 0)
    assert naive_utc(moment_field(fields, "summer", zone)) == datetime(2031, 7, 15, 15, 0)
    assert not fields.errors


def test_an_offset_given_wins_over_the_zone_and_each_unreadable_field_fails_with_its_reason():
    fields = Fields({"zone": "Europe/Lisbon", "given": "2031-03-01T09:00:00+02:00", "bad": "next Tuesday"})
    assert naive_utc(moment_field(fields, "given", zone_field(fields))) == datetime(2031, 3, 1, 7, 0)
    assert moment_field(fields, "bad") is None and moment_field(fields, "missing") is None
    assert moment_field(fields, "optional", required=False) is None
    naive = Fields({"deadline": "2031-03-01T09:00", "zone": "Mars/Olympus"})
    assert zone_field(naive) is None and moment_field(naive, "deadline") is None
    assert fields.errors == {"bad": (MESSAGES["datetime"], {}), "missing": (MESSAGES["required"], {})}
    assert naive.errors == {"zone": (MESSAGES["zone"], {}), "deadline": (MESSAGES["offset"], {})}
    assert "Europe/Brussels" in time_zones() and time_zones()[-1] == "UTC"
