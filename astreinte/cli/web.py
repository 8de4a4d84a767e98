"""``astreinte web``: the web console, and its accounts and tokens (``web user|token``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

import click

from astreinte.cli import main
from astreinte.cli.common import config_path, now_text
from astreinte.cli.display import iso, load_config, now

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.accounts import Accounts, Role
    from astreinte.config import Config


@main.group(invoke_without_command=True)
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.pass_context
def web(ctx: click.Context, log_level: str) -> None:
    """Run the web console (Maintenant, Planning, Appels, Messages, Rapports, Personnes, calendar feeds).

    It listens where ``web.listen`` says (127.0.0.1:8470 by default): put a reverse proxy with
    TLS in front (docs/web.md). People sign in with the accounts made by ``astreinte web user
    add``, or through the proxy (``web.trusted_proxy``). With ``--now``, the console starts at
    that instant and its clock then runs (a demonstration of a day the rota knows).

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml web
        astreinte web user add bob --role employee --person bob
        astreinte web token add --api grafana
    """
    if ctx.invoked_subcommand is not None:
        return
    import asyncio
    import logging

    from astreinte.adapters.clock import shifted_clock, system_clock
    from astreinte.web.app import serve

    config = load_config(ctx)
    clock = system_clock if now_text(ctx) is None else shifted_clock(now(ctx, config.timezone))
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(config_path(ctx), clock))
    except OSError as exc:
        listen = config.web.listen
        raise click.ClickException(f"cannot listen on {listen.host}:{listen.port}: {exc.strerror or exc} "
                                   "(web.listen in the configuration)") from None


def _accounts(config: Config) -> tuple[Store, Accounts]:
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.accounts import Accounts

    store = Store.open(config.database)
    return store, Accounts(store.db)


def _password(from_stdin: bool) -> str:
    from astreinte.web.passwords import checked

    text = sys.stdin.readline().rstrip("\r\n") if from_stdin else \
        click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return checked(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from None


@web.group()
def user() -> None:
    """Add, list, change and remove the web console's local accounts."""


@user.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(["employee", "manager"]), required=True,
              help="employee: sees everything, acts for their own person; manager: acts for anyone.")
@click.option("--person", "-p", help="The person of the rota this account is (required for an employee).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="No password: only the reverse proxy signs this user in.")
@click.pass_context
def user_add(ctx: click.Context, login: str, role: str, person: str | None, password_stdin: bool,
             no_password: bool) -> None:
    """Add an account (the password is asked twice, and kept as an argon2id hash).

    \b
    Examples:
        astreinte web user add bob --role employee --person bob
        astreinte web user add chef --role manager
        printf '%s\\n' "$PASSWORD" | astreinte web user add carol --role employee -p carol --password-stdin
    """
    from astreinte.config import values
    from astreinte.web.passwords import hashed

    config = load_config(ctx)
    try:
        values.identifier(login)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="LOGIN") from None
    if person is not None and person not in config.people:
        raise click.BadParameter(f"unknown person {person!r} (people: {', '.join(config.people)})",
                                 param_hint="--person")
    if role == "employee" and person is None:
        raise click.BadParameter("an employee is a person of the rota", param_hint="--person")
    digest = None if no_password else hashed(_password(password_stdin))
    store, accounts = _accounts(config)
    with store:
        accounts.add_user(login, digest, role=cast("Role", role), person=person, at=now(ctx, config.timezone))
    click.echo(f"user {login} added ({role}{', ' + person if person else ''})")


@user.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def user_passwd(ctx: click.Context, login: str, password_stdin: bool) -> None:
    """Give LOGIN a new password; their open sessions end.

    \b
    Examples:
        astreinte web user passwd bob
    """
    from astreinte.web.passwords import hashed

    config = load_config(ctx)
    digest = hashed(_password(password_stdin))
    store, accounts = _accounts(config)
    with store:
        accounts.set_password(login, digest, now(ctx, config.timezone))
    click.echo(f"password of {login} changed; their sessions are closed")


@user.command("remove")
@click.argument("login")
@click.pass_context
def user_remove(ctx: click.Context, login: str) -> None:
    """Remove LOGIN: their sessions end and the calendar addresses they made stop working.

    \b
    Examples:
        astreinte web user remove bob
    """
    config = load_config(ctx)
    store, accounts = _accounts(config)
    with store:
        accounts.remove_user(login, now(ctx, config.timezone))
    click.echo(f"user {login} removed")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List the accounts: login, role, person, whether they have a password.

    \b
    Examples:
        astreinte web user list
    """
    config = load_config(ctx)
    store, accounts = _accounts(config)
    with store:
        for item in accounts.users():
            click.echo(f"{item.login:<16} {item.role:<9} {item.person or '-':<12} "
                       f"{'password' if item.password_hash else 'proxy only'}")


@web.group()
def token() -> None:
    """Calendar feed addresses and API tokens (``/ical/<token>.ics``, ``/api/oncall``)."""


@token.command("add")
@click.option("--api", "api", metavar="NAME", help="An API token for GET /api/oncall, named NAME.")
@click.option("--team", "-t", help="A calendar feed of this team.")
@click.option("--person", "-p", help="A calendar feed of this person.")
@click.option("--owner", default="cli", show_default=True, help="The login it belongs to (shown on their page).")
@click.pass_context
def token_add(ctx: click.Context, api: str | None, team: str | None, person: str | None, owner: str) -> None:
    """Make a token and print it with its address.

    \b
    Examples:
        astreinte web token add --api grafana
        astreinte web token add --team support
        astreinte web token add --person bob --owner bob
    """
    config = load_config(ctx)
    chosen = [(kind, value) for kind, value in (("api", api), ("team", team), ("person", person)) if value]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --api, --team, --person")
    kind, subject = chosen[0]
    if kind == "team" and subject not in config.teams:
        raise click.BadParameter(f"unknown team {subject!r}", param_hint="--team")
    if kind == "person" and subject not in config.people:
        raise click.BadParameter(f"unknown person {subject!r}", param_hint="--person")
    store, accounts = _accounts(config)
    with store:
        made = accounts.add_token(kind, subject, owner=owner, at=now(ctx, config.timezone))
    base = config.web.base_url
    address = f"{base}/api/oncall (Authorization: Bearer {made.token})" if kind == "api" \
        else f"{base}/ical/{made.token}.ics"
    click.echo(f"token #{made.id} ({kind} {subject}): {address}")


@token.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tokens.")
@click.pass_context
def token_list(ctx: click.Context, show_all: bool) -> None:
    """List the tokens (number, kind, subject, owner, made, revoked); the values are not printed.

    \b
    Examples:
        astreinte web token list --all
    """
    config = load_config(ctx)
    store, accounts = _accounts(config)
    with store:
        for item in accounts.tokens(live=not show_all):
            revoked = f"revoked {iso(item.revoked_at, config.timezone)}" if item.revoked_at else ""
            click.echo(f"#{item.id:<4} {item.kind:<7} {item.subject:<12} {item.owner:<12} "
                       f"{iso(item.created_at, config.timezone)} {revoked}")


@token.command("revoke")
@click.argument("number", type=click.IntRange(min=1))
@click.pass_context
def token_revoke(ctx: click.Context, number: int) -> None:
    """Revoke token NUMBER: its address stops working at once.

    \b
    Examples:
        astreinte web token revoke 3
    """
    from astreinte.cli.display import author

    config = load_config(ctx)
    store, accounts = _accounts(config)
    with store:
        accounts.revoke_token(number, f"cli:{author()}", now(ctx, config.timezone))
    click.echo(f"token #{number} revoked")
