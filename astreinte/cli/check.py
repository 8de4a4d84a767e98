"""``astreinte check``: validate the configuration and rotas, without side effects."""

from __future__ import annotations

from datetime import datetime

import click

from astreinte.cli import main
from astreinte.cli.display import cli_overrides, load_config


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the configuration and rotas: exit 0 if valid, else 1 with every error.

    Errors name file, line and key. Warnings (a night left outside service hours, a
    layer starting later, a CLI override that no longer matches the rota…) do not fail
    the check. Nothing is written: the database is only read, if it exists.

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml check
    """
    from astreinte.config.warnings import config_warnings

    config = load_config(ctx)
    extra = cli_overrides(config)
    for warning in config_warnings(config, extra, now=datetime.now(config.timezone)):
        click.echo(f"warning: {warning}", err=True)
    n_layers = sum(len(team.layers) for team in config.teams.values())
    click.echo(
        f"ok: {config.path}: {_count(len(config.teams), 'team')}, {_count(n_layers, 'layer')}, "
        f"{_count(len(config.people), 'person', 'people')}, {_count(len(config.overrides), 'override')} "
        f"(+{len(extra)} from the CLI)"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
