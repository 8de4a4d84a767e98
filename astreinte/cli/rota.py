"""``astreinte rota load|log``: publish the rota into the database, and read the publication log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from astreinte.cli import main
from astreinte.cli.display import author, echo_changes, echo_deliveries, iso, load_config, now, short
from astreinte.cli.publishing import CHANGES_SHOWN, FINDINGS_SHOWN, checked_reason, tell

if TYPE_CHECKING:
    from datetime import datetime

    from astreinte.adapters.store import Delivery, Store
    from astreinte.config import Config

@main.group()
def rota() -> None:
    """Publish rotas and read the publication log."""


@rota.command("load")
@click.option("--reason", default="", help="Why now: the exceptional circumstances of a change at short notice "
              "(kept in the log, given in the notices).")
@click.pass_context
def load(ctx: click.Context, reason: str) -> None:
    """Validate the configuration, store it, record a publication of what changed for whom,
    and tell each of them.

    The file is checked completely first: an invalid file changes nothing. Loading the
    same content again records nothing. Each publication covers the assignments from now
    (``--now``, default: the system clock) to the end of the 12th month ahead; the log is
    append-only (the legal proof of when each person was told of their on-call time).
    Each person whose on-call time changed gets a notice (``notifications:`` e-mail and
    webhook) with their shifts as an .ics; what each channel answered is in ``rota log``.

    \b
    Examples:
        astreinte rota load
        astreinte rota load --reason "Carol is ill: Bob takes her week"
        astreinte --config /etc/astreinte/config.yaml rota load
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    reason = checked_reason(reason)
    at = now(ctx, config.timezone)
    with Store.open(config.database) as store:
        for finding in legal_preview(config, store, at):
            click.echo(f"legal {finding}", err=True)
        publication = store.publish(config, at, source="rota load", author=author(), reason=reason)
        echo_changes(publication, config, limit=CHANGES_SHOWN)
        tell(config, store, publication, at)


def legal_preview(config: Config, store: Store, at: datetime) -> list[str]:
    """The legal findings this publication would cause: short notice of the time it adds,
    and the fairness limits (consecutive weeks, 24 h periods, leave) over the new window."""
    from astreinte.adapters.store.rotas import DEFAULT_HORIZON_MONTHS
    from astreinte.domain.legal import check_fairness, check_notice
    from astreinte.domain.publication import assignments, diff, horizon
    from astreinte.report import facts

    end = horizon(at, config.timezone, DEFAULT_HORIZON_MONTHS)
    schedule = config.schedule(store.overrides())
    changes = diff(store.published_shifts(), assignments(schedule, at, end), at, end)
    log = [*facts.published(store.publications()), *(facts.Published(at, c) for c in changes)]
    pieces = facts.shifts(config, schedule, at, end)
    calendar = facts.calendar_of(config)
    new = [n for n in facts.notices(pieces, log) if n.published_at == at]
    found = check_notice(new, config.legal, calendar, at, end, facts.baseline(config, log))
    for person in facts.person_times(config, pieces, [], at, end):
        found += check_fairness(person, config.legal, calendar, at, end)
    zone = config.timezone
    lines = [f"{f.severity}: {f.rule}: {f.person}: {short(f.start, zone)} -> {short(f.end, zone)}: {f.message} "
             f"[{f.article}]" for f in sorted(found, key=lambda f: (f.start, f.person, f.rule))]
    if len(lines) > FINDINGS_SHOWN:
        lines[FINDINGS_SHOWN:] = [f"... and {len(lines) - FINDINGS_SHOWN} more (astreinte check legal)"]
    return lines


@rota.command("log")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--changes/--no-changes", default=False, help="Show what changed for whom.")
@click.pass_context
def log(ctx: click.Context, limit: int, changes: bool) -> None:
    """Show the latest publications, newest first, and the notices each one sent: to whom, by
    which channel, when, and what the channel answered (the SMTP reply, the HTTP status).

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
        publications = store.publications(limit)
        told: dict[int, list[Delivery]] = {}
        for item in store.deliveries([p.id for p in publications]):
            told.setdefault(item.publication, []).append(item)
        for publication in publications:
            added = sum(change.kind == "added" for change in publication.changes)
            removed = len(publication.changes) - added
            if changes:
                echo_changes(publication, config)
            else:
                reason = f"  reason: {publication.reason}" if publication.reason else ""
                click.echo(f"#{publication.id}  {iso(publication.at, config.timezone)}  {publication.source:<20} "
                           f"{publication.author or '-':<10} +{added} -{removed}  {publication.content_hash[:12]}"
                           f"{reason}")
            echo_deliveries(told.get(publication.id, []), config.timezone, indent="    ")
