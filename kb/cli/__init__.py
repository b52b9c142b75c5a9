"""The `kb` command: the one composition root of Casebook (this package).

Each command is thin: parse, call the package, print. Only this package may
import crawler, index and webui, and only inside the command functions.
Exit codes: 0 success, 2 bad usage or input (one line on stderr), 1 other failure.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from kb import __version__
from kb.errors import InputError, KbError, StorageError
from kb.settings import load_settings


class UserError(click.ClickException):
    """An error the user can fix: one line on stderr, exit code 2."""

    exit_code = 2


class Failure(click.ClickException):
    """Something failed that is not the user's input: one line on stderr, exit code 1."""

    exit_code = 1


def _settings(ctx: click.Context, **overrides):
    try:
        return load_settings(ctx.obj["data"], overrides)
    except InputError as exc:
        raise UserError(str(exc)) from None


def _open(ctx: click.Context, create: bool = True, **overrides):
    from kb.storage import open_kb

    try:
        return open_kb(_settings(ctx, **overrides), create=create)
    except StorageError as exc:
        raise Failure(str(exc)) from None


def _emit(data, as_json: bool, render) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))
    else:
        render(data)


def _update_index(kb, ids) -> None:
    from index.build import update_index
    from index.errors import SearchError

    try:
        update_index(kb, kb.settings.index_dir, ids)
    except SearchError as exc:
        raise Failure(f"stored, but the index was not updated: {exc}") from None


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


from kb.cli import crawling, data, searching, serving, sources  # noqa: E402,F401  (commands attach to `cli`)
from kb.cli import maintenance  # noqa: E402,F401
from kb.cli import audit, cases, users, worker  # noqa: E402,F401
from kb.cli import people  # noqa: E402,F401


def main() -> None:
    """Console entry point: never a traceback for an error a user can cause."""
    try:
        cli.main(prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except InputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except KbError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or exc}{where}; nothing was changed", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: say so in one line; KB_DEBUG=1 shows the traceback
        if os.environ.get("KB_DEBUG"):
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc} (set KB_DEBUG=1 for details)", err=True)
        sys.exit(1)
