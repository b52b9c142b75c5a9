"""iCalendar (RFC 5545) files for events."""

from __future__ import annotations

import re
from datetime import datetime


# RFC 5545 text holds no control character but the tab; a vertical tab, NEL or line separator would
# also end a line for readers that split lines as Python's str.splitlines does, starting a forged property.
NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(text: str) -> str:
    text = NOT_IN_TEXT.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", ""))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def event_ics(event, url: str, now: datetime, host: str = "casebook") -> str:
    """One VEVENT in a VCALENDAR; times in UTC."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Casebook//Events//EN", "CALSCALE:GREGORIAN",
             "BEGIN:VEVENT", f"UID:event-{event.id}@{host}", f"DTSTAMP:{_stamp(now)}",
             f"DTSTART:{_stamp(event.starts_utc)}", f"DTEND:{_stamp(event.ends_utc)}",
             f"SUMMARY:{_escape(event.title)}", f"DESCRIPTION:{_escape(event.description)}", f"URL:{url}"]
    if event.place:
        lines.append(f"LOCATION:{_escape(event.place)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# The same rules for the knowledge base's other calendar files (kb.call_feeds).
escape_text, fold_line, utc_stamp = _escape, _fold, _stamp
