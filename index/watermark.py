"""How far an index generation has followed the knowledge base: its watermark.

Each generation folder holds ``MARK``, a small JSON file written once the
generation (Whoosh's segments and any other artifact kept with it) holds every
change the mark names: ``through`` is the latest ``Document.updated_at`` read,
``recent`` the documents stamped within ``OVERLAP`` of it with the stamp of the
version applied. The next sync reads every document stamped since
``through - OVERLAP`` and applies only those whose stamp differs from
``recent``'s, so that

- documents sharing a timestamp are never lost: the window is read with >=
  and compared document by document, not by time alone;
- a write that commits after a sync read the kb, with a stamp older than the
  mark it set, is still found. SQLite lets one transaction write at a time, so
  a write the sync could not see took the write lock after every commit the
  sync saw; its stamp, taken at most SQLite's busy timeout (30 s) before it got
  the lock, is within ``OVERLAP`` of the mark. A server database
  with concurrent writers needs ``OVERLAP`` above its longest write transaction.

A generation without a mark (written before marks existed) is compared in full
with the ``updated`` value its entries store (``Mark.of_entries``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

MARK = "MARK"
OVERLAP = timedelta(minutes=2)  # above SQLite's busy timeout (kb.storage: 30 s), with room for clock jitter


@dataclass(frozen=True)
class Mark:
    """The latest stamp applied, and the documents applied within ``OVERLAP`` of it (id -> stamp)."""

    through: datetime | None = None
    recent: dict[int, datetime] = field(default_factory=dict)

    def since(self) -> datetime | None:
        """The oldest stamp the next sync must read (None: every document)."""
        return self.through - OVERLAP if self.through is not None else None

    def is_applied(self, document_id: int, stamp: datetime) -> bool:
        return self.recent.get(document_id) == stamp

    def advanced(self, stamps: dict[int, datetime]) -> Mark:
        """The mark once ``stamps`` (every document stamped since ``since()``: id -> stamp) are applied."""
        through = max([*stamps.values(), *([self.through] if self.through is not None else [])], default=None)
        if through is None:
            return self
        start = through - OVERLAP
        return Mark(through, {doc_id: stamp for doc_id, stamp in stamps.items() if stamp >= start})

    @classmethod
    def of_entries(cls, searcher) -> Mark:
        """A generation without a mark: every entry counts as applied at the ``updated`` it stores."""
        return cls(None, {int(fields["id"]): fields.get("updated") for fields in searcher.all_stored_fields()})


def read_mark(generation: Path) -> Mark | None:
    """The generation's mark, or None when it has none."""
    try:
        data = json.loads((generation / MARK).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    through = datetime.fromisoformat(data["through"]) if data.get("through") else None
    return Mark(through, {int(doc_id): datetime.fromisoformat(stamp) for doc_id, stamp in data["recent"].items()})


def write_mark(generation: Path, mark: Mark) -> None:
    """Replace the generation's mark atomically (a kill leaves the old one or the new one)."""
    data = {"through": mark.through.isoformat() if mark.through else None,
            "recent": {str(doc_id): stamp.isoformat() for doc_id, stamp in sorted(mark.recent.items())}}
    temporary = generation / f"{MARK}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, generation / MARK)
