"""`kb check`, `kb backup` and `kb restore`: keeping a data folder sound and safe."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from kb.app.group import Failure, UserError, cli, emit, open_data
from kb.app.wiring import copy_index, index_problems
from kb.errors import InputError, StorageError


def frontier_problems(kb) -> list[str]:
    """URLs left in flight by finished crawls, outcomes pointing at missing documents."""
    from sqlalchemy import select

    from kb.models import CrawlJob, CrawlUrl, Document

    problems = []
    with kb.session() as session:
        stuck = session.scalar(select(CrawlUrl.id).join(CrawlJob, CrawlJob.id == CrawlUrl.job_id)
                               .where(CrawlJob.status == "done", CrawlUrl.status.in_(("in_flight", "pending")))
                               .limit(1))
        if stuck is not None:
            problems.append("a finished crawl still has URLs pending or in flight")
        orphan = session.scalar(select(CrawlUrl.id).outerjoin(Document, Document.id == CrawlUrl.document_id)
                                .where(CrawlUrl.document_id.is_not(None), Document.id.is_(None)).limit(1))
        if orphan is not None:
            problems.append("crawl outcomes point at documents that do not exist")
    return problems


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def check(ctx, as_json: bool):
    """Check the data folder: database integrity, index <-> kb consistency, crawl frontier.

    On SQLite the database is checked with its integrity check; on PostgreSQL its B-tree indexes
    with amcheck where that extension is installed. Exits 1 when a problem is found; `kb index
    --rebuild` repairs the index.
    """
    from kb.backup import integrity_problems, server_problems

    kb = open_data(ctx, create=False)
    database = server_problems(kb.engine) if kb.settings.on_postgresql else integrity_problems(kb.settings.db_path)
    report = {"database": database, "frontier": frontier_problems(kb)}
    report["index"] = index_problems(kb)
    report["ok"] = not any(report[k] for k in ("database", "frontier", "index"))

    def render(r):
        for part in ("database", "index", "frontier"):
            click.echo(f"{part:<9} " + ("ok" if not r[part] else "; ".join(r[part])))

    emit(report, as_json, render)
    if not report["ok"]:
        sys.exit(1)


@cli.command()
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace TARGET's contents if it is not empty.")
@click.pass_context
def backup(ctx, target: Path, force: bool):
    """Back up the data folder (database, index, settings) into TARGET, while in use.

    On PostgreSQL the database is dumped by pg_dump into TARGET/kb.pgdump.
    """
    from kb.backup import DUMP_NAME, backup_database, copy_config, dump_database, prepare_target

    kb = open_data(ctx, create=False)
    try:
        prepare_target(target, force)
        if kb.settings.on_postgresql:
            dump_database(kb.settings.database_url, target / DUMP_NAME)
        else:
            backup_database(kb.settings.db_path, target / "kb.sqlite3")
        copy_config(kb.settings.data_dir, target)
    except InputError as exc:
        raise UserError(str(exc)) from None
    except (StorageError, OSError) as exc:
        raise Failure(f"backup failed: {exc}") from None
    try:
        copy_index(kb, target / "index")
    except OSError as exc:
        raise Failure(f"backup failed: {exc}") from None
    click.echo(f"backed up {kb.settings.data_dir} to {target}")


@cli.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data folder's contents if it is not empty.")
@click.pass_context
def restore(ctx, source: Path, force: bool):
    """Restore a backup made by `kb backup` from SOURCE into the data folder.

    A backup of a PostgreSQL knowledge base (kb.pgdump) is restored by pg_restore into the database
    that database_url names (KB_DATABASE_URL, or kb.toml in the data folder), in one transaction.
    """
    from kb.backup import DUMP_NAME, copy_config, integrity_problems, prepare_target
    from kb.settings import load_settings

    settings = load_settings(ctx.obj["data"])
    on_server = (source / DUMP_NAME).is_file()
    if not on_server and not (source / "kb.sqlite3").is_file():
        raise UserError(f"{source} holds no kb backup (kb.sqlite3 or {DUMP_NAME} missing)")
    if on_server != settings.on_postgresql:
        raise UserError(f"{source} is a backup of a {'PostgreSQL' if on_server else 'SQLite'} knowledge base: "
                        + ("set database_url (KB_DATABASE_URL) to the database to restore it into" if on_server
                           else "restore it without database_url, into a data folder"))
    if not on_server and (problems := integrity_problems(source / "kb.sqlite3")):
        raise Failure(f"the backup's database is damaged: {problems[0]}")
    target = settings.data_dir
    try:
        if on_server:
            _refuse_a_database_in_use(settings, force)
        prepare_target(target, force)
    except InputError as exc:
        raise UserError(str(exc)) from None
    if on_server:
        _restore_dump(settings, source / DUMP_NAME)
    else:
        shutil.copy2(source / "kb.sqlite3", target / "kb.sqlite3")
    copy_config(source, target)
    if (source / "index").is_dir():
        shutil.copytree(source / "index", target / "index")
    open_data(ctx, create=False).close()  # applies any newer migrations
    click.echo(f"restored {source} into {target}")


def _refuse_a_database_in_use(settings, force: bool) -> None:
    """A database holding tables is replaced only with --force, as a data folder that is not empty."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from kb.storage import make_server_engine

    engine = make_server_engine(settings.database_url)
    try:
        tables = inspect(engine).get_table_names()
    except SQLAlchemyError as exc:
        raise Failure(f"cannot reach the database to restore into: {getattr(exc, 'orig', exc)}") from None
    finally:
        engine.dispose()
    if tables and not force:
        raise InputError("the database database_url names is not empty (use --force to replace its contents)")


def _restore_dump(settings, dump: Path) -> None:
    from kb.backup import restore_database

    try:
        restore_database(settings.database_url, dump)
    except StorageError as exc:
        raise Failure(f"restore failed: {exc}") from None
