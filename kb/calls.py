"""Calls and opportunities: a network's or programme's call to apply, and its status from the dates.

A call has a title, the network or programme that issues it, who may apply
(in words, and the eligible countries), an opening date, a deadline with its
time zone, a link and themes. Its status is derived from the dates at the
moment asked, compared in UTC: upcoming before it opens, open until the
deadline, closed from the deadline on. So a deadline of 17:00 in Brussels is
past at 16:00 UTC in winter, whatever the reader's or the server's zone.
``refresh_statuses`` (run by `kb worker`) records each change of status, closes
calls past their deadline in the audit trail and refreshes their search entry.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.audit import record, snapshot
from kb.fields import COUNTRY, Fields, whole_number
from kb.language import detect_language
from kb.models import Call, Document, Organisation, utcnow
from kb.moments import moment_field, naive_utc, time_zones, zone_field
from kb.people import NETWORK_KINDS, resolve_concepts

STATUSES = ("upcoming", "open", "closed")
FIELDS = ("title", "network_id", "description", "eligibility", "countries", "themes", "opens", "deadline", "zone",
          "url", "example")


def call_status(call: Call, now: datetime | None = None) -> str:
    """upcoming, open or closed at ``now`` (an aware moment, or a naive one in UTC; default: now)."""
    now = now or utcnow()
    if now.tzinfo is not None:
        now = naive_utc(now)
    if now >= call.deadline_utc:
        return "closed"
    if call.opens_utc is not None and now < call.opens_utc:
        return "upcoming"
    return "open"


def _network_id(session: Session, fields: Fields) -> int | None:
    number = whole_number(fields.raw("network_id"))
    if not fields.raw("network_id"):
        fields.fail("network_id", "required")
        return None
    organisation = session.get(Organisation, number) if number is not None else None
    if organisation is None or organisation.kind not in NETWORK_KINDS:
        fields.fail("network_id", "network")
        return None
    return organisation.id


def _codes(fields: Fields, name: str) -> list[str]:
    value = fields.data.get(name)
    items = value if isinstance(value, list) else str(value or "").replace(";", ",").replace(" ", ",").split(",")
    codes = [str(item).strip() for item in items if str(item).strip()]
    bad = [code for code in codes if not COUNTRY.fullmatch(code)]
    if bad:
        fields.fail(name, "countries", value=", ".join(bad[:10]))
    return list(dict.fromkeys(code.upper() for code in codes if code not in bad))[:60]


def _themes(fields: Fields) -> list[str]:
    value = fields.data.get("themes")
    terms = value if isinstance(value, list) else str(value or "").replace("\n", ";").split(";")
    ids, unknown = resolve_concepts([str(t) for t in terms if str(t).strip()][:30])
    if unknown:
        fields.fail("themes", "concepts", value=", ".join(unknown))
    return ids


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("yes", "on", "true", "1")


def zone_of(moment: datetime, asked: ZoneInfo | None) -> str:
    """The time zone to show a deadline in: the one the form chose, else one whose offset at that
    moment is the one given (Brussels first), else UTC."""
    if asked is not None:
        return asked.key
    naive = moment.replace(tzinfo=None)
    return next((z for z in ("Europe/Brussels", *time_zones()) if ZoneInfo(z).utcoffset(naive) == moment.utcoffset()),
                "UTC")


def _plausible(fields: Fields, name: str, moment: datetime | None) -> datetime | None:
    """A moment a call can have (years 1900 to 2200): year 1 or 9999 with an offset cannot even be
    moved to UTC."""
    if moment is not None and not 1900 <= moment.year <= 2200:
        fields.fail(name, "datetime")
        return None
    return moment


def clean_call(session: Session, data: dict) -> dict:
    """Validated call fields; FieldErrors says what is wrong with each field.

    Dates carry an offset (the API) or are local times of the time zone ``zone``
    names (the web form); the deadline is required, the opening date is not."""
    fields = Fields(data)
    zone = zone_field(fields)
    opens = _plausible(fields, "opens", moment_field(fields, "opens", zone, required=False))
    deadline = _plausible(fields, "deadline", moment_field(fields, "deadline", zone))
    if opens and deadline and opens > deadline:
        fields.fail("opens", "opens_after_deadline")
    values = {"title": fields.text("title", 500, required=True), "network_id": _network_id(session, fields),
              "description": fields.text("description", 20000) or "", "eligibility": fields.text("eligibility", 5000),
              "countries": _codes(fields, "countries"), "themes": _themes(fields), "url": fields.url("url"),
              "example": _flag(data.get("example"))}
    fields.check()
    values.update(opens=opens.isoformat() if opens else None, opens_utc=naive_utc(opens) if opens else None,
                  deadline=deadline.isoformat(), deadline_utc=naive_utc(deadline), zone=zone_of(deadline, zone))
    return values


def create_call(session: Session, data: dict, actor: str) -> Call:
    call = Call(**clean_call(session, data), created_by=actor)
    call.status = call_status(call)
    session.add(call)
    session.flush()
    record(session, actor, "create", "call", call.id, None, snapshot(call))
    publish_call(session, call)
    return call


def update_call(session: Session, call: Call, data: dict, actor: str) -> Call:
    """Change a call's fields; audited before and after. A new deadline in the future opens it again."""
    values = clean_call(session, data)
    before = snapshot(call)
    for name, value in values.items():
        setattr(call, name, value)
    call.status = call_status(call)
    if call.status != "closed":
        call.closed_at = None
    session.flush()
    record(session, actor, "edit", "call", call.id, before, snapshot(call))
    publish_call(session, call)
    return call


