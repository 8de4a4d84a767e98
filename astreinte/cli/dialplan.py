"""``astreinte dialplan write``: the PBX-native fallback tiers, as one include-able file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from astreinte.cli import main
from astreinte.cli.common import config_path
from astreinte.dialplan import FILENAME, UnsafeValue, render
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.config import AmiSettings

DEFAULT_OUTPUT = Path("/etc/asterisk") / FILENAME


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Write to a temporary file in the same folder, fsync, then rename: Asterisk never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):   # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


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
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUTPUT,
              show_default=True, help="Where to write the file ('-' for standard output).")
@click.option("--reload/--no-reload", default=False, help="Run 'dialplan reload' through AMI afterwards.")
@click.pass_context
def write(ctx: click.Context, output: Path, reload: bool) -> None:
    """Write extensions_astreinte.conf, atomically, and optionally reload the dialplan.

    The file defines [astreinte-inbound] (send the on-call trunk there) and
    [astreinte-fallback]; include it from extensions.conf. Each tier sets
    ASTREINTE_TIER and logs a NOTICE line.

    \b
    Examples:
        astreinte dialplan write --reload
        astreinte dialplan write -o /etc/asterisk/extensions_astreinte.conf
        astreinte dialplan write -o -
    """
    from astreinte import config as config_module

    config = config_module.load(config_path(ctx))
    try:
        text = render(config)
    except UnsafeValue as exc:
        raise click.ClickException(str(exc)) from exc
    if str(output) == "-":
        click.echo(text, nl=False)
    else:
        try:
            write_atomically(output, text)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {output}")
    if reload:
        import asyncio  # here, not at the top: the CLI's other commands start fast

        try:
            result = asyncio.run(reload_dialplan(config.asterisk.ami))
        except LinkError as exc:
            raise click.ClickException(f"dialplan written but not reloaded: {exc}") from exc
        click.echo(f"dialplan reloaded: {result.strip() or 'ok'}")
