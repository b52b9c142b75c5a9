"""The `kb` click group and its error contract: UserError exits 2, Failure exits 1, each one line on
stderr; the data folder's settings and knowledge base as the commands open them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from kb import __version__
from kb.errors import InputError, StorageError
from kb.settings import load_settings


class UserError(click.ClickException):
    """An error the user can fix: one line on stderr, exit code 2."""

    exit_code = 2


class Failure(click.ClickException):
    """Something failed that is not the user's input: one line on stderr, exit code 1."""

    exit_code = 1


def settings_of(ctx: click.Context, **overrides):
    """The settings of the data folder given by --data, with command-line overrides."""
    try:
        return load_settings(ctx.obj["data"], overrides)
    except InputError as exc:
        raise UserError(str(exc)) from None


def open_data(ctx: click.Context, create: bool = True, **overrides):
    """The knowledge base of the data folder; a storage problem is a one-line failure."""
    from kb.storage import open_kb

    try:
        return open_kb(settings_of(ctx, **overrides), create=create)
    except StorageError as exc:
        raise Failure(str(exc)) from None


def as_background_work(settings) -> None:
    """Batch work yields the CPU to searches: a crawl or an import that shares two cores with
    `kb serve` would otherwise double the searches' tail latency. Lowers this process's
    scheduling priority by ``batch_niceness`` (POSIX only; never raises)."""
    if settings.batch_niceness > 0 and hasattr(os, "nice"):
        try:
            os.nice(settings.batch_niceness)
        except OSError:
            pass


def emit(data, as_json: bool, render) -> None:
    """Print ``data`` as one JSON line, or through ``render`` for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))
    else:
        render(data)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), envvar="KB_DATA",
              default=None, help="Data folder (SQLite + index). Default: $KB_DATA or ./kb-data.")
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, data: Path | None) -> None:
    """Casebook: collect, index and search examples of digital transformation
    and urban development by European local governments.

    \b
    Typical use:
      kb crawl https://www.example.be/cases/   # collect pages
      kb index                                 # (re)build the search index
      kb search "digitaal loket"               # search in every language
      kb serve                                 # web UI and JSON API
      kb demo                                  # all of the above on the bundled demo site
    """
    ctx.ensure_object(dict)
    ctx.obj["data"] = data
