"""The console entry point: the group with every command module attached, and errors as one line."""

from __future__ import annotations

import os
import sys

import click

from kb.app.group import cli
from kb.errors import InputError, KbError

# The command modules attach their commands to `cli` when imported.
from kb.app.commands import audit, calls, cases, crawling, maintenance, people  # noqa: E402,F401
from kb.app.commands import data as data_commands  # noqa: E402,F401
from kb.app.commands import searching, serving, sources, users, worker  # noqa: E402,F401


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
