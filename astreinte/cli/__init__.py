"""The ``astreinte`` command line.

Each sub-command lives in its own module and registers itself on ``main``
below; library errors become ``click.ClickException`` here, never tracebacks.
"""

from __future__ import annotations

import click

from astreinte.cli.common import AstreinteGroup, config_option


@click.group(cls=AstreinteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.version_option(package_name="astreinte")
def main() -> None:
    """On-call call routing for your own Asterisk PBX.

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml check
        astreinte who --at 2026-12-24T19:00
        astreinte run
    """


# Sub-command modules import ``main`` and register themselves.
from astreinte.cli import run as _run  # noqa: E402,F401
