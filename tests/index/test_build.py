"""Full rebuilds: documents changed during a build are caught up, and only those."""

from __future__ import annotations

from whoosh import index as whoosh_index

from index.build import build_index
from index.location import current_generation
from index.query import SearchRequest, search
from kb.models import Document, utcnow


def _add(kb, count: int) -> list[int]:
    with kb.session() as session:
        documents = [Document(url=f"https://stad.be/{n}", title=f"Digitaal loket {n}", text="Attesten aanvragen.",
                              lang="nl", doc_type="case") for n in range(count)]
        session.add_all(documents)
        session.flush()
        return [document.id for document in documents]


def test_a_rebuild_right_after_the_documents_were_stored_leaves_no_replaced_entries(kb):
    """Replaced entries would still count in document frequencies and field lengths,
    so the same knowledge base would rank differently from one build to the next."""
    _add(kb, 5)  # all of them changed within the last seconds, as after a crawl
    assert build_index(kb, kb.settings.index_dir) == 5
    ix = whoosh_index.open_dir(str(current_generation(kb.settings.index_dir)))
    assert ix.doc_count_all() == ix.doc_count() == 5


def test_a_document_changed_while_the_rebuild_runs_is_written_again_and_only_it(kb):
    ids = _add(kb, 3)
    edited = []

    def edit_once(_step):
        if not edited:  # the first document has been written: change the last one
            with kb.session() as session:
                document = session.get(Document, ids[-1])
                document.title, document.updated_at = "Slimme verlichting", utcnow()
            edited.append(True)

    build_index(kb, kb.settings.index_dir, progress=edit_once)
    index_dir = kb.settings.index_dir
    assert [h["id"] for h in search(index_dir, SearchRequest(q="verlichting")).hits] == [str(ids[-1])]
    ix = whoosh_index.open_dir(str(current_generation(index_dir)))
    assert ix.doc_count() == 3 and ix.doc_count_all() == 4  # one replaced entry: the changed document's
