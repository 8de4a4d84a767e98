"""``astreinte status``: what the running daemon says about itself (its JSON /status)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import click

from astreinte.cli import main
from astreinte.cli.common import config_path


def fetch_status(host: str, port: int, timeout: float = 3.0) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://{host}:{port}/status", timeout=timeout) as resp:
        data = json.loads(resp.read().decode())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def describe(status: dict[str, Any]) -> list[str]:
    links = status.get("links", {})
    lines = ["links: " + "  ".join(f"{name} {'up' if up else 'DOWN'}" for name, up in links.items())]
    lines += [f"  {name}: {problem}" for name, problem in status.get("problems", {}).items()]
    if not status.get("accepting", True):
        lines.append("draining: no new calls taken")
    calls = status.get("live_calls", [])
    lines.append(f"live calls: {len(calls)}")
    for call in calls:
        lines.append(f"  {call['id']}  {call['number']} ({call.get('team') or '?'}) from {call.get('caller')}"
                     f"  since {call['since']}  {call['phase']}{'  bridged' if call.get('bridged') else ''}")
    lines.append("on call now, until the next hand-off:")
    for entry in status.get("on_call", []):
        lines.append(f"  {entry['team']} level {entry['level']} ({entry['layer']}): {entry['person']}"
                     f" until {entry['until']}")
    lines.append(f"AstDB last written: {status.get('astdb_written_at') or 'never (AMI down?)'}")
    return lines


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the daemon's JSON as is.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show the running daemon's links, live calls and next hand-offs.

    Reads http://HOST:PORT/status, where daemon.metrics in the configuration says
    (127.0.0.1:9464 by default). Exits 1 when the daemon does not answer.

    \b
    Examples:
        astreinte status
        astreinte status --json | jq .links
    """
    from astreinte import config as config_module

    config = config_module.load(config_path(ctx))
    listen = config.daemon.metrics
    if not listen.port:
        raise click.ClickException("daemon.metrics.port is 0: the status endpoint is disabled")
    try:
        data = fetch_status(listen.host, listen.port)
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise click.ClickException(f"the daemon does not answer on {listen.host}:{listen.port}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        for line in describe(data):
            click.echo(line)
