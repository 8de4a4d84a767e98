"""``astreinte calls``: the call log (``astreinte messages`` is ``cli.messages``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from astreinte.cli import main
from astreinte.cli.display import load_config, parse_instant, seconds


def _open_store(ctx: click.Context) -> Any:
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    return config, Store.open(config.database)


@main.command()
@click.option("--since", "since_text", metavar="ISO-8601",
              help="Only calls that started at or after this instant (local time without an offset).")
@click.option("--team", "-t", help="Only this team's calls.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the last N calls.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of calls, each with its attempts).")
@click.pass_context
def calls(ctx: click.Context, since_text: str | None, team: str | None, limit: int | None, as_json: bool) -> None:
    """List calls to the on-call numbers: who called, who answered, how long they waited.

    Outcome is one of answered, voicemail, abandoned, outside_service, failed; each attempt's
    result one of answered, declined, no_answer, busy, unreachable, cancelled. Tier says what
    served the call: stasis (the daemon), agi, astdb or voicemail (the PBX while the daemon was
    away), callout (the daemon calling someone back about a message). Customer is the known
    caller (the callers: block), by number or customer PIN.

    \b
    Examples:
        astreinte calls --since 2026-12-24T18:00
        astreinte calls --team support --json
    """
    config, store = _open_store(ctx)
    since = parse_instant(since_text, config.timezone, "--since") if since_text else None
    with store:
        rows = store.calls(since=since, team=team, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} call(s)")
    for column in ("started", "team", "number", "caller", "tier", "outcome", "answered by", "wait", "talk",
                   "attempts"):
        table.add_column(column)
    for row in rows:
        started = datetime.fromisoformat(row["started_at"]).astimezone(config.timezone)
        attempts = ", ".join(f"{a['person']}:{a['result'] or '…'}" for a in row["attempts"])
        caller = row["caller"] + (f" ({row['customer']})" if row.get("customer") else "")   # a known caller
        table.add_row(started.strftime("%Y-%m-%d %H:%M:%S"), row["team"] or "-", row["did"], caller, row["tier"],
                      row["outcome"] + (f" ({row['reason']})" if row["reason"] else ""),
                      row["answered_by"] or "-", seconds(row["wait_seconds"]), seconds(row["talk_seconds"]),
                      attempts)
    Console().print(table)
