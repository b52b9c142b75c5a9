"""The demo's records as a curator would leave them: a named source, validated cases, a curator.

`kb demo` registers the bundled site as the source "Casebook demo site" (so hits and
facets show that name, not 127.0.0.1), crawls it as a source, which proposes a case
for each page describing one (kb.crawled_cases), and then validates those proposals as
the demo curator, whose name and the date are recorded on each case. It imports the
starter catalogue of real sources (kb/sources/catalogue.yaml) without crawling them, so
that the sources page shows what is ready to crawl when a worker runs. The curator's
password is generated on the first run and kept, readable by its owner only, in the data
folder, so that `kb demo` can say how to sign in every time.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.accounts import Actor, create_user, find_user, set_password
from kb.cases import validate_case
from kb.models import Case, Document, Source
from kb.sources.catalogue import load_catalogue
from kb.sources.registry import CatalogueImport, import_catalogue
from kb.urlcheck import parse_web_url

DEMO_SOURCE_KEY = "casebook-demo"
DEMO_SOURCE_NAME = "Casebook demo site"
DEMO_CURATOR = "demo-curator"
PASSWORD_FILE = "demo-curator-password.txt"


def register_demo_source(session: Session, site_url: str) -> Source:
    """The demo site as a registered source (created, or pointed at this run's address)."""
    host = parse_web_url(site_url).host
    values = {"name": DEMO_SOURCE_NAME, "seeds": [site_url], "hosts": [host], "max_pages": 2000, "max_depth": 10,
              "country": None, "kind": "demo", "languages": ["nl", "en", "fr", "de", "es", "it", "pt"],
              "why": "The bundled demo site: 104 case pages in seven languages, a workshop and reports."}
    source = session.scalar(select(Source).where(Source.key == DEMO_SOURCE_KEY))
    if source is None:
        source = Source(key=DEMO_SOURCE_KEY, include=[], exclude=[], tags=["demo"], status="queued", **values)
        session.add(source)
    else:
        for name, value in values.items():
            setattr(source, name, value)
        source.deleted_at, source.next_crawl_at = None, None
    session.flush()
    return source


def demo_curator(session: Session, data_dir: Path) -> tuple[Actor, str]:
    """The demo curator and its password: generated on the first run, then read from the data folder."""
    path = Path(data_dir) / PASSWORD_FILE
    user = find_user(session, DEMO_CURATOR)
    if user is None or not path.is_file():
        password = secrets.token_urlsafe(12)
        if user is None:
            user = create_user(session, DEMO_CURATOR, "curator", password)
        else:  # the file was removed: a new password, so the one printed works
            set_password(session, DEMO_CURATOR, password)
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
    password = path.read_text(encoding="utf-8").strip()
    return Actor(user.name, user.role, user.id), password


def validate_site_cases(session: Session, site_url: str, curator: Actor) -> int:
    """Validate, as ``curator``, every case proposed (or edited) from the pages of ``site_url``."""
    drafted_here = select(Document.id).where(Document.url.startswith(site_url, autoescape=True))
    query = select(Case).where(Case.from_document_id.in_(drafted_here), Case.deleted_at.is_(None),
                               Case.merged_into.is_(None), Case.review_state != "rejected")
    done = 0
    for case in session.scalars(query.order_by(Case.id)).all():
        if case.review_state != "validated" or case.proposed_changes:
            validate_case(session, case, curator)
            done += 1
    return done


def import_starter_catalogue(session: Session) -> CatalogueImport:
    """The bundled catalogue's sources, registered and queued but not crawled (a worker would)."""
    return import_catalogue(session, load_catalogue())
