import csv
import io
import json

import pytest

from kb.errors import InputError
from kb.formats import export_documents, import_documents


@pytest.mark.both_engines
def test_import_reports_each_rejected_row_and_stores_the_rest(kb, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text("url,title,text,lang,year\n"
                    "https://a.be/1,Loket,Een digitaal loket voor inwoners,nl,2019\n"
                    "ftp://a.be/2,Bad,scheme,nl,\n"
                    "https://a.be/3,,,nl,\n"
                    "https://a.be/4,Year,text,en,twenty\n", encoding="utf-8")
    with kb.session() as session:
        report = import_documents(session, path)
    assert report.stored == 1
    assert [row for row, _ in report.rejected] == [3, 4, 5]
    assert "http" in report.rejected[0][1] and "year" in report.rejected[2][1]


def test_import_of_bad_json_is_a_clear_input_error(kb, tmp_path):
    path = tmp_path / "docs.json"
    path.write_text("{not json", encoding="utf-8")
    with kb.session() as session, pytest.raises(InputError, match="invalid JSON"):
        import_documents(session, path)


def test_export_writes_every_document_with_provenance_fields(kb, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"url": "https://a.be/1", "title": "T", "text": "Open data in Gent", "lang": "nl",
                                "country": "be", "themes": "open-data"}) + "\n", encoding="utf-8")
    with kb.session() as session:
        import_documents(session, path)
        out = io.StringIO()
        assert export_documents(session, out, "jsonl") == 1
        record = json.loads(out.getvalue())
        out_csv = io.StringIO()
        export_documents(session, out_csv, "csv")
    for key in ("id", "url", "title", "lang", "type", "source", "fetched_at", "content_hash", "text", "country",
                "themes"):
        assert key in record
    assert record["country"] == "BE" and record["themes"] == ["open-data"] and record["source"] == "a.be"
    assert next(csv.DictReader(io.StringIO(out_csv.getvalue())))["url"] == "https://a.be/1"


def test_a_csv_export_is_spreadsheet_safe_and_imports_back_to_the_same_text(kb, tmp_path):
    from kb.formats import read_records
    from kb.models import Document

    with kb.session() as session:
        session.add(Document(url="https://www.gent.be/a", title="=1+2", text="-5 degrees", lang="nl"))
        session.flush()
        out = io.StringIO()
        export_documents(session, out, "csv")
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["title"], row["text"], row["final_url"]) == ("'=1+2", "'-5 degrees", "")
    path = tmp_path / "back.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    (_, record, _), = read_records(path)
    assert (record["title"], record["text"]) == ("=1+2", "-5 degrees")
