"""Case records: curated examples, their review, merging of duplicates, and search.

Review: a researcher's new case or edit is *proposed* (an edit waits in
``proposed_changes`` so the validated text stays until a curator decides); a
curator validates it (who and when) or rejects it with a reason. Merging keeps
the duplicate as a record pointing at the survivor, whose "also described at"
links gain the duplicate's links; undoing a merge restores both from the audit
trail. Each live case is mirrored as a kb Document (``doc_type="case"``) so the
indexer makes it searchable without knowing about cases.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import audit
from kb.accounts import role_at_least
from kb.errors import InputError
from kb.fields import CONTROL
from kb.language import detect_language
from kb.models import Case, Document, utcnow
from kb.thesaurus import load_thesaurus
from kb.urlcheck import is_web_address

REVIEW_STATES = ("proposed", "validated", "rejected")
TEXT_FIELDS = {"title": 500, "summary": 20000, "municipality": 200, "country": 2, "nuts": 10,
               "population_band": 40, "level": 40, "programme": 1000, "status": 60, "contact_org": 500}
LIST_FIELDS = ("themes", "technologies", "links")
EDITABLE = (*TEXT_FIELDS, *LIST_FIELDS, "years")


class CaseError(InputError):
    """A case cannot be stored or changed as asked; the message says why."""


def _list(value, limit: int = 50) -> list[str]:
    if value in (None, ""):
        return []
    # Not commas: sector names such as "Recreation, culture and religion" contain them.
    items = re.split(r"[\n;|]", value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise CaseError("expected a list")
    return [str(item).strip()[:500] for item in items if str(item).strip()][:limit]


def _years(value) -> list[int]:
    years = []
    for item in _list(value) if not isinstance(value, int) else [value]:
        match = re.fullmatch(r"\s*(\d{4})(?:\s*[-–]\s*(\d{4}))?\s*", str(item))
        if not match:
            raise CaseError(f"{item!r} is not a year (or a range like 2019-2021)")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if not 1900 <= first <= last <= 2100 or last - first > 50:
            raise CaseError(f"{item!r} is not a plausible year range")
        years.extend(range(first, last + 1))
    return sorted(set(years))


@functools.cache
def _concepts_by_label() -> dict[str, str]:
    """Lower-cased label (any language) or id -> concept id, for labels naming one concept only."""
    thesaurus = load_thesaurus()
    found: dict[str, set[str]] = {}
    for labels in thesaurus.labels_by_language().values():
        for label, ids in labels.items():
            found.setdefault(label.lower(), set()).update(ids)
    by_label = {label: next(iter(ids)) for label, ids in found.items() if len(ids) == 1}
    by_label.update({concept_id: concept_id for concept_id in thesaurus.concepts})
    return by_label


def concept_themes(themes: list[str]) -> list[str]:
    """Themes as thesaurus concept ids where a theme names one ("Open data" -> open-data); others kept as written."""
    result = []
    for theme in themes:
        concept = _concepts_by_label().get(theme.lower(), theme)
        if concept not in result:
            result.append(concept)
    return result


def clean_case(data: dict, partial: bool = False) -> dict:
    """Validated case fields from user input; CaseError says what is wrong."""
    values = {}
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            raw = data[name]
            if raw is not None and not isinstance(raw, (str, int)):
                raise CaseError(f"{name} must be text")
            text = str(raw or "").strip()
            if name == "country" and text and not re.fullmatch(r"[A-Za-z]{2}", text):
                raise CaseError("country is a two-letter code such as BE or NL")
            if name == "nuts" and text and not re.fullmatch(r"[A-Za-z]{2}[0-9A-Za-z]{0,3}", text):
                raise CaseError("a NUTS code is two letters and up to three letters or digits, such as BE211")
            values[name] = (text.upper() if name in ("country", "nuts") else text)[:limit] or None
    for name in LIST_FIELDS:
        if name in data:
            values[name] = _list(data[name])
    if "themes" in values:
        values["themes"] = concept_themes(values["themes"])
    for link in values.get("links", []):
        if CONTROL.search(link):
            raise CaseError(f"link {link!r} holds a line break or another control character")
        if not is_web_address(link):
            raise CaseError(f"link {link!r} must start with http:// or https://")
    if "years" in data:
        values["years"] = _years(data["years"])
    for name in ("title", "summary"):
        if name in values or not partial:
            values[name] = values.get(name) or ""
    if (not partial or "title" in values) and not values["title"]:
        raise CaseError("a case needs a title")
    return values


def case_snapshot(case: Case) -> dict:
    return audit.snapshot(case)


def create_case(session: Session, data: dict, actor, origin: str = "manual", **extra) -> Case:
    """A new case: validated at once when a curator creates it, proposed otherwise."""
    values = clean_case(data)
    defaults = {"themes": [], "technologies": [], "links": [], "years": [], "also_at": []}
    case = Case(**{**defaults, **values}, origin=origin, created_by=actor.name, proposed_by=actor.name, **extra)
    if role_at_least(actor.role, "curator"):
        case.review_state, case.validated_by, case.validated_at = "validated", actor.name, utcnow()
    else:
        case.review_state = "proposed"
    session.add(case)
    session.flush()
    sync_document(session, case)
    audit.record(session, actor.name, "create", "case", case.id, None, case_snapshot(case))
    return case


def create_from_document(session: Session, document: Document, actor) -> Case:
    """A case drafted from a crawled document: its title, description, place and themes."""
    data = {"title": document.title or document.url, "summary": document.description or document.text[:2000],
            "municipality": document.municipality, "country": document.country, "themes": list(document.themes or []),
            "years": [document.year] if document.year else [], "links": [document.url]}
    return create_case(session, data, actor, origin="document", from_document_id=document.id)


def _change(session: Session, case: Case, actor_name: str, action: str, apply) -> None:
    before = case_snapshot(case)
    apply()
    session.flush()
    sync_document(session, case)
    audit.record(session, actor_name, action, "case", case.id, before, case_snapshot(case))


def edit_case(session: Session, case: Case, data: dict, actor) -> None:
    """A curator's edit applies at once; a researcher's waits as a proposal."""
    values = clean_case(data, partial=True)
    if role_at_least(actor.role, "curator"):
        def apply():
            for key, value in values.items():
                setattr(case, key, value)
        _change(session, case, actor.name, "edit", apply)
        return

    def propose():
        case.proposed_changes = {**(case.proposed_changes or {}), **values}
        case.proposed_by = actor.name
        if case.review_state == "rejected":
            case.review_state = "proposed"
    _change(session, case, actor.name, "propose", propose)


def validate_case(session: Session, case: Case, actor) -> None:
    """Accept the case and any pending proposal: the 'validated' badge with who and when."""
    def apply():
        for key, value in (case.proposed_changes or {}).items():
            if key in EDITABLE:
                setattr(case, key, value)
        case.proposed_changes = None
        case.review_state, case.validated_by, case.validated_at, case.reject_reason = \
            "validated", actor.name, utcnow(), None
    _change(session, case, actor.name, "validate", apply)


def reject_case(session: Session, case: Case, actor, reason: str) -> None:
    """Reject a proposal (a validated case keeps its text) or a proposed new case, with a reason."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise CaseError("a rejection needs a reason")

    def apply():
        case.reject_reason = reason
        if case.proposed_changes and case.validated_at is not None:
            case.proposed_changes = None
        else:
            case.proposed_changes, case.review_state = None, "rejected"
    _change(session, case, actor.name, "reject", apply)


