"""``astreinte who``: who is on call now (or at ``--at``), team by team."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from astreinte.cli import main
from astreinte.cli.display import instant_or_now, load_rota, schedule_of, short
from astreinte.domain.oncall import as_document

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.domain.schedule import TeamStatus


@main.command()
@click.option("--team", "-t", "team", help="Only this team (default: every team).")
@click.option("--at", "at_text", metavar="ISO-8601",
              help="The instant to ask about (default: now); without an offset, local time in the configured zone.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def who(ctx: click.Context, team: str | None, at_text: str | None, as_json: bool) -> None:
    """Show who is on call: in service or not, and the chain, level by level.

    A person present at two layers is listed (and rung) once, at the first.

    \b
    Examples:
        astreinte who
        astreinte who --team support --at 2026-12-24T19:00
        astreinte who --json
    """
    config = load_rota(ctx)
    if team is not None and team not in config.teams:
        raise click.BadParameter(f"unknown team {team!r} (teams: {', '.join(config.teams)})", param_hint="--team")
    at = instant_or_now(ctx, at_text, config.timezone, "--at")
    schedule = schedule_of(config)
    statuses = [schedule.who(team_id, at) for team_id in ([team] if team else list(config.teams))]
    if as_json:
        click.echo(json.dumps(as_document(statuses, at, config.timezone), ensure_ascii=False))
    else:
        print_table(statuses, at, config.timezone)


def print_table(statuses: list[TeamStatus], at: Any, zone: ZoneInfo) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"On call at {short(at, zone)} ({zone.key})", title_justify="left")
    for column in ("team", "service", "level", "layer", "person", "phones", "until", ""):
        table.add_column(column)
    for status in statuses:
        service = "in service" if status.in_service else f"outside hours -> {status.outside_service_dial or '(none)'}"
        if not status.chain:
            table.add_row(status.team, service, "-", "", "nobody on call", "", "", "")
        for index, responder in enumerate(status.chain):
            table.add_row(
                status.team if index == 0 else "",
                service if index == 0 else "",
                str(responder.level),
                responder.layer,
                f"{responder.person.name} ({responder.person.id})",
                ", ".join(responder.person.phones),
                short(responder.until, zone),
                "override" if responder.override else "",
            )
    Console().print(table)
