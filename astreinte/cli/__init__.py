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
from astreinte.cli import calls as _calls  # noqa: E402,F401
from astreinte.cli import check as _check  # noqa: E402,F401
from astreinte.cli import dialplan as _dialplan  # noqa: E402,F401
from astreinte.cli import intervention as _intervention  # noqa: E402,F401
from astreinte.cli import override as _override  # noqa: E402,F401
from astreinte.cli import phones as _phones  # noqa: E402,F401
from astreinte.cli import report as _report  # noqa: E402,F401
from astreinte.cli import rota as _rota  # noqa: E402,F401
from astreinte.cli import run as _run  # noqa: E402,F401
from astreinte.cli import schedule as _schedule  # noqa: E402,F401
from astreinte.cli import status as _status  # noqa: E402,F401
from astreinte.cli import who as _who  # noqa: E402,F401
