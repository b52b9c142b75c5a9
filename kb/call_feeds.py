"""Feeds people subscribe to: calls as Atom 1.0 (RFC 4287), their deadlines as iCalendar (RFC 5545).

Each deadline is one VEVENT at the deadline's moment in UTC (no end: a deadline is
an instant), so a calendar shows it at the right local time wherever its reader is.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from kb.calendar import escape_text, fold_line, utc_stamp
from kb.calls import call_status
from kb.formats import xml_safe
from kb.models import Call

ATOM = "http://www.w3.org/2005/Atom"


def _iso(moment: datetime | None) -> str:
    return (moment or datetime(1970, 1, 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(parent, tag: str, text: str, **attrs) -> ET.Element:
    element = _element(parent, tag, **attrs)
    element.text = xml_safe(text)
    return element


def _element(parent, tag: str, **attrs) -> ET.Element:
    """A child element whose attributes hold only what XML can (kb.formats.xml_safe)."""
    return ET.SubElement(parent, f"{{{ATOM}}}{tag}", {name: xml_safe(value) for name, value in attrs.items()})


def _summary(call: Call, network_name: str, now: datetime) -> str:
    lines = [f"{network_name}. Deadline: {call.deadline} ({call.zone}). Status: {call_status(call, now)}."]
    if call.example:
        lines.insert(0, "EXAMPLE: not a real call, made up for the demo.")
    if call.eligibility:
        lines.append(f"Who may apply: {call.eligibility}")
    if call.countries:
        lines.append("Countries: " + ", ".join(call.countries))
    return "\n".join(lines)


def calls_atom(calls: list[Call], network_names: dict[int, str], title: str, self_url: str, page_url: str,
               call_page, now: datetime) -> bytes:
    """An Atom feed of calls; ``call_page(id)`` gives a call's page, the entry's id and link."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", title)
    _text(feed, "id", self_url)
    _text(feed, "updated", _iso(max((c.updated_at for c in calls), default=now)))
    _element(feed, "link", rel="self", href=self_url)
    _element(feed, "link", rel="alternate", type="text/html", href=page_url)
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "Casebook")
    for call in calls:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = call_page(call.id)
        _text(entry, "id", page)
        _text(entry, "title", ("[example] " if call.example else "") + call.title)
        _text(entry, "updated", _iso(call.updated_at))
        _text(entry, "published", _iso(call.created_at))
        _element(entry, "link", rel="alternate", type="text/html", href=page)
        if call.url:
            _element(entry, "link", rel="related", href=call.url)
        _element(entry, "category", term=call_status(call, now), label="status")
        for theme in call.themes or []:
            _element(entry, "category", term=theme)
        _text(entry, "summary", _summary(call, network_names.get(call.network_id, ""), now))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def deadlines_ics(calls: list[Call], network_names: dict[int, str], title: str, call_page, now: datetime,
                  host: str = "casebook") -> str:
    """A VCALENDAR with one VEVENT per call, at its deadline."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Casebook//Calls//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(title)}"]
    for call in calls:
        summary = ("[example] " if call.example else "") + f"Deadline: {call.title}"
        lines += ["BEGIN:VEVENT", f"UID:call-{call.id}@{host}", f"DTSTAMP:{utc_stamp(now)}",
                  f"DTSTART:{utc_stamp(call.deadline_utc)}", f"SUMMARY:{escape_text(summary)}",
                  f"DESCRIPTION:{escape_text(_summary(call, network_names.get(call.network_id, ''), now))}",
                  f"URL:{call_page(call.id)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold_line(line) for line in lines) + "\r\n"
