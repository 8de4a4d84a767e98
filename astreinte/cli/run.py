"""``astreinte run``: the daemon."""

from __future__ import annotations

import click

from astreinte.cli import main
from astreinte.cli.common import config_path, now_text


@main.command()
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.pass_context
def run(ctx: click.Context, log_level: str) -> None:
    """Run the daemon: take every call of the on-call trunk and hunt for a human.

    Connects to Asterisk over ARI (the Stasis app named in the configuration) and AMI,
    reloads the rotas on SIGHUP or when the file changes, drains on SIGTERM.

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml run
        astreinte run --log-level DEBUG
    """
    from astreinte.adapters.clock import system_clock
    from astreinte.runtime.daemon import main as daemon_main

    if now_text(ctx) is not None:
        raise click.UsageError("--now cannot be used with run: the daemon follows the system clock (Asterisk's)")
    ctx.exit(daemon_main(config_path(ctx), system_clock, log_level))
