"""Curators create and edit expert and organisation profiles and record consent, in the browser's forms."""

from __future__ import annotations

import re
from html import unescape as html_unescape
from pathlib import Path

import pytest

from kb.accounts import create_user
from kb.models import AuditEvent, Document, Organisation, Person

TRANSLATIONS = Path(__file__).resolve().parents[2] / "webui" / "translations"


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    with kb.session() as db:
        for role in ("researcher", "curator"):
            create_user(db, role, role, f"{role}-password")
    application = create_app(settings, kb)
    application.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return application


def signed_in(app, role):
    client = app.test_client()
    assert client.post("/auth/login", data={"name": role, "password": f"{role}-password"}).status_code == 302
    return client


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no message beside {field}"
    return html_unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Error:", "").strip()


ORGANISATION = {"name": "Stad Gent", "kind": "municipality", "country": "be", "website": "https://stad.gent",
                "description": "City of Ghent"}


def test_a_curator_creates_and_edits_an_organisation_which_is_audited_and_searchable(app, kb):
    curator = signed_in(app, "curator")
    assert 'for="f-name"' in curator.get("/organisations/new").get_data(as_text=True)
    created = curator.post("/organisations", data=ORGANISATION)
    assert created.status_code == 303
    page = curator.get(created.headers["Location"]).get_data(as_text=True)
    assert "Stad Gent" in page and "Municipality" in page and "https://stad.gent" in page
    organisation_id = int(created.headers["Location"].rsplit("/", 1)[1])
    edit = curator.get(f"/organisations/{organisation_id}/edit").get_data(as_text=True)
    assert 'value="Stad Gent"' in edit and '<option value="municipality" selected>' in edit
    assert curator.post(f"/organisations/{organisation_id}/edit",
                        data={**ORGANISATION, "name": "City of Ghent"}).status_code == 303
    with kb.session() as db:
        assert db.get(Organisation, organisation_id).country == "BE"
        actions = [(e.action, e.after["name"]) for e in db.query(AuditEvent).filter_by(entity="organisation")]
        assert actions == [("create", "Stad Gent"), ("edit", "City of Ghent")]
        entry = db.query(Document).filter_by(doc_type="organisation").one()
        assert entry.title == "City of Ghent"