def refresh_statuses(session: Session, now: datetime | None = None, actor: str = "worker") -> dict[str, int]:
    """Record the status the dates give each call whose recorded one differs: a call past its deadline
    is closed (audited, with the moment), one whose opening date came is open. Returns counts by new status."""
    now = now or utcnow()
    changed: dict[str, int] = {}
    for call in session.scalars(select(Call).where(Call.status != "closed")).all():
        status = call_status(call, now)
        if status == call.status:
            continue
        before, call.status = call.status, status
        if status == "closed":
            call.closed_at = now if now.tzinfo is None else naive_utc(now)
            record(session, actor, "close", "call", call.id, {"status": before},
                   {"status": "closed", "deadline": call.deadline})
        publish_call(session, call)
        changed[status] = changed.get(status, 0) + 1
    session.flush()
    return changed


def call_url(call_id: int) -> str:
    """The key of a call's search entry (calls are searchable as documents of type call)."""
    return f"casebook:calls/{call_id}"


def publish_call(session: Session, call: Call) -> int:
    """Create or refresh a call's search entry; returns its document id."""
    network = session.get(Organisation, call.network_id)
    document = session.scalar(select(Document).where(Document.url == call_url(call.id)))
    if document is None:
        document = Document(url=call_url(call.id), origin="call")
        session.add(document)
    words = [call.title, network.name if network else None, call.description, call.eligibility]
    document.title = call.title
    document.text = "\n".join(filter(None, words))
    document.description = (call.eligibility or call.description or "")[:400] or None
    document.doc_type, document.themes = "call", list(call.themes or [])
    document.country = call.countries[0] if len(call.countries or []) == 1 else None
    detected = detect_language(document.text, "en")
    document.lang, document.lang_confidence = detected.lang or "und", detected.confidence
    document.published = call.created_at.isoformat() if call.created_at else None
    document.year = call.deadline_utc.year
    document.meta = {"page_path": f"/calls/{call.id}", "status": call.status, "deadline": call.deadline,
                     "network_id": call.network_id, "countries": list(call.countries or []), "example": call.example}
    document.gone = False
    document.fetched_at = document.checked_at = utcnow()
    session.flush()
    return document.id


def deadline_in_utc(call: Call) -> str:
    """The deadline as an ISO moment in UTC (Z)."""
    return call.deadline_utc.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
