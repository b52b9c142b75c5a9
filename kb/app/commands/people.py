"""`kb person ...` and `kb event ...`: profiles, GDPR requests and participant retention."""

from __future__ import annotations

import json

import click

from kb.app.group import UserError, cli, emit, open_data
from kb.app.wiring import sync_index
from kb.errors import InputError


@cli.group()
def person():
    """Expert profiles: add, publish with consent, export or erase (GDPR)."""


@person.command("add")
@click.argument("name")
@click.option("--organisation", default=None, help="Organisation name (created when new).")
@click.option("--kind", type=click.Choice(["municipality", "region", "agency", "network", "company", "university",
                                           "other"]), default="other", help="Kind of the organisation.")
@click.option("--role", "role_title", default=None, help="Role or job title.")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option("--language", "languages", multiple=True, help="Language spoken (repeat).")
@click.option("--expertise", multiple=True, help="Thesaurus concept id (repeat).")
@click.option("--bio", default=None, help="Short biography.")
@click.option("--link", "links", multiple=True, help="Public professional link, http(s) (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Print the new profile's id as JSON.")
@click.pass_context
def person_add(ctx, name, organisation, kind, role_title, country, languages, expertise, bio, links, as_json):
    """Add a profile (not public until consent is recorded)."""
    from kb.models import Organisation, Person

    if any(not link.startswith(("https://", "http://")) for link in links):
        raise UserError("--link must be an http(s) URL")
    with open_data(ctx).session() as db:
        org = None
        if organisation:
            org = db.query(Organisation).filter_by(name=organisation).first() or Organisation(name=organisation,
                                                                                             kind=kind)
            db.add(org)
            db.flush()
        new = Person(name=name, organisation_id=org.id if org else None, role_title=role_title,
                     country=(country or "").upper() or None, languages=list(languages), expertise=list(expertise),
                     bio=bio, links=list(links))
        db.add(new)
        db.flush()
        person_id = new.id
    emit({"id": person_id}, as_json, lambda d: click.echo(f"added person {d['id']}"))


@cli.group()
def org():
    """Organisation profiles (municipalities, agencies, networks...): searchable as type organisation."""


@org.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(["municipality", "region", "agency", "network", "company", "university",
                                           "other"]), default="other", show_default=True, help="Kind of organisation.")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option("--website", default=None, help="Official website, http(s).")
@click.option("--description", default=None, help="One paragraph about the organisation.")
@click.pass_context
def org_add(ctx, name, kind, country, website, description):
    """Add an organisation profile and make it searchable."""
    from kb.models import Organisation
    from kb.people import publish_organisation

    if website and not website.startswith(("https://", "http://")):
        raise UserError("--website must be an http(s) URL")
    kb = open_data(ctx)
    with kb.session() as db:
        organisation = Organisation(name=name, kind=kind, country=(country or "").upper() or None, website=website,
                                    description=description)
        db.add(organisation)
        db.flush()
        publish_organisation(db, organisation)
        organisation_id = organisation.id
    sync_index(kb)
    click.echo(f"added organisation {organisation_id}")


@person.command("consent")
@click.argument("person_id", type=int)
@click.option("--by", "actor", required=True, help="Who recorded the consent.")
@click.option("--purpose", required=True, help="What the profile is published for.")
@click.pass_context
def person_consent(ctx, person_id, actor, purpose):
    """Record a person's consent to publish their profile."""
    from kb.models import Person
    from kb.people import record_consent

    kb = open_data(ctx)
    with kb.session() as db:
        target = db.get(Person, person_id)
        if target is None:
            raise UserError(f"there is no person {person_id}")
        try:
            record_consent(db, target, actor, purpose)
        except InputError as exc:
            raise UserError(str(exc)) from None
    sync_index(kb)
    click.echo(f"consent recorded; profile {person_id} is public")


@person.command("export")
@click.argument("person_id", type=int)
@click.pass_context
def person_export(ctx, person_id):
    """Print everything held about a person as JSON (right of access)."""
    from kb.people import export_person

    with open_data(ctx).session() as db:
        try:
            data = export_person(db, person_id)
        except InputError as exc:
            raise UserError(str(exc)) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@person.command("erase")
@click.argument("person_id", type=int)
@click.option("--by", "actor", default="admin", show_default=True, help="Who carries out the request.")
@click.pass_context
def person_erase(ctx, person_id, actor):
    """Erase a person (right to erasure): cases stay, links go, the audit keeps no personal data."""
    from kb.erasure import erase_person

    kb = open_data(ctx)
    with kb.session() as db:
        try:
            removed = erase_person(db, person_id, actor)
        except InputError as exc:
            raise UserError(str(exc)) from None
    sync_index(kb)
    click.echo(f"erased person {person_id}; {removed} links removed")


@cli.group()
def event():
    """Workshops: participant data retention."""


@event.command("purge")
@click.option("--days", type=click.IntRange(0), default=90, show_default=True,
              help="Delete participant data this many days after an event ends.")
@click.pass_context
def event_purge(ctx, days):
    """Delete participant data of past events (also run by `kb worker`)."""
    from kb.events import purge_participants

    with open_data(ctx).session() as db:
        count = purge_participants(db, days)
    click.echo(f"deleted {count} registrations of events that ended more than {days} days ago")
