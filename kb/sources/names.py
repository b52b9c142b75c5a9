"""What people see for a source: its registered name, never just its address.

The index keeps a page's host as its ``source`` facet value (a stable key: filter
URLs such as ``?source=www.gent.be`` keep working when a source is renamed), and the
pages, facets, API answers and exports name it by the registered ``Source``: the one
that holds the host, or, when several sources share a host (four of the catalogue's
are on www.vlaanderen.be), their names together. A page stored by a source is named by
that source. A host no source claims is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Source
from kb.urlcheck import RefusedUrl, parse_web_url

MAX_NAMES = 3  # a host shared by more sources is named by its first three and "…"


@dataclass
class SourceNames:
    """Registered names by source id and by host."""

    by_id: dict[int, str] = field(default_factory=dict)
    by_host: dict[str, list[str]] = field(default_factory=dict)

    def label(self, host: str | None, source_id: int | None = None) -> str:
        """The name to show for a page on ``host`` (stored by ``source_id``, when known)."""
        if source_id is not None and source_id in self.by_id:
            return self.by_id[source_id]
        names = self.by_host.get((host or "").lower(), [])
        if not names:
            return host or ""
        shown = " / ".join(names[:MAX_NAMES])
        return shown + (" / …" if len(names) > MAX_NAMES else "")


def _hosts(source: Source) -> list[str]:
    hosts = [str(host).lower() for host in source.hosts or []]
    for seed in source.seeds or []:
        try:
            hosts.append(parse_web_url(seed).host.lower())
        except RefusedUrl:  # a seed stored before the rules were stricter names no host
            continue
    return list(dict.fromkeys(hosts))


def source_names(session: Session) -> SourceNames:
    """The names of the live sources, oldest first where several share a host."""
    names = SourceNames()
    for source in session.scalars(select(Source).where(Source.deleted_at.is_(None)).order_by(Source.id)):
        name = (source.name or "").strip()
        if not name:
            continue
        names.by_id[source.id] = name
        for host in _hosts(source):
            if name not in names.by_host.setdefault(host, []):
                names.by_host[host].append(name)
    return names
