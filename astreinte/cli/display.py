"""What the rota commands share: reading ``--at``/``--from``, the configuration and store, and
printing instants and publication changes. Heavy modules (rich, the config loader) are
imported inside functions: every sub-command module is imported at start-up."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import click

from astreinte.cli.common import config_path

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.adapters.store import Publication
    from astreinte.config import Config
    from astreinte.domain.publication import Change
    from astreinte.domain.rota import Override
    from astreinte.domain.schedule import Schedule


def load_config(ctx: click.Context) -> Config:
    from astreinte.config import load

    return load(config_path(ctx))


def cli_overrides(config: Config) -> tuple[Override, ...]:
    """The CLI overrides stored beside the configuration (read-only; none if no database yet)."""
    from astreinte.adapters.store.rotas import read_active_overrides

    return read_active_overrides(config.database)


def schedule_of(config: Config) -> Schedule:
    return config.schedule(cli_overrides(config))


def parse_instant(text: str | None, zone: ZoneInfo, option: str) -> datetime:
    """ISO-8601 (``2026-12-24T19:00``, with or without offset) or a date; default: now."""
    if text is None:
        return datetime.now(zone)
    from astreinte.config import values

    try:
        return values.instant(text, zone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def parse_day_or_instant(text: str | None, zone: ZoneInfo, default: datetime, option: str) -> datetime:
    """``2026-12-01`` is local midnight; a date-time is used as is."""
    if text is None:
        return default
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=zone)
    except ValueError:
        return parse_instant(text, zone, option)


def short(moment: datetime, zone: ZoneInfo) -> str:
    """``Thu 24 Dec 2026 18:00`` in the configured zone."""
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")


def iso(moment: datetime, zone: ZoneInfo) -> str:
    """ISO-8601 with the zone's offset: ``2026-12-26T09:00:00+01:00``."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def echo_changes(publication: Publication | None, config: Config) -> None:
    """``dave (David Moreau)`` then one ``+``/``-`` line per stretch gained or lost."""
    if publication is None:
        click.echo("nothing changed: this rota is already published")
        return
    zone = config.timezone
    click.echo(
        f"publication #{publication.id} at {iso(publication.at, zone)} "
        f"(window until {short(publication.horizon_end, zone)}), sha256 {publication.content_hash[:12]}"
    )
    if not publication.changes:
        click.echo("  no assignment changed")
    for person, changes in _by_person(publication.changes):
        name = config.people[person].name if person in config.people else "(no longer in the rota)"
        click.echo(f"  {person} ({name})")
        for change in changes:
            sign = "+" if change.kind == "added" else "-"
            click.echo(
                f"    {sign} {change.team}/{change.layer}  {short(change.start, zone)} -> {short(change.end, zone)}"
            )


def _by_person(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.person, []).append(change)
    return sorted(grouped.items())