def merge_cases(session: Session, keep: Case, duplicate: Case, actor) -> None:
    """Fold ``duplicate`` into ``keep``: links become "also described at"; undo with unmerge_case."""
    if keep.id == duplicate.id:
        raise CaseError("a case cannot be merged into itself")
    if keep.merged_into or duplicate.merged_into or keep.deleted_at or duplicate.deleted_at:
        raise CaseError("only live, unmerged cases can be merged")
    before_dup = case_snapshot(duplicate)

    def apply():
        extra = [link for link in [*(duplicate.links or []), *(duplicate.also_at or [])]
                 if link not in (keep.links or []) and link not in (keep.also_at or [])]
        keep.also_at = [*(keep.also_at or []), *extra, f"casebook:case/{duplicate.id}"]
        keep.themes = [*keep.themes, *[t for t in duplicate.themes if t not in keep.themes]]
        keep.technologies = [*keep.technologies, *[t for t in duplicate.technologies if t not in keep.technologies]]
        duplicate.merged_into = keep.id
    _change(session, keep, actor.name, "merge", apply)
    sync_document(session, duplicate)
    audit.record(session, actor.name, "merged_into", "case", duplicate.id, before_dup, case_snapshot(duplicate))


def unmerge_case(session: Session, duplicate: Case, actor) -> Case:
    """Undo the latest merge of ``duplicate``: both records as they were before it."""
    if duplicate.merged_into is None:
        raise CaseError(f"case {duplicate.id} is not merged")
    keep = session.get(Case, duplicate.merged_into)
    merge = next((e for e in audit.history(session, "case", keep.id, limit=10_000) if e.action == "merge"
                  and f"casebook:case/{duplicate.id}" in (e.after or {}).get("also_at", [])), None)
    if merge is None:
        raise CaseError("the merge is not in the audit trail")

    def restore_keep():
        for key in ("also_at", "themes", "technologies"):
            setattr(keep, key, merge.before[key])
    _change(session, keep, actor.name, "unmerge", restore_keep)
    _change(session, duplicate, actor.name, "unmerge", lambda: setattr(duplicate, "merged_into", None))
    return keep


