"""Moments in time as events and calls take them: a form's time zone, an ISO 8601 date-time read in it,
and the naive UTC date-time both store and compare.

A form field may give a date-time with its offset (2030-06-01T09:00:00+02:00) or without one, read in
the form's ``zone`` (one of ``time_zones()``); a field that cannot be read fails with a code
(``required``, ``datetime``, ``offset``, ``zone``) that kb.fields turns into a message.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

from kb.fields import Fields


@functools.cache
def time_zones() -> tuple[str, ...]:
    """The time zones the event and call forms offer: Europe's, then UTC."""
    return (*sorted(z for z in available_timezones() if z.startswith("Europe/")), "UTC")


def zone_field(fields: Fields) -> ZoneInfo | None:
    """The form's time zone (its ``zone`` field), None when it gives none or one not offered (which fails)."""
    name = fields.raw("zone")
    if not name:
        return None
    if name not in time_zones():
        fields.fail("zone", "zone")
        return None
    return ZoneInfo(name)


def moment_field(fields: Fields, name: str, zone: ZoneInfo | None = None, required: bool = True) -> datetime | None:
    """An aware date-time from ISO 8601 text; a naive one is read in ``zone`` when a form gave one."""
    raw = fields.raw(name)
    if not raw:
        if required:
            fields.fail(name, "required")
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        fields.fail(name, "datetime")
        return None
    if moment.tzinfo is None and zone is None:
        fields.fail(name, "offset")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def naive_utc(moment: datetime) -> datetime:
    """An aware date-time as the naive UTC date-time the database keeps."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
