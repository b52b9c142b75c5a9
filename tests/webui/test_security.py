"""What a red-team pass found in the web UI (issue 19): each test reproduces one defect."""

from __future__ import annotations

import io
import json

import pytest

from kb.accounts import create_token, create_user
from kb.models import Case

ROLES = ("researcher", "curator", "admin")


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    with kb.session() as session:
        for role in ROLES:
            create_user(session, role, role, f"{role}-password")
        create_user(session, "other", "curator", "other-password")
    app = create_app(settings, kb)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def tokens(kb, app):
    from kb.accounts import find_user

    with kb.session() as session:
        return {name: create_token(session, find_user(session, name)) for name in (*ROLES, "other")}


def signed_in(app, name):
    client = app.test_client()
    assert client.post("/auth/login", data={"name": name, "password": f"{name}-password"}).status_code == 302
    return client


def upload(client, url, text: str, name: str):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # Encoded here, in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(text.encode()), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_researchers_import_only_proposes_changes_to_a_validated_case(app, kb):
    curator, researcher = signed_in(app, "curator"), signed_in(app, "researcher")
    original = json.dumps([{"external_id": "x-1", "title": "Telraam", "summary": "Counting traffic"}])
    assert "Stored 1" in upload(curator, "/cases/import", original, "c.json").get_data(as_text=True)
    hostile = json.dumps([{"external_id": "x-1", "title": "Defaced", "summary": "Spam"},
                          {"external_id": "x-2", "title": "New one", "summary": "From a researcher"}])
    page = upload(researcher, "/cases/import", hostile, "c.json").get_data(as_text=True)
    assert "Stored 1" in page and "updated 0" in page
    with kb.session() as session:
        cases = {c.external_id: c for c in session.query(Case)}
        assert (cases["x-1"].title, cases["x-1"].review_state) == ("Telraam", "validated")
        assert cases["x-1"].proposed_changes["title"] == "Defaced"
        assert cases["x-2"].review_state == "proposed"


def test_the_audit_trail_hides_other_curators_private_collections_and_every_share_key(app, tokens):
    private = app.test_client().post("/api/collections", json={"title": "Secret plans", "visibility": "private"},
                                     headers=bearer(tokens["curator"])).get_json()["id"]
    unlisted = app.test_client().post("/api/collections", json={"title": "Link only", "visibility": "unlisted"},
                                      headers=bearer(tokens["curator"])).get_json()
    other = app.test_client().get("/api/audit?entity=collection", headers=bearer(tokens["other"])).get_json()
    assert other["events"] == []
    assert "Secret plans" not in signed_in(app, "other").get("/audit/").get_data(as_text=True)
    own = app.test_client().get("/api/audit?entity=collection", headers=bearer(tokens["curator"])).get_json()
    assert {e["entity_id"] for e in own["events"]} == {str(private), str(unlisted["id"])}
    key = unlisted["share_url"].split("key=")[1]
    everything = app.test_client().get("/api/audit", headers=bearer(tokens["admin"])).get_data(as_text=True)
    assert "Secret plans" in everything and key not in everything and "share_key" not in everything


def new_case(client, **fields) -> int:
    response = client.post("/cases/", data={"title": "Telraam", "summary": "Counting traffic", **fields})
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def case_document(kb, case_id: int) -> int:
    with kb.session() as session:
        return session.get(Case, case_id).document_id


def test_the_document_of_a_rejected_or_deleted_case_is_hidden_as_its_case_is(app, kb):
    curator = signed_in(app, "curator")
    rejected, deleted, kept = new_case(curator), new_case(curator), new_case(curator)
    curator.post(f"/cases/{rejected}/reject", data={"reason": "Not a local government"})
    curator.post(f"/cases/{deleted}/delete")
    anonymous = app.test_client()
    for case_id in (rejected, deleted):
        doc_id = case_document(kb, case_id)
        assert anonymous.get(f"/api/cases/{case_id}").status_code == 404
        assert anonymous.get(f"/documents/{doc_id}").status_code == 404
        assert anonymous.get(f"/api/documents/{doc_id}").status_code == 404
    assert anonymous.get(f"/documents/{case_document(kb, kept)}").status_code == 200
    assert signed_in(app, "researcher").get(f"/api/documents/{case_document(kb, rejected)}").status_code == 200
    assert curator.get(f"/documents/{case_document(kb, deleted)}").status_code == 200


