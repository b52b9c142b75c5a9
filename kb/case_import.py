"""Bulk import of case records from CSV or JSON, including the IPS Observatory format.

The IPS Explorer export (``cases.csv``/``cases.json``: name, description,
geocoverage_codes, geoextent, primary/secondary sector, technology, start and
end dates, lead organisation, status, url) is recognised by its columns or asked
for with ``fmt="ips"``. Every rejected row is reported with its reason and the
rest are stored; re-importing the same file updates records (matched by their
external id) instead of duplicating them. Below the curator role an import only
proposes: new cases arrive proposed and changes to existing ones wait as proposed
edits, so a validated text never changes without a review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import audit
from kb.accounts import role_at_least
from kb.cases import EDITABLE, CaseError, case_snapshot, clean_case, create_case, edit_case, sync_document
from kb.errors import InputError
from kb.formats import ImportReport, read_records
from kb.models import Case

FORMATS = ("auto", "casebook", "ips")
IPS_MARKERS = {"name", "description", "geoextent"}


@dataclass
class CaseImportReport(ImportReport):
    """An import report that also counts changes proposed for review and rows that changed nothing."""

    proposed: int = 0
    unchanged: int = 0


def _codes(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip().upper() for v in value if str(v).strip()]
    return [part.strip().upper() for part in re.split(r"[,;|]", str(value or "")) if part.strip()]


def _ips_years(record: dict) -> str:
    start, end = (str(record.get(k) or "").strip()[:4] for k in ("start_date", "end_date"))
    if start and end and start.isdigit() and end.isdigit() and end >= start:
        return f"{start}-{end}"
    return start


def _ips_links(value) -> list[str]:
    """The row's URLs (some rows hold several, one a line); a bare domain gets https://, a title
    typed in the URL column is dropped."""
    text = str(value or "").strip()
    if text.startswith(("http://", "https://")):
        return [link for link in text.split() if link.startswith(("http://", "https://"))]
    if text and " " not in text and re.match(r"^[\w-]+(\.[\w-]+)+(/|$)", text):
        return ["https://" + text]
    return []


def from_ips(record: dict) -> tuple[dict, str | None]:
    """Casebook case fields and external id from one IPS Explorer row."""
    codes = _codes(record.get("geocoverage_codes"))
    lead = record.get("lead_organisation")
    lead_name = record.get("lead_organisation_name") or (lead.get("name") if isinstance(lead, dict) else None)
    sectors = [record.get("primary_sector"), record.get("secondary_sector")]
    data = {"title": record.get("name"), "summary": record.get("description"),
            "country": codes[0] if len(codes) == 1 and len(codes[0]) == 2 else None,
            "level": record.get("geoextent"), "themes": [str(s).strip().rstrip(".") for s in sectors if s],
            "technologies": [t.strip() for t in re.split(r"[;|]", str(record.get("technology") or "")) if t.strip()],
            "years": _ips_years(record), "status": record.get("status"), "contact_org": lead_name,
            "links": _ips_links(record.get("url"))}
    category = record.get("lead_organisation_category") or (lead.get("category") if isinstance(lead, dict) else None)
    if data["level"] == "Local" and category == "Local Government" and lead_name:
        data["municipality"] = str(lead_name)[:200]  # the lead organisation is the municipality itself
    external = str(record.get("id") or "").strip()
    return data, f"ips:{external}" if external else None


def from_casebook(record: dict) -> tuple[dict, str | None]:
    data = {key: record[key] for key in EDITABLE if key in record}
    data.setdefault("title", record.get("name"))
    data.setdefault("summary", record.get("description"))
    external = str(record.get("external_id") or record.get("id") or "").strip()
    return data, external or None


def detect_format(record: dict) -> str:
    return "ips" if IPS_MARKERS <= set(record) else "casebook"


def import_cases(session: Session, path: Path, actor, fmt: str = "auto") -> CaseImportReport:
    """Store each valid case of ``path``; report the others with their reasons."""
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}")
    report = CaseImportReport()
    existing = {c.external_id: c for c in session.scalars(select(Case).where(Case.external_id.is_not(None)))}
    seen: set[str] = set()
    for row, record, problem in read_records(path):
        if problem:
            report.rejected.append((row, problem))
            continue
        kind = detect_format(record) if fmt == "auto" else fmt
        data, external = (from_ips if kind == "ips" else from_casebook)(record)
        if external and external in seen:
            report.rejected.append((row, f"duplicate id {external} in this file"))
            continue
        try:
            _store(session, data, external, existing.get(external), actor, kind, report)
        except CaseError as exc:
            report.rejected.append((row, str(exc)))
            continue
        seen.add(external or "")
    return report


def _store(session, data, external, case, actor, kind, report) -> Case:
    if not str(data.get("summary") or "").strip():
        raise CaseError("no description")
    if case is None:
        case = create_case(session, data, actor, origin="ips" if kind == "ips" else "import", external_id=external)
        report.stored += 1
        return case
    if not role_at_least(actor.role, "curator"):  # below curator an import only proposes, as an edit does
        values = clean_case(data, partial=True)
        if all(getattr(case, key) == value for key, value in values.items()):
            report.unchanged += 1
        else:
            edit_case(session, case, data, actor)
            report.proposed += 1
        return case
    values = clean_case(data)
    before = case_snapshot(case)
    for key, value in values.items():
        setattr(case, key, value)
    session.flush()
    sync_document(session, case)
    audit.record(session, actor.name, "import_update", "case", case.id, before, case_snapshot(case))
    report.updated += 1
    return case
