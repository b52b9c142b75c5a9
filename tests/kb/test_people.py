"""Profiles, consent and GDPR requests."""

from __future__ import annotations

import json
import os

import pytest

from kb.models import AuditEvent, Person, PersonLink
from kb.erasure import erase_person
from kb.people import export_person, link_person, record_consent


def test_a_profile_is_public_only_after_consent_is_recorded(kb):
    from webui import create_app

    with kb.session() as db:
        person = Person(name="Dr. Example Expert", country="BE", expertise=["open-data"])
        db.add(person)
        db.flush()
        person_id = person.id
    client = create_app(kb.settings, kb=kb).test_client()
    assert client.get(f"/api/people/{person_id}").status_code == 404
    with kb.session() as db:
        record_consent(db, db.get(Person, person_id), "curator1", "speaker profile for the workshop series")
    assert client.get(f"/api/people/{person_id}").get_json()["name"] == "Dr. Example Expert"


@pytest.mark.both_engines
def test_erasure_removes_the_person_and_links_and_the_audit_keeps_no_personal_data(kb):
    with kb.session() as db:
        person = Person(name="Jane Participant", email="jane@example.org", bio="Works on data platforms")
        db.add(person)
        db.flush()
        link_person(db, person.id, "case", 42, "contact_for")
        person_id = person.id
        exported = export_person(db, person_id)
    assert exported["person"]["email"] == "jane@example.org" and exported["links"][0]["entity_id"] == 42
    with kb.session() as db:
        assert erase_person(db, person_id, "admin1") == 1
    with kb.session() as db:
        assert db.get(Person, person_id) is None
        assert db.query(PersonLink).count() == 0
        trail = json.dumps([(e.before, e.after) for e in db.query(AuditEvent).all()])
    assert "Jane" not in trail and "jane@example.org" not in trail


def test_a_public_profile_is_searchable_as_an_expert_and_erasure_removes_it(tmp_path):
    import subprocess
    import sys

    def kb_cli(*args):
        return subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data",
                               str(tmp_path / "data"), *args], capture_output=True, text=True, timeout=120)

    added = kb_cli("person", "add", "Anna Example", "--organisation", "Stad Gent", "--kind", "municipality",
                   "--country", "BE", "--expertise", "open-data", "--bio", "Leads the open data programme.",
                   "--json")
    person_id = json.loads(added.stdout)["id"]
    assert kb_cli("index").returncode == 0
    assert json.loads(kb_cli("search", "Anna", "--json").stdout)["total"] == 0  # not public yet
    assert kb_cli("person", "consent", str(person_id), "--by", "curator1",
                  "--purpose", "expert directory").returncode == 0
    found = json.loads(kb_cli("search", "Anna", "--json").stdout)
    assert found["total"] == 1 and found["hits"][0]["type"] == "expert"
    assert kb_cli("person", "erase", str(person_id)).returncode == 0
    assert json.loads(kb_cli("search", "Anna", "--json").stdout)["total"] == 0
    assert kb_cli("person", "export", str(person_id)).returncode == 2


def test_an_organisation_profile_is_searchable_as_type_organisation(tmp_path):
    import subprocess
    import sys

    def kb_cli(*args):
        return subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data",
                               str(tmp_path / "data"), *args], capture_output=True, text=True, timeout=120)

    assert kb_cli("org", "add", "Digitaal Vlaanderen", "--kind", "agency", "--country", "be",
                  "--description", "Flemish agency for digital government.").returncode == 0
    found = json.loads(kb_cli("search", "Vlaanderen", "--filter", "type=organisation", "--json").stdout)
    assert found["total"] == 1 and found["hits"][0]["country"] == "BE"
    assert kb_cli("org", "add", "Bad", "--website", "javascript:alert(1)").returncode == 2


def test_an_organisation_profile_has_the_language_of_its_description_and_und_when_it_has_none(kb):
    from kb.models import Document, Organisation
    from kb.people import publish_organisation

    with kb.session() as db:
        described = Organisation(name="Vilniaus miesto savivaldybė", kind="municipality", country="LT",
                                 description="The city of Vilnius, which publishes its budget and its "
                                             "council decisions as open data and runs an e-services portal.")
        bare = Organisation(name="Tallinna linn", kind="municipality", country="EE")
        db.add_all([described, bare])
        db.flush()
        documents = [db.get(Document, publish_organisation(db, org)) for org in (described, bare)]
        # the Lithuanian name does not make the English description Lithuanian
        assert [(doc.lang, bool(doc.lang_confidence)) for doc in documents] == [("en", True), ("und", False)]


