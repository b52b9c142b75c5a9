"""Sources registered in bulk from a file: the one import report that documents and cases give too."""

from __future__ import annotations

import json

from kb.formats import ImportReport, import_documents
from kb.models import AuditEvent, Source
from kb.source_queue import import_sources


def test_a_source_list_imports_row_by_row_and_reports_each_refused_row_as_a_document_import_does(kb, tmp_path):
    listing = tmp_path / "sources.csv"
    listing.write_text("url,name,tags,why\nhttps://www.example.org/a,A,smart city,Many cases\n"
                       "http://10.0.0.1/,Private,,\nftp://x.org/,Ftp,,\nhttps://www.example.org/a,Again,,\n",
                       encoding="utf-8")
    with kb.session() as session:
        report = import_sources(session, listing, "ana")
    assert isinstance(report, ImportReport)
    answer = report.to_json()
    assert (answer["stored"], answer["updated"], [r["row"] for r in answer["rejected"]]) == (1, 0, [3, 4, 5])
    assert "already registered" in answer["rejected"][2]["reason"]
    with kb.session() as session:
        source = session.query(Source).one()
        assert (source.name, source.tags, source.why) == ("A", ["smart city"], "Many cases")
        assert [e.actor for e in session.query(AuditEvent).filter_by(entity="source", action="create")] == ["ana"]
    documents = tmp_path / "documents.json"
    documents.write_text(json.dumps([{"url": "https://www.example.org/d", "title": "D", "text": "Tekst"}, {}]),
                         encoding="utf-8")
    with kb.session() as session:
        shape = import_documents(session, documents).to_json()
    assert set(shape) == set(answer) and set(shape["rejected"][0]) == set(answer["rejected"][0])
