"""`kb user ...`: accounts and API tokens."""

from __future__ import annotations

import sys

import click

from kb.app.group import UserError, cli, emit, open_data


@cli.group()
def user():
    """Manage accounts (researcher, curator, admin) and their API tokens."""


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(["researcher", "curator", "admin"]), required=True,
              help="What the user may do: researcher < curator < admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def user_add(ctx, name: str, role: str, password_stdin: bool):
    """Create the user NAME (the password is prompted for unless --password-stdin)."""
    password = _password(password_stdin, "Password")
    _change(ctx, "create_user", name, role, password)
    click.echo(f"created {role} {name}", err=True)


@user.command(name="token")
@click.argument("name")
@click.pass_context
def user_token(ctx, name: str):
    """Print a new API token for NAME (use as `Authorization: Bearer TOKEN`)."""
    from kb.accounts import create_token, find_user

    kb = open_data(ctx)
    with kb.session() as session:
        account = find_user(session, name)
        if account is None:
            raise UserError(f"there is no user named {name!r}")
        if account.disabled:
            raise UserError(f"user {name!r} is disabled")
        token = create_token(session, account)
    click.echo(token)


@user.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
@click.pass_context
def user_list(ctx, as_json: bool):
    """List users with their role, state and number of tokens."""
    from kb.accounts import list_users

    kb = open_data(ctx)
    with kb.session() as session:
        users = list_users(session)

    def render(rows):
        for row in rows:
            state = "disabled" if row["disabled"] else "active"
            click.echo(f"{row['name']:<24} {row['role']:<11} {state:<9} tokens={row['tokens']}")

    emit(users, as_json, render)


@user.command(name="disable")
@click.argument("name")
@click.pass_context
def user_disable(ctx, name: str):
    """Disable NAME: ends their sessions and revokes their API tokens."""
    _change(ctx, "disable_user", name)
    click.echo(f"disabled {name}", err=True)


@user.command(name="enable")
@click.argument("name")
@click.pass_context
def user_enable(ctx, name: str):
    """Enable NAME again (revoked tokens stay revoked: make a new one)."""
    _change(ctx, "enable_user", name)
    click.echo(f"enabled {name}", err=True)


@user.command(name="role")
@click.argument("name")
@click.argument("role", type=click.Choice(["researcher", "curator", "admin"]))
@click.pass_context
def user_role(ctx, name: str, role: str):
    """Give NAME another ROLE (their sessions end; tokens keep working with the new role)."""
    _change(ctx, "set_role", name, role)
    click.echo(f"{name} is now {role}", err=True)


@user.command(name="password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def user_password(ctx, name: str, password_stdin: bool):
    """Set a new password for NAME (their sessions end)."""
    password = _password(password_stdin, "New password")
    _change(ctx, "set_password", name, password)
    click.echo(f"password of {name} changed", err=True)


def _password(from_stdin: bool, prompt: str) -> str:
    """The first line of standard input, or a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _change(ctx, operation: str, *args) -> None:
    """``kb.accounts.<operation>(session, *args)``; an AccountError is the user's error (exit 2)."""
    from kb import accounts

    kb = open_data(ctx)
    try:
        with kb.session() as session:
            getattr(accounts, operation)(session, *args)
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from None
