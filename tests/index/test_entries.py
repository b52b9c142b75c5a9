"""Each live entry's document number by id, read from the id terms' infos, replaced and deleted entries left out."""

from __future__ import annotations

from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema
from whoosh.writing import NO_MERGE

from index.build import entry_ids
from index.entries import live_entries


def test_live_entries_map_each_id_to_its_live_version_across_segments_with_replacements_and_deletions(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), Schema(id=ID(stored=True, unique=True), version=ID(stored=True)))
    writer = ix.writer()
    for doc_id in range(1, 7):
        writer.add_document(id=str(doc_id), version="1")
    writer.commit()
    writer = ix.writer()
    writer.update_document(id="3", version="2")  # replaced: the first segment keeps the old one, deleted
    writer.delete_by_term("id", "4")
    writer.add_document(id="7", version="1")
    writer.commit(mergetype=NO_MERGE)
    writer = ix.writer()
    writer.update_document(id="7", version="2")  # replaced within the newer segments
    writer.commit(mergetype=NO_MERGE)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) > 1
        found = live_entries(searcher)
        assert sorted(found) == [1, 2, 3, 5, 6, 7] == sorted(entry_ids(searcher))
        for doc_id, docnum in found.items():
            fields = searcher.stored_fields(docnum)
            assert fields["id"] == str(doc_id) and not searcher.reader().is_deleted(docnum)
            assert fields["version"] == ("2" if doc_id in (3, 7) else "1")
    writer = ix.writer()
    writer.commit(optimize=True)  # one segment without deletions: ids from the term infos alone
    with ix.searcher() as searcher:
        assert sorted(live_entries(searcher)) == [1, 2, 3, 5, 6, 7]
