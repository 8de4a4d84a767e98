"""``astreinte calendar``: the calendar feed people subscribe to, as last published."""

from __future__ import annotations

from pathlib import Path

import click

from astreinte.cli import main
from astreinte.cli.display import load_config, now


@main.command()
@click.option("--team", "-t", help="Only this team's events.")
@click.option("--person", "-p", help="Only this person's events (in their language).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.pass_context
def calendar(ctx: click.Context, team: str | None, person: str | None, output: Path | None) -> None:
    """Print the iCalendar feed of the published rota: the last month and at least six ahead.

    Each shift keeps its UID from one publication to the next: an override updates the
    shift's event (a higher SEQUENCE) and a shift that is gone stays as a cancelled event,
    so a calendar that imports the feed again shows the rota as it is now. This is the
    content the web console serves as subscription URLs.

    \\b
    Examples:
        astreinte calendar --team support -o support.ics
        astreinte calendar --person bob > bob.ics
    """
    from astreinte.adapters.store import Store
    from astreinte.report.ics import feed, feed_window

    config = load_config(ctx)
    if team is not None and team not in config.teams:
        raise click.BadParameter(f"unknown team {team!r} (teams: {', '.join(config.teams)})", param_hint="--team")
    if person is not None and person not in config.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="--person")
    if not config.database.exists():
        raise click.ClickException("no publication yet: run astreinte rota load first")
    start, end = feed_window(config, now(ctx, config.timezone))
    with Store.open(config.database) as store:
        body = feed(config, store.calendar(start, end, team=team, person=person), team=team, person=person)
    if output is not None:
        output.write_bytes(body)
    else:
        click.echo(body.decode(), nl=False)
