"""``astreinte rota load|log``: publish the rota into the database, and read the publication log."""

from __future__ import annotations

import click

from astreinte.cli import main
from astreinte.cli.display import author, echo_changes, iso, load_config, parse_instant

AT_HELP = "Publication time (default: now); for tests and back-filling."


@main.group()
def rota() -> None:
    """Publish rotas and read the publication log."""


@rota.command("load")
@click.option("--at", "at_text", metavar="ISO-8601", hidden=True, help=AT_HELP)
@click.pass_context
def load(ctx: click.Context, at_text: str | None) -> None:
    """Validate the configuration, store it and record a publication of what changed for whom.

    The file is checked completely first: an invalid file changes nothing. Loading the
    same content again records nothing. Each publication covers the assignments from now
    to the end of the 12th month ahead; the log is append-only (the legal proof of
    when each person was told of their on-call time).

    \b
    Examples:
        astreinte rota load
        astreinte --config /etc/astreinte/config.yaml rota load
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    at = parse_instant(at_text, config.timezone, "--at")
    with Store.open(config.database) as store:
        echo_changes(store.publish(config, at, source="rota load", author=author()), config)


@rota.command("log")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--changes/--no-changes", default=False, help="Show what changed for whom.")
@click.pass_context
def log(ctx: click.Context, limit: int, changes: bool) -> None:
    """Show the latest publications, newest first.

    \b
    Examples:
        astreinte rota log --changes -n 5
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    if not config.database.exists():
        click.echo("no publication yet (run astreinte rota load)")
        return
    with Store.open(config.database) as store:
        for publication in store.publications(limit):
            added = sum(change.kind == "added" for change in publication.changes)
            removed = len(publication.changes) - added
            if changes:
                echo_changes(publication, config)
            else:
                click.echo(f"#{publication.id}  {iso(publication.at, config.timezone)}  {publication.source:<20} "
                           f"{publication.author or '-':<10} +{added} -{removed}  {publication.content_hash[:12]}")
