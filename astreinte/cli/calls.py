"""``astreinte calls`` and ``astreinte messages``: the call log and the voicemail messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from astreinte.cli import main
from astreinte.cli.display import load_config, parse_instant


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
    result one of answered, declined, no_answer, busy, unreachable, cancelled.

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
    for column in ("started", "team", "number", "caller", "outcome", "answered by", "wait", "talk", "attempts"):
        table.add_column(column)
    for row in rows:
        started = datetime.fromisoformat(row["started_at"]).astimezone(config.timezone)
        attempts = ", ".join(f"{a['person']}:{a['result'] or '…'}" for a in row["attempts"])
        table.add_row(started.strftime("%Y-%m-%d %H:%M:%S"), row["team"] or "-", row["did"], row["caller"],
                      row["outcome"] + (f" ({row['reason']})" if row["reason"] else ""),
                      row["answered_by"] or "-", _seconds(row["wait_seconds"]), _seconds(row["talk_seconds"]),
                      attempts)
    Console().print(table)


@main.command()
@click.option("--since", "since_text", metavar="ISO-8601", help="Only messages recorded at or after this instant.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def messages(ctx: click.Context, since_text: str | None, as_json: bool) -> None:
    """List voicemail messages left when nobody answered, with the path of each recording.

    \b
    Examples:
        astreinte messages
        astreinte messages --json
    """
    config, store = _open_store(ctx)
    since = parse_instant(since_text, config.timezone, "--since") if since_text else None
    with store:
        rows = store.messages(since=since)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} message(s)")
    for column in ("recorded", "team", "caller", "duration", "audio file", "notified"):
        table.add_column(column)
    for row in rows:
        recorded = datetime.fromisoformat(row["recorded_at"]).astimezone(config.timezone)
        notified = ", ".join(k for k, ok in row["notified"].items() if ok) or "no"
        table.add_row(recorded.strftime("%Y-%m-%d %H:%M:%S"), row["team"] or "-", row["caller"],
                      _seconds(row["duration"]), row["path"], notified)
    Console().print(table)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
