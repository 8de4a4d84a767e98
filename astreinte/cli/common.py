"""What every sub-command shares: the ``--config`` option, error translation, lazy sub-commands."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from astreinte.domain.errors import AstreinteError, ConfigError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG_PATHS = (Path("config.yaml"), Path("/etc/astreinte/config.yaml"))


def default_config_path() -> Path:
    """``$ASTREINTE_CONFIG``, else ``./config.yaml``, else ``/etc/astreinte/config.yaml``."""
    env = os.environ.get("ASTREINTE_CONFIG")
    if env:
        return Path(env)
    for candidate in DEFAULT_CONFIG_PATHS:
        if candidate.exists():
            return candidate
    return DEFAULT_CONFIG_PATHS[0]


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        ctx.ensure_object(dict)["config_path"] = value
    return value


config_option = click.option(
    "--config",
    "-c",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_remember_config,
    help="Configuration file (default: $ASTREINTE_CONFIG, ./config.yaml, /etc/astreinte/config.yaml).",
)


def _remember_now(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(dict)["now"] = value
    return value


now_option = click.option(
    "--now",
    metavar="ISO-8601",
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_remember_now,
    help="Take this instant as the current time (what-if, back-filling, tests); without an offset, local "
    "time in the configured zone. Default: the system clock.",
)


def now_text(ctx: click.Context) -> str | None:
    """The ``--now`` given on the command line, if any."""
    text: str | None = ctx.find_root().ensure_object(dict).get("now")
    return text


def config_path(ctx: click.Context) -> Path:
    """The configuration file chosen on the command line or by default."""
    path: Path | None = ctx.find_root().ensure_object(dict).get("config_path")
    return path if path is not None else default_config_path()


class AstreinteGroup(click.Group):
    """A click group that turns AstreinteError into a clean message and exit status 1.

    ``lazy`` maps a sub-command's name to the module that registers it: running
    ``astreinte who`` imports ``astreinte.cli.who`` only, not the HTTP client of ``status``
    or the dialplan renderer. Listing the commands (``--help``, an unknown name) imports
    them all.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module = self.lazy.get(cmd_name)
            if module is None:
                self.load_all()
            else:
                importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)

    def load_all(self) -> None:
        """Import every sub-command module (each registers its commands on import)."""
        for module in sorted(set(self.lazy.values())):
            importlib.import_module(module)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(1)
        except AstreinteError as exc:
            raise click.ClickException(str(exc)) from exc