def test_a_case_page_lists_its_public_people(kb):
    from kb.models import Case
    from webui import create_app

    with kb.session() as db:
        case = Case(title="Digitaal loket", summary="Loket", review_state="validated")
        public = Person(name="Public Expert")
        private = Person(name="Private Person")
        db.add_all([case, public, private])
        db.flush()
        record_consent(db, public, "curator1", "expert directory")
        link_person(db, public.id, "case", case.id, "contact_for")
        link_person(db, private.id, "case", case.id, "author_of")
        case_id = case.id
    html = create_app(kb.settings, kb=kb).test_client().get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Public Expert" in html and "Private Person" not in html


def _index_bytes(index_dir) -> bytes:
    """Every byte of the index's files: each generation's Whoosh segments and passage vectors."""
    return b"".join(path.read_bytes() for path in sorted(index_dir.rglob("*")) if path.is_file())


def test_an_erased_name_is_in_no_file_search_reads_and_never_offered_as_did_you_mean(tmp_path):
    """Issue 19 item 5: q=Zwanzigsteim suggested "zwanzigstein" after `kb person erase`, as Whoosh
    keeps a deleted document's words until its segment is merged."""
    import subprocess
    import sys

    import numpy

    from index.build import sync_index
    from index.location import current_generation
    from index.vectors import load_vectors
    from kb.models import Document
    from kb.people import profile_url
    from kb.settings import load_settings
    from kb.storage import open_kb
    from webui import create_app

    def kb_cli(*args):  # with passage vectors (tests/conftest.py turns them off by default): they must go too
        return subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data",
                               str(tmp_path / "data"), *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "KB_EMBEDDING_MODEL": "auto"})

    settings = load_settings(tmp_path / "data", environ={})
    knowledge_base = open_kb(settings)
    with knowledge_base.session() as db:
        db.add_all([Document(url=f"https://stad.test/{n}", title=f"Digitaal loket {n}", lang="nl", doc_type="case",
                             text="Inwoners vragen attesten online aan bij het digitaal loket.") for n in range(3)])
    sync_index(knowledge_base, settings.index_dir)
    added = kb_cli("person", "add", "Hanna Zwanzigstein", "--country", "DE", "--language", "de",
                   "--bio", "Hanna Zwanzigstein leitet das Open-Data-Programm.", "--json")
    person_id = json.loads(added.stdout)["id"]
    assert kb_cli("person", "consent", str(person_id), "--by", "curator1", "--purpose", "directory").returncode == 0
    assert kb_cli("index", "--rebuild").returncode == 0  # the generation it replaces is kept beside it
    with knowledge_base.session() as db:
        document_id = db.query(Document).filter_by(url=profile_url(person_id)).one().id
    client = create_app(settings, kb=knowledge_base).test_client()
    misspelt = {"q": "Zwanzigsteim", "meaning": "off"}  # by meaning, any query finds neighbours
    before = client.get("/api/search", query_string=misspelt).get_json()
    assert before["suggestion"] == "zwanzigstein"  # the name is offered while the profile is public
    assert document_id in load_vectors(current_generation(settings.index_dir)).doc_ids.tolist()

    assert kb_cli("person", "erase", str(person_id)).returncode == 0
    answer = client.get("/api/search", query_string=misspelt).get_json()
    assert answer["total"] == 0 and answer["suggestion"] is None
    assert "zwanzigstein" not in client.get("/", query_string=misspelt).get_data(as_text=True).lower()
    assert client.get("/api/search", query_string={"q": "Zwanz*", "meaning": "off"}).get_json()["total"] == 0
    assert document_id not in load_vectors(current_generation(settings.index_dir)).doc_ids.tolist()
    for part in settings.index_dir.rglob("part-*.npz"):  # nor in a part the live set no longer reads
        with numpy.load(part) as data:
            assert document_id not in data["doc_ids"].tolist()
    assert b"zwanzigstein" not in _index_bytes(settings.index_dir).lower()  # no term or stored field anywhere
    assert "Zwanzigstein" not in json.dumps(client.get("/api/search", query_string={"q": "Hanna"}).get_json())
    knowledge_base.close()