def test_every_csv_export_neutralises_formulas_and_leaves_empty_cells_empty(app, kb, tokens):
    import csv

    from index.build import build_index
    from kb.models import Document

    with kb.session() as session:
        document = Document(url="https://www.gent.be/x", title="=HYPERLINK(\"http://evil.example\")",
                            text="Digitaal loket van de stad Gent", lang="nl", country="BE")
        session.add(document)
        session.flush()
        doc_id = document.id
    build_index(kb, kb.settings.index_dir)
    search = list(csv.DictReader(io.StringIO(app.test_client().get("/export.csv?q=loket").get_data(as_text=True))))
    assert search[0]["title"] == "'=HYPERLINK(\"http://evil.example\")" and search[0]["final_url"] == ""
    curator = signed_in(app, "curator")
    cid = curator.post("/api/collections", json={"title": "Set", "visibility": "public"},
                       headers=bearer(tokens["curator"])).get_json()["id"]
    curator.post(f"/api/collections/{cid}/items", json={"document_id": doc_id, "note": "@SUM(1)"},
                 headers=bearer(tokens["curator"]))
    case_id = new_case(curator, title="-2+3")
    curator.post(f"/api/collections/{cid}/items", json={"case_id": case_id}, headers=bearer(tokens["curator"]))
    rows = list(csv.DictReader(io.StringIO(curator.get(f"/collections/{cid}/export.csv").get_data(as_text=True))))
    assert [(r["title"], r["note"]) for r in rows] == [("'=HYPERLINK(\"http://evil.example\")", "'@SUM(1)"),
                                                       ("'-2+3", "")]
    assert rows[1]["url"] == "" and rows[1]["lang"] == ""


def test_request_bodies_beyond_each_routes_limit_answer_413(app, tokens):
    anonymous = app.test_client()
    registration = {"name": "Ann", "email": "ann@example.org", "organisation": "x" * 200_000}
    response = anonymous.post("/api/events/1/registrations", json=registration)
    assert response.status_code == 413 and response.get_json()["status"] == 413
    assert anonymous.post("/auth/login", data={"name": "a", "password": "p" * 200_000}).status_code == 413
    big = {"title": "Big", "visibility": "public", "description": "x" * 2_000_000}
    assert anonymous.post("/api/collections", json=big, headers=bearer(tokens["curator"])).status_code == 413
    researcher = signed_in(app, "researcher")
    assert upload(researcher, "/cases/import", "x" * 7_000_000, "c.csv").status_code == 413
    fine = json.dumps([{"title": "Loket", "summary": "Digitaal loket " + "x" * 1_500_000}])
    assert upload(researcher, "/cases/import", fine, "c.json").status_code == 200