def delete_case(session: Session, case: Case, actor) -> None:
    _change(session, case, actor.name, "delete", lambda: setattr(case, "deleted_at", utcnow()))


def restore_case(session: Session, case: Case, actor) -> None:
    _change(session, case, actor.name, "restore", lambda: setattr(case, "deleted_at", None))


def is_live(case: Case) -> bool:
    return case.deleted_at is None and case.merged_into is None and case.review_state != "rejected"


def case_url(case: Case) -> str:
    return f"casebook:case/{case.id}"


def sync_document(session: Session, case: Case) -> Document:
    """Mirror the case into its search document; gone when deleted, merged or rejected."""
    document = session.get(Document, case.document_id) if case.document_id else None
    if document is None:
        document = session.scalar(select(Document).where(Document.url == case_url(case)))
    if document is None:
        document = Document(url=case_url(case), origin="case", doc_type="case")
        session.add(document)
    stale_text = document.text
    text = "\n\n".join(part for part in (case.summary, ", ".join(case.technologies or []),
                                         case.contact_org or "", case.programme or "") if part)
    document.title, document.description, document.text = case.title, case.summary[:500], text
    document.doc_type, document.origin, document.country = "case", "case", case.country
    document.municipality, document.themes = case.municipality, list(case.themes or [])
    document.year = (case.years or [None])[0]
    document.final_url = (case.links or [None])[0]
    document.also_at = list(case.also_at or [])
    document.meta = {"case_id": case.id, "review_state": case.review_state, "level": case.level,
                     "status": case.status, "technologies": case.technologies, "links": case.links,
                     "population_band": case.population_band}  # the index's population facet
    if document.lang is None or stale_text != text:
        detected = detect_language(f"{case.title}\n{text}")
        document.lang, document.lang_confidence = detected.lang, detected.confidence
    document.gone = not is_live(case)
    document.updated_at = utcnow()
    session.flush()
    case.document_id = document.id
    return document


def case_json(case: Case, for_contributors: bool = True) -> dict:
    """The case as the API gives it; without ``for_contributors`` (an anonymous reader) the pending,
    unreviewed edit and the name of who proposed it are left out."""
    data = {name: getattr(case, name) for name in ("id", *EDITABLE, "also_at", "review_state", "proposed_by",
                                                   "proposed_changes", "validated_by", "reject_reason",
                                                   "merged_into", "origin", "external_id", "document_id")}
    if not for_contributors:
        data["proposed_changes"] = data["proposed_by"] = None
    data["validated_at"] = case.validated_at.isoformat(timespec="seconds") if case.validated_at else None
    data["deleted"] = case.deleted_at is not None
    return data
