"""The records of the knowledge base, as SQLAlchemy 2 declarative models: every table, in one place.

Each table of the schema is declared here and nowhere else, so importing this
module makes ``Base.metadata`` complete (storage creates a new schema from it,
Alembic compares it with the migrations) without importing any domain module
for its side effect. The domain modules (kb.people, kb.events, kb.networks,
kb.calls, ...) keep the functions and import their tables from here.

Schema changes go through Alembic migrations in ``kb/migrations`` so that an
upgrade never loses a user's data; never change a column here without one.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kb.settings import DEFAULTS, SOURCE_RECRAWL_DAYS


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# An address of up to 2,083 characters (crawler.urls.MAX_URL_CHARS) is crawled and stored. SQLite never
# enforced the declared 2,048; PostgreSQL does, so there the columns hold what the crawler keeps
# (migration 0007; widening a varchar there rewrites nothing).
URL = String(2048).with_variant(String(2083), "postgresql")

class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Source(Base):
    """A website researchers registered: seeds, scope and crawl schedule."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    seeds: Mapped[list] = mapped_column(default=list)
    hosts: Mapped[list] = mapped_column(default=list)
    include: Mapped[list] = mapped_column(default=list)
    exclude: Mapped[list] = mapped_column(default=list)
    languages: Mapped[list] = mapped_column(default=list)
    tags: Mapped[list] = mapped_column(default=list)
    country: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(40))
    why: Mapped[str | None] = mapped_column(Text)
    max_depth: Mapped[int] = mapped_column(Integer, default=DEFAULTS.max_depth)
    max_pages: Mapped[int] = mapped_column(Integer, default=DEFAULTS.max_pages)
    recrawl_days: Mapped[float] = mapped_column(Float, default=float(SOURCE_RECRAWL_DAYS))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_crawl_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_crawl_at: Mapped[datetime | None] = mapped_column(DateTime)
    pages_stored: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Document(Base):
    """One fetched or imported page, with its provenance and extracted metadata."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    final_url: Mapped[str | None] = mapped_column(URL)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(12))
    lang_confidence: Mapped[float | None] = mapped_column(Float)
    doc_type: Mapped[str] = mapped_column(String(20), default="document")
    country: Mapped[str | None] = mapped_column(String(8))
    municipality: Mapped[str | None] = mapped_column(String(200))
    themes: Mapped[list] = mapped_column(default=list)
    year: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[str | None] = mapped_column(String(40))
    meta: Mapped[dict] = mapped_column(default=dict)
    also_at: Mapped[list] = mapped_column(default=list)
    translations: Mapped[dict] = mapped_column(default=dict)
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    simhash: Mapped[str | None] = mapped_column(String(20))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    extractor: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(20), default="crawl")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    gone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)


class CrawlJob(Base):
    """One crawl: its seeds, its settings and, when over, its summary."""

    __tablename__ = "crawl_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    seeds: Mapped[list] = mapped_column(default=list)
    options: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class CrawlUrl(Base):
    """A URL of a crawl's frontier and its outcome: the frontier lives in the kb."""

    __tablename__ = "crawl_url"
    # The claim query walks pending URLs of a job shallowest first: one index serves it.
    __table_args__ = (UniqueConstraint("job_id", "url"), Index("ix_crawl_url_claim", "job_id", "status", "depth", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_job.id"), index=True)
    url: Mapped[str] = mapped_column(URL)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    referrer: Mapped[str | None] = mapped_column(URL)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # An in-flight URL's lease: the worker fetching it and since when (crawler.frontier.requeue_in_flight).
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CrawlHost(Base):
    """A host's politeness state shared by every crawler worker of the knowledge base: who is asking it
    now (until when, a lease renewed as claims are) and when it may be asked next (crawler.host_ledger)."""

    __tablename__ = "crawl_host"

    host: Mapped[str] = mapped_column(String(300), primary_key=True)  # crawler.politeness.host_key
    held_by: Mapped[str | None] = mapped_column(String(200))
    held_until: Mapped[datetime | None] = mapped_column(DateTime)
    free_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who changed what, when, with the record before and after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class User(Base):
    """A person who signs in: a researcher, a curator or an admin."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20), default="researcher")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(Base):
    """A curated case record: one example of a local government's project, under review."""

    __tablename__ = "case_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(8))
    nuts: Mapped[str | None] = mapped_column(String(10))
    population_band: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(40))
    themes: Mapped[list] = mapped_column(default=list)
    technologies: Mapped[list] = mapped_column(default=list)
    programme: Mapped[str | None] = mapped_column(Text)
    years: Mapped[list] = mapped_column(default=list)
    status: Mapped[str | None] = mapped_column(String(60))
    contact_org: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list] = mapped_column(default=list)
    also_at: Mapped[list] = mapped_column(default=list)
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    from_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    review_state: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by: Mapped[str | None] = mapped_column(String(200))
    proposed_changes: Mapped[dict | None] = mapped_column(JSON)
    validated_by: Mapped[str | None] = mapped_column(String(200))
    validated_at: Mapped[datetime | None] = mapped_column(DateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Collection(Base):
    """A curated, annotated set of documents and cases, optionally for an event."""

    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20), default="private")
    share_key: Mapped[str | None] = mapped_column(String(64))  # the secret of an unlisted link
    event_name: Mapped[str | None] = mapped_column(Text)
    event_start: Mapped[str | None] = mapped_column(String(40))
    event_end: Mapped[str | None] = mapped_column(String(40))
    event_place: Mapped[str | None] = mapped_column(Text)
    event_mode: Mapped[str | None] = mapped_column(String(20))
    agenda: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class CollectionCurator(Base):
    """A user who may edit (and, when private, see) a collection."""

    __tablename__ = "collection_curator"
    __table_args__ = (UniqueConstraint("collection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)


class CollectionItem(Base):
    """A document or a case in a collection, at a position, with a curator's note."""

    __tablename__ = "collection_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Organisation(Base):
    """A municipality, agency, network, programme, company or university."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="other")
    country: Mapped[str | None] = mapped_column(String(8))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    join_info: Mapped[str | None] = mapped_column(Text)  # a network's or programme's: who may join, and how
    join_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Person(Base):
    """An expert or stakeholder; personal data, public only with consent."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    role_title: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(8))
    languages: Mapped[list] = mapped_column(default=list)
    expertise: Mapped[list] = mapped_column(default=list)
    bio: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list] = mapped_column(default=list)
    email: Mapped[str | None] = mapped_column(String(300))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_by: Mapped[str | None] = mapped_column(String(200))
    consent_purpose: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_public(self) -> bool:
        return self.consent_at is not None


class PersonLink(Base):
    """A person's relation to a case, document, collection or event."""

    __tablename__ = "person_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(20))


class NetworkMember(Base):
    """An organisation taking part in a network or programme."""

    __tablename__ = "network_member"
    __table_args__ = (UniqueConstraint("network_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)


class NetworkCase(Base):
    """A case that came out of (was carried out in, or funded by) a network or programme."""

    __tablename__ = "network_case"
    __table_args__ = (UniqueConstraint("network_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)


class NetworkEvent(Base):
    """An event a network or programme holds."""

    __tablename__ = "network_event"
    __table_args__ = (UniqueConstraint("network_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)


class Event(Base):
    """A workshop or meeting: when, where, how, and its agenda."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    starts: Mapped[str] = mapped_column(String(40))
    ends: Mapped[str] = mapped_column(String(40))
    starts_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_utc: Mapped[datetime] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(10), default="onsite")
    place: Mapped[str | None] = mapped_column(String(500))
    online_link: Mapped[str | None] = mapped_column(String(1000))
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    agenda: Mapped[list] = mapped_column(default=list)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    created_by: Mapped[str | None] = mapped_column(String(200))
    signups: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Registration(Base):
    """One participant's sign-up; personal data, purged after the event."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(300))
    attendance: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    consent_at: Mapped[datetime] = mapped_column(DateTime)
    cancel_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Call(Base):
    """A call for applications or participants, issued by a network or programme."""

    __tablename__ = "network_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    network_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str | None] = mapped_column(Text)
    countries: Mapped[list] = mapped_column(JSON, default=list)  # eligible countries; empty: not limited
    themes: Mapped[list] = mapped_column(JSON, default=list)
    opens: Mapped[str | None] = mapped_column(String(40))  # ISO 8601 with the offset it was given with
    opens_utc: Mapped[datetime | None] = mapped_column(DateTime)
    deadline: Mapped[str] = mapped_column(String(40))
    deadline_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    zone: Mapped[str] = mapped_column(String(60), default="UTC")
    url: Mapped[str | None] = mapped_column(String(1000))
    example: Mapped[bool] = mapped_column(Boolean, default=False)  # made up to show the feature, not a real call
    status: Mapped[str] = mapped_column(String(12), default="open")  # as last recorded; read call_status()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