def test_an_invalid_organisation_form_says_what_is_wrong_beside_each_field(app, kb):
    curator = signed_in(app, "curator")
    response = curator.post("/organisations", data={"name": "", "kind": "pirates", "country": "Belgium",
                                                    "website": "javascript:alert(1)"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "This field is required."
    assert '<span class="visually-hidden">Error: </span>This field is required.' in html
    assert "two-letter country code" in field_error(html, "country")
    assert "http://" in field_error(html, "website") and "Choose one of" in field_error(html, "kind")
    assert 'aria-invalid="true"' in html and 'role="alert"' in html and 'value="Belgium"' in html
    with kb.session() as db:
        assert db.query(Organisation).count() == 0 and db.query(AuditEvent).count() == 0


def test_the_field_messages_are_in_the_interface_language(app):
    curator = signed_in(app, "curator")
    html = curator.post("/organisations?lang_ui=nl", data={"name": "", "country": "Belgium"}).get_data(as_text=True)
    assert "This field is required." not in html
    assert "Fout: </span>Dit veld is verplicht." in html


def test_a_curator_creates_an_expert_with_expertise_from_the_thesaurus_then_records_consent(app, kb):
    curator = signed_in(app, "curator")
    with kb.session() as db:
        organisation = Organisation(name="Digipolis", kind="agency")
        db.add(organisation)
        db.flush()
        organisation_id = organisation.id
    form = curator.get("/people/new").get_data(as_text=True)
    assert 'list="concepts"' in form and "<option value=\"open data\">" in form.lower()
    created = curator.post("/people", data={"name": "An Expert", "organisation_id": str(organisation_id),
                                            "role_title": "Data officer", "country": "BE", "languages": "nl, EN",
                                            "expertise": ["Open data", "digitale dienstverlening", ""],
                                            "bio": "Works on open data.", "links": "https://example.org/an\n"})
    assert created.status_code == 303
    person_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with kb.session() as db:
        person = db.get(Person, person_id)
        assert person.expertise == ["open-data", "digital-services"] and person.languages == ["nl", "en"]
        assert not person.is_public
    assert app.test_client().get(f"/people/{person_id}").status_code == 404  # no consent: curators only
    missing = curator.post(f"/people/{person_id}/consent", data={"given_by": "An Expert", "purpose": " "})
    assert missing.status_code == 422 and "what the profile is published for" in field_error(
        missing.get_data(as_text=True), "purpose")
    done = curator.post(f"/people/{person_id}/consent", data={"given_by": "An Expert", "given_at": "2024-03-01",
                                                              "purpose": "Speaker profile for the workshops"})
    assert done.status_code == 303
    public = app.test_client().get(f"/people/{person_id}").get_data(as_text=True)
    assert "An Expert" in public and "Digipolis" in public and "open data" in public
    with kb.session() as db:
        person = db.get(Person, person_id)
        assert (person.consent_by, person.consent_at.date().isoformat()) == ("An Expert", "2024-03-01")
        trail = db.query(AuditEvent).filter_by(entity="person").all()
        assert [e.action for e in trail] == ["create", "consent"] and all(e.actor == "curator" for e in trail)
        assert "An Expert" not in str([(e.before, e.after) for e in trail])  # no personal data in the audit
    curator.post(f"/people/{person_id}/withdraw-consent")
    assert app.test_client().get(f"/people/{person_id}").status_code == 404


def test_an_invalid_expert_form_keeps_the_input_and_names_the_unknown_concepts(app, kb):
    curator = signed_in(app, "curator")
    response = curator.post("/people", data={"name": "B", "organisation_id": "999", "languages": "Dutch",
                                             "expertise": ["Open data", "Quantum basket weaving"],
                                             "links": "ftp://example.org"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Quantum basket weaving" in field_error(html, "expertise")
    assert "dutch" in field_error(html, "languages") and "ftp://example.org" in field_error(html, "links")
    assert "Choose an organisation" in field_error(html, "organisation_id")
    assert 'value="Quantum basket weaving"' in html and 'value="Open data"' in html
    with kb.session() as db:
        assert db.query(Person).count() == 0


def test_editing_an_expert_keeps_consent_and_audits_only_the_names_of_the_fields_changed(app, kb):
    curator = signed_in(app, "curator")
    person_id = int(curator.post("/people", data={"name": "C Person", "bio": "First"}).headers["Location"]
                    .rsplit("/", 1)[1])
    form = curator.get(f"/people/{person_id}/edit").get_data(as_text=True)
    assert 'value="C Person"' in form and "First</textarea>" in form and "Record consent" in form
    assert curator.post(f"/people/{person_id}/edit", data={"name": "C Person", "bio": "Second"}).status_code == 303
    with kb.session() as db:
        assert db.get(Person, person_id).bio == "Second"
        edit = db.query(AuditEvent).filter_by(entity="person", action="edit").one()
        assert edit.after == {"fields": ["bio"]} and edit.before is None


@pytest.mark.parametrize("method, path", [("GET", "/people/new"), ("POST", "/people"),
                                          ("GET", "/organisations/new"), ("POST", "/organisations"),
                                          ("POST", "/organisations/1/edit"), ("GET", "/people/1/edit"),
                                          ("POST", "/people/1/edit"), ("POST", "/people/1/consent"),
                                          ("POST", "/people/1/withdraw-consent")])
def test_the_profile_forms_are_refused_to_researchers_and_send_strangers_to_sign_in(app, kb, method, path):
    with kb.session() as db:
        db.add(Organisation(name="Org"))
        db.add(Person(name="P"))
    researcher = signed_in(app, "researcher")
    assert researcher.open(path, method=method, data={"name": "X"}).status_code == 403
    anonymous = app.test_client().open(path, method=method, data={"name": "X"})
    assert anonymous.status_code == 401 or "/auth/login" in anonymous.headers.get("Location", "")
    with kb.session() as db:
        assert db.query(AuditEvent).count() == 0


def test_a_profile_form_without_its_csrf_token_is_refused(app, kb):
    app.config["WTF_CSRF_ENABLED"] = True
    curator = signed_in_with_csrf(app)
    assert curator.post("/organisations", data=ORGANISATION).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', curator.get("/organisations/new").get_data(as_text=True))
    assert curator.post("/organisations", data={**ORGANISATION, "csrf_token": token.group(1)}).status_code == 303
    with kb.session() as db:
        assert db.query(Organisation).count() == 1


def signed_in_with_csrf(app):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"name": "curator", "password": "curator-password",
                                            "csrf_token": token.group(1)}).status_code == 302
    return client


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_every_field_message_of_kb_is_translated(lang):
    from babel.messages.pofile import read_po

    from kb.fields import MESSAGES

    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert sorted(set(MESSAGES.values()) - translated) == []
