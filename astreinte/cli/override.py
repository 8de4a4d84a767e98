"""``astreinte override add|list|remove``: replacements decided outside the YAML file.

CLI overrides are stored in the database, survive YAML reloads, win over the file's
overrides when they overlap (the newest wins), and are published like the rest.
"""

from __future__ import annotations

import click

from astreinte.cli import main
from astreinte.cli.display import author, echo_changes, load_config, now, parse_instant, short
from astreinte.cli.publishing import CHANGES_SHOWN, checked_reason, tell

# The field an ActionError names -> the option to fix.
OPTIONS = {"team": "--team", "layer": "--layer", "person": "--person", "start": "--from", "end": "--to",
           "reason": "--reason"}


@main.group()
def override() -> None:
    """Add, list and remove overrides (someone replaces a layer's person for a while)."""


@override.command("add")
@click.option("--team", "-t", required=True, help="The team.")
@click.option("--layer", "-l", help="The layer [the team's first].")
@click.option("--person", "-p", required=True, help="Who takes the layer.")
@click.option("--from", "from_text", required=True, metavar="ISO-8601", help="Start (local time without offset).")
@click.option("--to", "to_text", required=True, metavar="ISO-8601", help="End, excluded.")
@click.option("--reason", default="", help="Why: kept in the log, given in the notices (the exceptional "
              "circumstances of a change at short notice).")
@click.pass_context
def add(
    ctx: click.Context, team: str, layer: str | None, person: str, from_text: str, to_text: str, reason: str,
) -> None:
    """Let PERSON hold TEAM's LAYER during [--from, --to), publish the change and tell the people
    it concerns (a change at short notice says so, with --reason).

    \b
    Examples:
        astreinte override add --team support --person dave --from 2026-12-31T18:00 --to 2027-01-01T09:00
        astreinte override add -t support -l secondary -p carol --from 2027-02-01 --to 2027-02-08 --reason leave
    """
    from astreinte.adapters.store import Store
    from astreinte.config.actions import ActionError, checked_override

    config = load_config(ctx)
    zone = config.timezone
    start = parse_instant(from_text, zone, "--from")
    end = parse_instant(to_text, zone, "--to")
    try:
        wanted = checked_override(config, team=team, layer=layer, person=person, start=start, end=end,
                                  reason=reason)
    except ActionError as exc:
        raise click.BadParameter(exc.message, param_hint=OPTIONS.get(exc.field, exc.field)) from None
    at = now(ctx, zone)
    with Store.open(config.database) as store:
        added, publication = store.add_override(config, wanted, at, author())
        click.echo(f"override #{added.id.removeprefix('cli:')}: {person} holds {team}/{wanted.layer} "
                   f"from {short(start, zone)} to {short(end, zone)}")
        echo_changes(publication, config, limit=CHANGES_SHOWN)
        tell(config, store, publication, at)


@override.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include removed overrides and the file's overrides.")
@click.pass_context
def list_(ctx: click.Context, show_all: bool) -> None:
    """List CLI overrides (and, with --all, removed ones and those of the file).

    \b
    Examples:
        astreinte override list
        astreinte override list --all
    """
    from rich.console import Console
    from rich.table import Table

    from astreinte.adapters.store import Store

    config = load_config(ctx)
    zone = config.timezone
    table = Table(title="Overrides (the last listed wins an overlap)", title_justify="left")
    for column in ("id", "team/layer", "person", "from", "to", "reason", "by", "removed"):
        table.add_column(column)
    if show_all:
        for o in config.overrides:
            table.add_row(o.id, f"{o.team}/{o.layer}", o.person, short(o.start, zone), short(o.end, zone),
                          o.reason, "(file)", "")
    if config.database.exists():
        with Store.open(config.database) as store:
            for o, audit in store.override_history():
                removed = audit["removed_at"]
                if removed and not show_all:
                    continue
                table.add_row(o.id.removeprefix("cli:"), f"{o.team}/{o.layer}", o.person, short(o.start, zone),
                              short(o.end, zone), o.reason, audit["author"] or "",
                              f"{removed} by {audit['removed_by'] or '?'}" if removed else "")
    Console().print(table)


@override.command("remove")
@click.argument("number", type=int)
@click.option("--reason", default="", help="Why (kept in the log, given in the notices).")
@click.pass_context
def remove(ctx: click.Context, number: int, reason: str) -> None:
    """Remove CLI override NUMBER (it stays in the history), publish the change and tell the
    people it concerns.

    \b
    Examples:
        astreinte override remove 3
        astreinte override remove 3 --reason "Carol is back"
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    reason = checked_reason(reason)
    at = now(ctx, config.timezone)
    with Store.open(config.database) as store:
        removed, publication = store.remove_override(config, number, at, author(), reason)
        click.echo(f"override #{number} removed ({removed.person} on {removed.team}/{removed.layer})")
        echo_changes(publication, config, limit=CHANGES_SHOWN)
        tell(config, store, publication, at)
