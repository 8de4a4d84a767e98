"""``astreinte service log|announcements``: what was done on the service line the people on call dial."""

from __future__ import annotations

import json

import click

from astreinte.cli import main
from astreinte.cli.display import author, load_config, now, short


@main.group()
def service() -> None:
    """The service line (service.numbers, service.extension): its log and its announcements.

    \b
    Examples:
        astreinte service log
        astreinte service announcements
        astreinte service announcements --clear support
    """


@service.command("log")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@click.pass_context
def log(ctx: click.Context, as_json: bool) -> None:
    """What was done on the service line: PINs set, wrong PINs, the on-call taken or refused.

    \b
    Examples:
        astreinte service log --json
    """
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.service import ServiceBook

    config = load_config(ctx)
    rows = []
    if config.database.exists():
        with Store.open(config.database) as store:
            rows = ServiceBook(store.db).events()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['at']}  {row['person'] or '?':<12} {row['kind']:<18} {row['caller'] or ''} {row['detail']}")


@service.command("announcements")
@click.option("--clear", "team", metavar="TEAM", help="Clear TEAM's announcement (callers stop hearing it).")
@click.pass_context
def announcements(ctx: click.Context, team: str | None) -> None:
    """The announcements callers hear now (recorded by phone), or clear one.

    \b
    Examples:
        astreinte service announcements --clear support
    """
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.service import ServiceBook

    config = load_config(ctx)
    at = now(ctx, config.timezone)
    with Store.open(config.database) as store:
        book = ServiceBook(store.db)
        if team is not None:
            if team not in config.teams:
                raise click.BadParameter(f"unknown team {team!r}", param_hint="--clear")
            cleared = book.clear_announcement(team, author(), at)
            said = "cleared (the daemon stops playing it within seconds)" if cleared else "none to clear"
            click.echo(f"announcement of {team}: {said}")
            return
        live = book.live_announcements(at)
    if not live:
        click.echo("no announcement")
    for item in live.values():
        click.echo(f"{item.team}: {item.media} until {short(item.until, config.timezone)} (by {item.by or '?'})")
