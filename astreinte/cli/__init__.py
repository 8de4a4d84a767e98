"""The ``astreinte`` command line.

Each sub-command lives in its own module and registers itself on ``main``
below; library errors become ``click.ClickException`` here, never tracebacks.
A module is imported when one of its commands runs (``COMMANDS``), so a new
command needs its line there (tests/unit/test_cli_imports.py checks it).
"""

from __future__ import annotations

import click

from astreinte.cli.common import AstreinteGroup, config_option, now_option

# Command name -> the module of astreinte.cli that registers it.
COMMANDS = {
    "calendar": "calendar",
    "callers": "callers",
    "calls": "calls",
    "messages": "messages",
    "check": "check",
    "dialplan": "dialplan",
    "intervention": "intervention",
    "override": "override",
    "phones": "phones",
    "report": "report",
    "rota": "rota",
    "run": "run",
    "schedule": "schedule",
    "service": "service",
    "status": "status",
    "web": "web",
    "who": "who",
}


@click.group(cls=AstreinteGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={name: f"astreinte.cli.{module}" for name, module in COMMANDS.items()})
@config_option
@now_option
@click.version_option(package_name="astreinte")
def main() -> None:
    """On-call call routing for your own Asterisk PBX.

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml check
        astreinte who --at 2026-12-24T19:00
        astreinte --now 2026-12-24T19:00 phones status
        astreinte run
    """
