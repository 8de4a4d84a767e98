"""``astreinte dialplan write``: the PBX-native fallback tiers, as one include-able file."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from astreinte.cli import main
from astreinte.cli.common import config_path
from astreinte.dialplan import FILENAME, UnsafeValue
from astreinte.dialplan_file import render
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.config import AmiSettings

DEFAULT_OUTPUT = Path("/etc/asterisk") / FILENAME


async def reload_dialplan(settings: AmiSettings, timeout: float = 10.0) -> str:
    """``dialplan reload`` through AMI (a one-shot connection)."""
    import asyncio

    from astreinte.adapters.ami import Ami

    try:   # fail fast when nothing listens (the client below would retry until the timeout)
        async with asyncio.timeout(timeout):
            _, probe = await asyncio.open_connection(settings.host, settings.port)
        probe.close()
    except (OSError, TimeoutError) as exc:
        raise LinkError(f"AMI at {settings.host}:{settings.port} is unreachable: {exc}") from exc
    ami = Ami(settings)
    task = asyncio.create_task(ami.run())
    try:
        if not await ami.wait_connected(timeout):
            if task.done() and task.exception() is not None:
                raise LinkError(str(task.exception()))
            raise LinkError(f"AMI at {settings.host}:{settings.port} did not answer in {timeout:.0f} s")
        return await ami.command("dialplan reload")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


@main.group()
def dialplan() -> None:
    """The dialplan fallbacks astreinte ships (Stasis -> FastAGI -> AstDB -> voicemail)."""


@dialplan.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Where to write the file ('-' for standard output); without it, {DEFAULT_OUTPUT} once "
                   "confirmed at a terminal.")
@click.option("--reload/--no-reload", default=False, help="Run 'dialplan reload' through AMI afterwards.")
@click.pass_context
def write(ctx: click.Context, output: Path | None, reload: bool) -> None:
    """Write extensions_astreinte.conf, atomically, and optionally reload the dialplan.

    The file defines [astreinte-inbound], which takes the configured numbers only
    (in every form a carrier delivers them): include the file (from extensions.conf,
    or extensions_custom.conf on FreePBX) and send the on-call numbers there. Each
    tier sets ASTREINTE_TIER and logs a NOTICE line. The file is written only where
    --output says (or, at a terminal, to /etc/asterisk once you confirm).

    \b
    Examples:
        astreinte dialplan write -o /etc/asterisk/extensions_astreinte.conf --reload
        astreinte dialplan write -o -
    """
    from astreinte import config as config_module
    from astreinte.cli.output import destination

    config = config_module.load(config_path(ctx))
    try:
        text = render(config)
    except UnsafeValue as exc:
        raise click.ClickException(str(exc)) from exc
    target = destination(output, None, DEFAULT_OUTPUT, FILENAME)
    if target is None and reload:
        raise click.UsageError("--reload needs a file Asterisk reads: give --output PATH", ctx)
    if target is None:
        click.echo(text, nl=False)
    else:
        from astreinte.adapters.secrets import SecretsError, atomic_write

        try:   # temporary file, fsync, rename: Asterisk never reads half a file; the replaced file's owner kept
            changed = atomic_write(target, text, mode=0o644)
        except SecretsError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{'wrote' if changed else 'unchanged'} {target}")
    if reload:
        import asyncio  # here, not at the top: the CLI's other commands start fast

        try:
            result = asyncio.run(reload_dialplan(config.asterisk.ami))
        except LinkError as exc:
            raise click.ClickException(f"dialplan written but not reloaded: {exc}") from exc
        click.echo(f"dialplan reloaded: {result.strip() or 'ok'}")
