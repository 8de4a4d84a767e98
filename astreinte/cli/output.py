"""Where a generated Asterisk file goes: only where the user said, or agreed at a prompt.

``astreinte dialplan write`` and ``astreinte phones write`` write into ``/etc/asterisk``, which
on FreePBX, Wazo or a hand-made PBX holds files someone else owns. So a file is written only
to the path given with ``--output`` (``-o -``: printed instead), or the one the configuration
names (``phones.file``), or, at a terminal, the usual path once the user confirmed it; never
silently to a default.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

STDOUT = "-"


def destination(output: Path | None, configured: Path | None, usual: Path, what: str,
                option: str = "--output") -> Path | None:
    """The file to write, or None for standard output; a usage error when nobody chose."""
    if output is not None:
        return None if str(output) == STDOUT else output
    if configured is not None:
        return configured
    if interactive():
        click.confirm(f"Write {what} to {usual}?", abort=True)
        return usual
    raise click.UsageError(f"say where to write {what}: {option} {usual} (or {option} - to print it); "
                           "nothing was written", click.get_current_context(silent=True))


def interactive() -> bool:
    """Someone at a terminal can answer a question."""
    return sys.stdin.isatty()