def test_concurrent_wrong_passwords_are_checked_no_more_often_than_the_limit(app):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        return app.test_client().post("/auth/login", data={"name": "admin", "password": "wrong"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    assert sorted(statuses) == [401] * 5 + [429] * 15


def test_failing_from_one_address_cannot_lock_a_name_out_elsewhere_and_each_address_has_a_cap(app):
    def sign_in_from(address, name, password):
        return app.test_client().post("/auth/login", data={"name": name, "password": password},
                                      environ_base={"REMOTE_ADDR": address}).status_code

    assert [sign_in_from("203.0.113.9", "admin", "wrong") for _ in range(6)] == [401] * 5 + [429]
    assert sign_in_from("198.51.100.7", "admin", "admin-password") == 302
    assert sign_in_from("203.0.113.9", "curator", "curator-password") == 302
    for number in range(25):  # one address trying many names meets the address cap
        assert sign_in_from("203.0.113.9", f"guess{number}", "wrong") == 401
    assert sign_in_from("203.0.113.9", "researcher", "researcher-password") == 429
    assert sign_in_from("198.51.100.7", "researcher", "researcher-password") == 302


def test_addresses_with_control_characters_are_refused_and_exports_never_break_a_record(app, kb, tokens):
    curator = signed_in(app, "curator")
    injected = "https://www.gent.be/\r\nER  - \r\nTY  - ELEC\r\nTI  - Injected"
    refused = app.test_client().post("/api/cases", json={"title": "T", "summary": "S", "links": [injected]},
                                     headers=bearer(tokens["curator"]))
    assert refused.status_code == 422 and "control character" in refused.get_json()["message"]
    assert curator.post("/cases/", data={"title": "T", "summary": "S",
                                         "links": "https://a.example/\tb"}).status_code == 422
    case_id = new_case(curator)
    with kb.session() as session:  # stored before input was checked
        session.get(Case, case_id).links = [injected]
    cid = curator.post("/api/collections", json={"title": "Set", "visibility": "public"},
                       headers=bearer(tokens["curator"])).get_json()["id"]
    curator.post(f"/api/collections/{cid}/items", json={"case_id": case_id}, headers=bearer(tokens["curator"]))
    ris = curator.get(f"/collections/{cid}/export.ris").get_data(as_text=True)
    assert ris.count("TY  - ") == 1 and "\nTI  - Injected" not in ris and "%0D%0AER" in ris
    bib = curator.get(f"/collections/{cid}/export.bib").get_data(as_text=True)
    assert "\r" not in bib and bib.count("@misc") == 1


def test_an_events_online_link_refuses_control_characters(app, tokens):
    event = {"title": "Workshop", "starts": "2030-09-21T09:00:00+02:00", "ends": "2030-09-21T17:00:00+02:00",
             "mode": "online", "online_link": "https://meet.example.org/x\nLocation: evil"}
    response = app.test_client().post("/api/events", json=event, headers=bearer(tokens["curator"]))
    assert response.status_code == 422 and "control characters" in response.get_data(as_text=True)


def test_a_public_collection_refuses_rejected_cases_and_hides_those_rejected_or_deleted_later(app, kb, tokens):
    curator = signed_in(app, "curator")
    rejected, later_rejected, later_deleted, kept = (new_case(curator, title=f"Case {n}") for n in range(4))
    curator.post(f"/cases/{rejected}/reject", data={"reason": "Not local"})
    cid = curator.post("/api/collections", json={"title": "Set", "visibility": "public"},
                       headers=bearer(tokens["curator"])).get_json()["id"]

    def add(body):
        return app.test_client().post(f"/api/collections/{cid}/items", json=body, headers=bearer(tokens["curator"]))

    assert add({"case_id": rejected}).status_code == 422
    assert add({"document_id": case_document(kb, rejected)}).status_code == 422
    for case_id in (later_rejected, later_deleted, kept):
        assert add({"case_id": case_id}).status_code == 201
    curator.post(f"/cases/{later_rejected}/reject", data={"reason": "Duplicate"})
    curator.post(f"/cases/{later_deleted}/delete")
    anonymous = app.test_client()
    assert [i["title"] for i in anonymous.get(f"/api/collections/{cid}").get_json()["items"]] == ["Case 3"]
    page = anonymous.get(f"/collections/{cid}").get_data(as_text=True)
    assert "Case 3" in page and "Case 1" not in page and "Case 2" not in page
    for fmt in ("csv", "json", "ris", "bib"):
        body = anonymous.get(f"/collections/{cid}/export.{fmt}").get_data(as_text=True)
        assert "Case 3" in body and "Case 1" not in body and "Case 2" not in body, fmt
    own = curator.get(f"/api/collections/{cid}").get_json()["items"]
    assert [(i["title"], i["hidden"]) for i in own] == [("Case 1", True), ("Case 2", True), ("Case 3", False)]


def test_a_deleted_public_collection_is_not_listed_on_its_documents_pages(app, kb, tokens):
    from kb.models import Document

    with kb.session() as session:
        document = Document(url="https://www.gent.be/loket", title="Digitaal loket Gent", text="Loket")
        session.add(document)
        session.flush()
        doc_id = document.id
    for title in ("Kept set", "Deleted set"):
        cid = app.test_client().post("/api/collections", json={"title": title, "visibility": "public"},
                                     headers=bearer(tokens["curator"])).get_json()["id"]
        app.test_client().post(f"/api/collections/{cid}/items", json={"document_id": doc_id},
                               headers=bearer(tokens["curator"]))
    app.test_client().delete(f"/api/collections/{cid}", headers=bearer(tokens["curator"]))
    page = app.test_client().get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Kept set" in page and "Deleted set" not in page


@pytest.mark.both_engines
def test_record_numbers_beyond_what_sqlite_holds_are_404_on_every_anonymous_page(app):
    client, too_big, checked = app.test_client(), 2**63, 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments:
            continue
        names = {type(converter).__name__ for converter in rule._converters.values()}
        if names != {"RecordIntegerConverter"}:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(too_big))
        response = client.get(path)
        # 405 where the same path has a route for another method (werkzeug checks the method first)
        assert response.status_code in (401, 404, 405) or (
            response.status_code == 302 and "login" in response.location), path
        checked += 1
    assert checked >= 12
    assert client.get(f"/api/cases/{too_big - 1}").status_code == 404


def test_record_numbers_beyond_what_sqlite_holds_are_422_in_json_bodies(app, tokens):
    cid = app.test_client().post("/api/collections", json={"title": "Set", "visibility": "public"},
                                 headers=bearer(tokens["curator"])).get_json()["id"]
    response = app.test_client().post(f"/api/collections/{cid}/items", json={"document_id": 2**70},
                                      headers=bearer(tokens["curator"]))
    assert response.status_code == 422


def test_deeply_nested_json_is_a_400_not_a_500(app, tokens):
    deep = "[" * 5000 + "]" * 5000
    response = app.test_client().post("/api/events/1/registrations", data=deep, content_type="application/json")
    assert response.status_code == 400
    nested = json.dumps({"title": "Set", "visibility": "public", "description": json.loads("[" * 40 + "]" * 40)})
    response = app.test_client().post("/api/collections", data=nested, content_type="application/json",
                                      headers=bearer(tokens["curator"]))
    assert response.status_code == 400


@pytest.mark.parametrize("name, text", [
    ("big-field.csv", "title,summary\nBig,\"" + "x" * 200_000 + "\"\nLoket,Digitaal loket\n"),
    ("old-mac.csv", "title,summary\rLoket,Digitaal loket\r"),
    ("deep.jsonl", "[" * 5000 + "]" * 5000 + "\n" + json.dumps({"title": "Loket", "summary": "Digitaal loket"})),
])
def test_a_malformed_web_import_is_reported_row_by_row(app, name, text):
    researcher = signed_in(app, "researcher")
    for url in ("/cases/import", "/sources/import"):
        response = upload(researcher, url, text, name)
        assert response.status_code == 200, (url, response.status_code)
    page = upload(researcher, "/cases/import", text, name).get_data(as_text=True)
    assert "Stored 1" in page or "updated" in page


def test_a_line_break_in_the_sign_in_next_parameter_is_never_a_header(app):
    for target in ("/%0d%0aSet-Cookie:%20stolen=1", "/cases/%0aLocation:%20https://evil.example/"):
        response = app.test_client().post(f"/auth/login?next={target}",
                                          data={"name": "curator", "password": "curator-password"})
        assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")
        assert "stolen" not in str(response.headers)


def test_search_json_is_standard_json_even_for_an_absurd_boost(demo_app):
    def refuse(constant):
        raise AssertionError(f"non-standard JSON: {constant}")

    for q in ("digital^" + "9" * 400, "digital^1e308 data^1e308", "digital^999999"):
        response = demo_app.test_client().get("/api/search", query_string={"q": q})
        assert response.status_code in (200, 400)
        json.loads(response.get_data(as_text=True), parse_constant=refuse)
    assert demo_app.json.dumps({"score": float("inf"), "scores": [float("nan"), 1.5]}) == \
        '{"score": null, "scores": [null, 1.5]}'


def test_a_new_data_folder_and_its_files_are_for_the_owner_only(tmp_path):
    import stat

    from kb.models import Document
    from kb.settings import load_settings
    from kb.storage import open_kb

    settings = load_settings(tmp_path / "data", environ={})
    kb = open_kb(settings)
    with kb.session() as session:
        session.add(Document(url="https://www.gent.be/a", title="A", text="a"))
    from webui import create_app

    app = create_app(settings, kb)
    app.config.update(TESTING=True)
    app.test_client().post("/auth/login", data={"name": "nobody", "password": "wrong"})
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    files = [path for path in (tmp_path / "data").iterdir() if path.is_file()]
    assert {"kb.sqlite3", "kb.sqlite3-wal", "throttle.sqlite3", "secret_key"} <= {path.name for path in files}
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == \
        {path.name: "0o600" for path in files}
    kb.close()


def test_a_pending_edit_of_a_validated_case_is_not_shown_to_anonymous_readers(app):
    curator, researcher = signed_in(app, "curator"), signed_in(app, "researcher")
    case_id = new_case(curator, title="Telraam Leuven")
    researcher.post(f"/cases/{case_id}/edit", data={"title": "Unreviewed claim"})
    anonymous = app.test_client()
    data = anonymous.get(f"/api/cases/{case_id}").get_json()
    assert data["title"] == "Telraam Leuven" and data["proposed_changes"] is None and data["proposed_by"] is None
    assert "Unreviewed claim" not in anonymous.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Unreviewed claim" not in anonymous.get(f"/api/cases/{case_id}").get_data(as_text=True)
    assert researcher.get(f"/api/cases/{case_id}").get_json()["proposed_changes"]["title"] == "Unreviewed claim"


def test_the_add_curator_form_does_not_tell_which_user_names_exist(app, tokens):
    curator = signed_in(app, "curator")
    cid = curator.post("/api/collections", json={"title": "Set", "visibility": "private"},
                       headers=bearer(tokens["curator"])).get_json()["id"]

    def answer(name):
        page = curator.post(f"/collections/{cid}/curators", data={"name": name}, follow_redirects=True)
        return [line for line in page.get_data(as_text=True).replace(name, "NAME").splitlines() if "NAME" in line]

    assert answer("researcher") == answer("nobody-by-this-name")
    assert any("no active curator named" in line for line in answer("nobody-by-this-name"))


def test_feeds_stay_readable_xml_whatever_control_characters_a_title_holds(app, kb, tokens):
    from xml.etree import ElementTree as ET

    from index.build import build_index
    from kb.models import Document

    with kb.session() as session:  # a crawled page may carry a form feed or an escape into its title
        session.add(Document(url="https://www.gent.be/loket", title="Digitaal\x0cloket\x1b[31m", lang="nl",
                             text="Digitaal loket van de stad Gent", description="Loket\x08online",
                             themes=["e\x01gov"]))
    build_index(kb, kb.settings.index_dir)
    client = app.test_client()
    client.post("/api/collections", json={"title": "Set\x0bof\x1bthings", "description": "a\x0cb",
                                          "visibility": "public"}, headers=bearer(tokens["curator"]))
    search = ET.fromstring(client.get("/feed.atom?q=loket").get_data())
    collections = ET.fromstring(client.get("/collections/feed.atom").get_data())
    titles = [e.text for feed in (search, collections) for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Digitaalloket[31m" in titles and "Setofthings" in titles


def test_an_events_text_cannot_add_lines_to_its_calendar_file(app, tokens):
    event = {"title": "Open data\u2028ATTENDEE:mailto:a@evil.example", "mode": "onsite", "capacity": 30,
             "starts": "2030-09-21T09:00:00+02:00", "ends": "2030-09-21T17:00:00+02:00",
             "place": "Gent\x85X-INJECTED:1", "description": "Day one\x0bURL:http://evil.example/\r\nDay two"}
    answer = app.test_client().post("/api/events", json=event, headers=bearer(tokens["curator"]))
    assert answer.status_code == 201
    text = app.test_client().get(f"/events/{answer.get_json()['id']}.ics").get_data(as_text=True)
    lines = text.replace("\r\n ", "").split("\r\n")
    assert text.replace("\r\n ", "").splitlines() == lines[:-1]  # no reader finds a line break but CRLF
    assert [line.split(":")[0] for line in lines if line.startswith(("ATTENDEE", "X-INJECTED", "URL"))] == ["URL"]
    assert "SUMMARY:Open data ATTENDEE:mailto:a@evil.example" in lines
    assert "DESCRIPTION:Day one URL:http://evil.example/\\nDay two" in lines


@pytest.mark.both_engines
def test_record_numbers_a_postgresql_id_cannot_hold_are_unknown_records_in_query_strings_forms_and_bodies(
        app, kb, tokens):
    from kb.models import Organisation

    big, curator = 2**33, bearer(tokens["curator"])  # beyond PostgreSQL's 32-bit ids; ten digits, as forms take
    with kb.session() as db:
        network = Organisation(name="Eurocities", kind="network")
        db.add(network)
        db.flush()
        network_id = network.id
    cid = app.test_client().post("/api/collections", json={"title": "Set", "visibility": "public"},
                                 headers=curator).get_json()["id"]
    client, browser = app.test_client(), signed_in(app, "curator")
    assert client.get(f"/cases/?network={big}").status_code == 200
    assert client.get(f"/calls?network={big}").status_code == 200
    response = client.put(f"/api/networks/{network_id}/links", json={"cases": [big]}, headers=curator)
    assert response.status_code == 422 and str(big) in response.get_json()["message"]
    response = client.post(f"/api/collections/{cid}/items", json={"document_id": big}, headers=curator)
    assert response.get_json()["message"] == f"there is no document {big}" and response.status_code == 422
    agenda = [{"time": "09:00", "title": "Welcome", "speakers": [big], "documents": []}]
    response = client.post("/api/events", headers=curator, json={
        "title": "Smart city governance", "starts": "2030-09-21T09:00:00+02:00", "ends": "2030-09-21T17:00:00+02:00",
        "mode": "online", "capacity": 3, "online_link": "https://meet.example.org/scg", "agenda": agenda})
    assert response.status_code == 422 and "speakers" in response.get_json()["message"]
    assert browser.post("/collections/add-item", data={"collection_id": big, "document_id": 1}).status_code == 404
    assert browser.post(f"/collections/{cid}/items", data={"document_id": big}).status_code == 302
    assert browser.post("/cases/validate", data={"case_id": big}).status_code == 302
    with kb.session() as db:
        case = Case(title="Telraam", summary="Counting traffic", review_state="validated")
        db.add(case)
        db.flush()
        case_id = case.id
    merge = browser.post(f"/cases/{case_id}/merge", data={"duplicate": str(big)}, follow_redirects=True)
    assert merge.status_code == 200 and f"There is no case {big}" in merge.get_data(as_text=True)
    assert browser.post(f"/networks/{network_id}/links", data={"cases": str(big)}).status_code == 422
