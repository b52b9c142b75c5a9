"""Keeping a generation's passage vectors in step with the knowledge base.

``apply_vectors`` is one of ``index.build``'s appliers: a rebuild and every sync
hand it the same ``Changes`` that Whoosh gets, before Whoosh commits them and
before the watermark moves, so a kill anywhere leaves the next sync to apply
them again (a vector part written twice is harmless: the later one wins).

The model is the ``embedding_model`` setting. Without it (not installed, an
unsupported CPU, or "none") nothing is embedded and search stays lexical; a
generation whose vectors another model built gets all its vectors rebuilt on the
next sync, and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select

from index.embedding import Embedder, embedder_or_reason
from index.location import current_generation
from index.vector_files import ensure_quantiser
from index.vectors import DocumentText, check_vectors, compact, model_of, read_vectors, write_all, writer_for
from kb.models import Document
from kb.storage import KnowledgeBase

BATCH = 500
Progress = Callable[[int], None]


def _texts(kb: KnowledgeBase, ids: Iterable[int]) -> Iterable[DocumentText]:
    ids = sorted(ids)
    with kb.session() as session:
        for start in range(0, len(ids), BATCH):
            rows = session.execute(select(Document.id, Document.title, Document.description, Document.text)
                                   .where(Document.id.in_(ids[start:start + BATCH]), Document.gone.is_(False))
                                   .order_by(Document.id)).all()
            for doc_id, title, description, text in rows:
                yield DocumentText(doc_id, title or "", description or "", text or "")


def _live_ids(kb: KnowledgeBase) -> set[int]:
    with kb.session() as session:
        return set(session.scalars(select(Document.id).where(Document.gone.is_(False))))


def rebuild_vectors(generation: Path, kb: KnowledgeBase, embedder: Embedder, ids: Iterable[int] | None = None,
                    reuse_from: Path | None = None, progress: Progress | None = None) -> int:
    """Fill ``generation`` with fresh vectors for ``ids`` (None: every live document); returns the
    passages embedded. Vectors of ``reuse_from`` (another generation) are copied where unchanged."""
    reuse = read_vectors(reuse_from) if reuse_from is not None else None
    texts = _texts(kb, _live_ids(kb) if ids is None else ids)
    if progress is not None:
        texts = _counted(texts, progress)
    return write_all(generation, embedder, texts, reuse)


def _counted(texts: Iterable[DocumentText], progress: Progress) -> Iterable[DocumentText]:
    for text in texts:
        yield text
        progress(1)


def apply_vectors(generation: Path, kb: KnowledgeBase, changes) -> None:
    """The applier: embed the changed documents, drop the removed ones."""
    embedder, _reason = embedder_or_reason(kb.settings.embedding_model)
    if embedder is None:
        return
    writer = writer_for(generation, embedder)
    if writer is None:  # a new generation, or vectors of another model: all of them, once
        serving = current_generation(generation.parent)
        reuse = serving if serving is not None and serving != generation else None
        ids = changes.changed if model_of(generation) is None and reuse is not None else None
        rebuild_vectors(generation, kb, embedder, ids, reuse)
        return
    for text in _texts(kb, changes.changed):
        writer.add(text)
    for doc_id in changes.removed | (changes.changed - set(writer.covered)):
        writer.remove(doc_id)
    writer.commit()
    # a person's profile: its vectors leave every part, not only the live set; else many parts are merged
    compact(generation, force=bool(changes.private))
    ensure_quantiser(generation)


def vector_report(kb: KnowledgeBase, generation: Path | None, live: set[int]) -> dict:
    """What `kb index --check` and `kb check` say of search by meaning: the model configured and
    whether it loads here, the model that built the vectors, and the live documents without any
    (documents with no words have none, and are not missing)."""
    embedder, reason = embedder_or_reason(kb.settings.embedding_model)
    report = check_vectors(generation, live, embedder.name if embedder else None)
    if report["missing_count"]:
        empty = {t.id for t in _texts(kb, report["missing_all"]) if not t.passages()}
        report["missing_all"] = sorted(set(report["missing_all"]) - empty)
        report["missing_count"] = len(report["missing_all"])
        report["missing"] = report["missing_all"][:50]
    report.pop("missing_all", None)
    report.update(configured=kb.settings.embedding_model, loaded=embedder.name if embedder else None,
                  unavailable=reason)
    return report


def vector_problems(report: dict) -> list[str]:
    """The report in sentences, for `kb check`: empty when search by meaning is whole."""
    if report.get("unavailable"):
        if (report.get("configured") or "").lower() == "none":
            return []
        return [f"search by meaning is unavailable, search is lexical only: {report['unavailable']}"]
    problems = []
    if report.get("model") and not report.get("model_current"):
        problems.append(f"the vectors were built by {report['model']}, the model here is {report['loaded']} "
                        "(`kb index --vectors` rebuilds them)")
    elif not report.get("model"):
        problems.append("the index has no passage vectors yet (`kb index --vectors` builds them)")
    if report.get("missing_count"):
        problems.append(f"{report['missing_count']} documents have no passage vectors (`kb index` adds them)")
    ann = report.get("ann") or {}
    if ann.get("due") or ann.get("unlisted"):
        unread = f"{ann['unlisted']} passages are in no cell list" if ann.get("unlisted") else \
            f"there is no quantiser for its {report.get('passages')} passages"
        problems.append(f"search by meaning reads every passage, slower but exact: {unread} "
                        "(the next `kb index` makes it)")
    return problems
