"""Building small indexes from Document records for index tests (no kb needed)."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from index.build import write_documents
from index.query import SearchRequest, run_search
from index.tagging import Tagger
from kb.models import Document


def documents(rows: list[dict]) -> list[Document]:
    return [Document(id=i, url=row.get("url", f"https://example.org/{i}"), title=row.get("title", ""),
                     text=row.get("text", ""), lang=row.get("lang"), doc_type=row.get("type", "document"),
                     themes=row.get("themes", []), published=row.get("published"), year=row.get("year"),
                     country=row.get("country"), also_at=[], meta=row.get("meta", {}))
            for i, row in enumerate(rows, start=1)]


def build(path: Path, rows: list[dict], tagger: Tagger | None = None) -> Path:
    write_documents(path, documents(rows), tagger)
    return path


def ask(path: Path, q: str, **options):
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        return run_search(searcher, SearchRequest(q=q, **options))
