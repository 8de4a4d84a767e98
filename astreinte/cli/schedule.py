"""``astreinte schedule``: the shifts of a period, as a table, JSON or an iCalendar file."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import click

from astreinte.cli import main
from astreinte.cli.display import iso, load_config, now, parse_day_or_instant, schedule_of, short

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule, Shift

DEFAULT_DAYS = 28


@main.command()
@click.option("--team", "-t", help="Only this team.")
@click.option("--person", "-p", help="Only this person's shifts.")
@click.option("--from", "from_text", metavar="DATE", help="Start: a date (local midnight) or ISO date-time [today].")
@click.option("--to", "to_text", metavar="DATE", help=f"End (excluded) [start + {DEFAULT_DAYS} days].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--ics", "as_ics", is_flag=True, help="Print an iCalendar file (RFC 5545), one event per shift.")
@click.pass_context
def schedule(
    ctx: click.Context, team: str | None, person: str | None, from_text: str | None, to_text: str | None,
    as_json: bool, as_ics: bool,
) -> None:
    """List the shifts of a period: who holds which layer, from when to when.

    Shifts overlapping the period are shown whole. A shift cut by an override shows as
    the pieces around it plus the override itself. With ``--ics``, events carry the UIDs
    and SEQUENCE numbers of the published calendar (``astreinte calendar`` is the feed to
    subscribe to).

    \b
    Examples:
        astreinte schedule --from 2026-12-01 --to 2027-01-01
        astreinte schedule --person dave --ics > dave.ics
        astreinte schedule --team support --json
    """
    if as_json and as_ics:
        raise click.UsageError("choose one of --json and --ics")
    config = load_config(ctx)
    zone = config.timezone
    if team is not None and team not in config.teams:
        raise click.BadParameter(f"unknown team {team!r} (teams: {', '.join(config.teams)})", param_hint="--team")
    if person is not None and person not in config.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="--person")
    at = now(ctx, zone)
    today = datetime.combine(at.date(), time(), tzinfo=zone)
    start = parse_day_or_instant(from_text, zone, today, "--from")
    end = parse_day_or_instant(to_text, zone, start + timedelta(days=DEFAULT_DAYS), "--to")
    if end.timestamp() <= start.timestamp():
        raise click.BadParameter("must be after --from", param_hint="--to")
    plan = schedule_of(config)
    shifts = [
        shift
        for team_id in ([team] if team else list(config.teams))
        for shift in plan.shifts(team_id, start, end)
        if person is None or shift.person.id == person
    ]
    shifts.sort(key=lambda s: (s.start, s.team, s.level))
    if as_ics:
        click.echo(_ics(config, plan, shifts, team, person, start, end, at).decode(), nl=False)
    elif as_json:
        click.echo(json.dumps({
            "from": iso(start, zone),
            "to": iso(end, zone),
            "shifts": [
                {"team": s.team, "layer": s.layer, "level": s.level, "person": s.person.id, "name": s.person.name,
                 "start": iso(s.start, zone), "end": iso(s.end, zone), "override": s.override, "reason": s.reason}
                for s in shifts
            ],
        }, ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Shifts from {short(start, zone)} to {short(end, zone)} ({zone.key})",
                      title_justify="left")
        for column in ("team", "layer", "person", "from", "to", "note"):
            table.add_column(column)
        for s in shifts:
            note = f"override: {s.reason}" if s.override else ""
            table.add_row(s.team, s.layer, f"{s.person.name} ({s.person.id})", short(s.start, zone),
                          short(s.end, zone), note)
        Console().print(table)


def _ics(config: Config, plan: Schedule, shifts: list[Shift], team: str | None, person: str | None,
         start: datetime, end: datetime, at: datetime) -> bytes:
    """The shifts as events, numbered like the published calendar when the database has it, with the
    published events of the period that are gone kept as cancelled (a calendar importing the file
    again drops them)."""
    from astreinte.domain import agenda
    from astreinte.report.ics import calendar

    events = [agenda.event_of(shift) for shift in shifts]
    stored: dict[str, agenda.Revision] = {}
    gone: list[agenda.Revision] = []
    if config.database.exists():
        from astreinte.adapters.store import Store

        with Store.open(config.database) as store:
            stored = store.calendar_by_uid([event.uid for event in events])
            current = {event.uid for event in events}
            gone = [r for r in store.calendar(start, end, team=team, person=person)
                    if r.cancelled and r.event.uid not in current]
    name = " ".join(filter(None, ["astreinte", team, person]))
    revisions = sorted([*agenda.current(events, stored, at), *gone], key=lambda r: r.event.start.timestamp())
    return calendar(revisions, config.people, config.timezone, name, config.language_of(person))
