"""``astreinte intervention add|list|remove``: interventions the PBX cannot see.

Every answered call is already an intervention (connected -> hung up); declare here the
work done on site, the travel, or calls taken on another phone.
"""

from __future__ import annotations

import click

from astreinte.cli import main
from astreinte.cli.display import author, iso, load_config, now, parse_instant


@main.group()
def intervention() -> None:
    """Declare, list and remove interventions (working time during an astreinte)."""


@intervention.command("add")
@click.option("--person", "-p", required=True, help="Who intervened (a person id of the configuration).")
@click.option("--start", "start_text", required=True, metavar="ISO-8601", help="Start (local time without offset).")
@click.option("--end", "end_text", required=True, metavar="ISO-8601", help="End (local time without offset).")
@click.option("--on-site", is_flag=True, help="Worked on site (default: remote).")
@click.option("--travel", default="0m", show_default=True, metavar="DURATION",
              help="Travel time to the site and back (30m, 1h, 1h15): working time too.")
@click.option("--note", default="", help="What was done.")
@click.pass_context
def add(ctx: click.Context, person: str, start_text: str, end_text: str, on_site: bool, travel: str,
        note: str) -> None:
    """Declare an intervention.

    \b
    Examples:
        astreinte intervention add --person bob --start 2026-11-11T14:00 --end 2026-11-11T15:20 \\
            --on-site --travel 30m --note "pump restarted"
    """

    from astreinte.adapters.store import Store
    from astreinte.config.actions import ActionError, checked_intervention

    config = load_config(ctx)
    start = parse_instant(start_text, config.timezone, "--start")
    end = parse_instant(end_text, config.timezone, "--end")
    try:
        item = checked_intervention(config.people, person=person, start=start, end=end, on_site=on_site,
                                    travel=travel, note=note)
    except ActionError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    with Store.open(config.database) as store:
        number = store.add_intervention(item, now(ctx, config.timezone), author())
    click.echo(f"intervention #{number}: {person} {iso(start, config.timezone)} -> {iso(end, config.timezone)}")


@intervention.command("list")
@click.option("--person", "-p", help="Only this person.")
@click.option("--from", "from_text", metavar="ISO-8601", help="Only those ending after this instant.")
@click.option("--to", "to_text", metavar="ISO-8601", help="Only those starting before this instant.")
@click.pass_context
def list_(ctx: click.Context, person: str | None, from_text: str | None, to_text: str | None) -> None:
    """List declared interventions (answered calls are listed by ``astreinte calls``).

    \b
    Examples:
        astreinte intervention list --person bob --from 2026-11-01
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    zone = config.timezone
    start = parse_instant(from_text, zone, "--from") if from_text else None
    end = parse_instant(to_text, zone, "--to") if to_text else None
    if not config.database.exists():
        click.echo("no intervention")
        return
    with Store.open(config.database) as store:
        items = store.interventions(start, end, person)
    if not items:
        click.echo("no intervention")
    for item in items:
        where = "on site" if item.on_site else "remote"
        travel = f", travel {item.travel_seconds // 60} min" if item.travel_seconds else ""
        click.echo(f"#{item.ref:<4} {item.person:<10} {iso(item.start, zone)} -> {iso(item.end, zone)}  "
                   f"{where}{travel}  {item.note}")


@intervention.command("remove")
@click.argument("number", type=click.IntRange(min=1))
@click.pass_context
def remove(ctx: click.Context, number: int) -> None:
    """Remove a declared intervention (it stays in the history, marked removed).

    \b
    Examples:
        astreinte intervention remove 12
    """

    from astreinte.adapters.store import Store

    config = load_config(ctx)
    with Store.open(config.database) as store:
        item = store.remove_intervention(number, now(ctx, config.timezone), author())
    click.echo(f"removed intervention #{number} ({item.person} {iso(item.start, config.timezone)})")
