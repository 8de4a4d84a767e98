"""What every sub-command shares: the ``--config`` option and error translation."""

from __future__ import annotations

import os
from collections.abc import Callable
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


def config_path(ctx: click.Context) -> Path:
    """The configuration file chosen on the command line or by default."""
    path: Path | None = ctx.find_root().ensure_object(dict).get("config_path")
    return path if path is not None else default_config_path()


class AstreinteGroup(click.Group):
    """A click group that turns AstreinteError into a clean message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(1)
        except AstreinteError as exc:
            raise click.ClickException(str(exc)) from exc
