"""``astreinte messages``: the messages left on the on-call lines, their state and callouts; ``messages ack``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from astreinte.cli import main
from astreinte.cli.display import author, load_config, now, parse_instant, seconds

STATES = ("new", "calling", "heard", "acknowledged", "expired")


@main.group(invoke_without_command=True)
@click.option("--since", "since_text", metavar="ISO-8601", help="Only messages recorded at or after this instant.")
@click.option("--state", type=click.Choice(STATES), help="Only messages in this state.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (each message with its state, callouts, their attempts, and its history).")
@click.pass_context
def messages(ctx: click.Context, since_text: str | None, state: str | None, as_json: bool) -> None:
    """List the messages left when nobody answered: state, who heard and acknowledged them, callouts.

    A message is new, then calling (the people on call are called back), heard (someone listened
    to it on a callout), acknowledged (on the phone, with `astreinte messages ack`, or on the web
    console), or expired (the team's rounds used up without an acknowledgement).

    \b
    Examples:
        astreinte messages
        astreinte messages --state expired
        astreinte messages --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    since = parse_instant(since_text, config.timezone, "--since") if since_text else None
    with Store.open(config.database) as store:
        rows = store.messages(since=since, state=state)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    zone = config.timezone

    def at(text: str | None) -> str:
        return "" if not text else datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    table = Table(title=f"{len(rows)} message(s)")
    for column in ("#", "recorded", "team", "caller", "length", "state", "heard", "acknowledged", "callouts",
                   "audio file", "notified"):
        table.add_column(column)
    for row in rows:
        heard = f"{row['heard_by']} {at(row['heard_at'])}" if row["heard_by"] else "-"
        acked = f"{row['acknowledged_by']} ({row['acknowledged_how']}) {at(row['acknowledged_at'])}" \
            if row["acknowledged_by"] else "-"
        table.add_row(str(row["id"]), at(row["recorded_at"]), row["team"] or "-", row["caller"] or "anonymous",
                      seconds(row["duration"]), row["state"], heard, acked, _callouts(row),
                      row["path"] or (f"mailbox {row['mailbox']}" if row["mailbox"] else "-"),
                      ", ".join(k for k, ok in row["notified"].items() if ok) or "no")
    Console().print(table)


def _callouts(row: dict[str, Any]) -> str:
    rounds = row["callouts"]
    if not rounds:
        return "-"
    last = rounds[-1]
    return f"{len(rounds)}: " + ", ".join(f"{a['person']}:{a['result'] or '…'}" for a in last["attempts"]) + \
        (f" ({last['reason']})" if last["reason"] else "")


@messages.command()
@click.argument("message_id", metavar="ID", type=int)
@click.option("--by", "by", metavar="PERSON",
              help="Who acknowledges it: a person of the configuration (default: your login name).")
@click.pass_context
def ack(ctx: click.Context, message_id: int, by: str | None) -> None:
    """Acknowledge message ID: someone took care of it; every callout of it stops within a second.

    The daemon notices it and sends the notice (webhook, e-mail); acknowledging a message twice
    keeps the first acknowledgement.

    \b
    Examples:
        astreinte messages ack 12 --by bob
        astreinte messages ack 12
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    if by is not None and by not in config.people:
        known = ", ".join(sorted(config.people))
        raise click.BadParameter(f"unknown person {by!r} (expected one of: {known})", param_hint="--by")
    who = by or author() or "cli"
    moment = now(ctx, config.timezone)
    with Store.open(config.database) as store:
        done = store.acknowledge(message_id, who, "cli", moment)
    message = done.message
    when = datetime.fromisoformat(message["acknowledged_at"]).astimezone(config.timezone)
    if done.first:
        click.echo(f"message #{message_id} acknowledged by {who} at {when:%Y-%m-%d %H:%M:%S}: "
                   "its callouts stop within a second")
    else:
        click.echo(f"message #{message_id} was already acknowledged by {message['acknowledged_by']} "
                   f"({message['acknowledged_how']}) at {when:%Y-%m-%d %H:%M:%S}: nothing changed")
