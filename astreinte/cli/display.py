"""What the rota commands share: reading ``--at``/``--from``, the configuration and store, and
printing instants and publication changes. Heavy modules (rich, the config loader) are
imported inside functions: ``who`` answers from the compiled rota (``load_rota``) without them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import click

from astreinte.cli.common import config_path, now_text

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.adapters.clock import Clock
    from astreinte.adapters.store import Delivery, Publication
    from astreinte.cli.rota_cache import Rota
    from astreinte.config import Config
    from astreinte.domain.publication import Change
    from astreinte.domain.rota import Override
    from astreinte.domain.schedule import Schedule


def load_config(ctx: click.Context) -> Config:
    from astreinte.config import load

    return load(config_path(ctx))


def load_rota(ctx: click.Context) -> Rota:
    """What ``who`` needs of the configuration: compiled once per change (``astreinte.cli.rota_cache``),
    else exactly what ``load_config`` checks and raises."""
    from astreinte.cli.rota_cache import RotaCache, default_file

    cache = RotaCache(default_file(os.environ))
    rota = cache.load(config_path(ctx), os.environ)
    ctx.call_on_close(lambda: cache.save(rota))
    return rota


def cli_overrides(config: Config | Rota) -> tuple[Override, ...]:
    """The CLI overrides stored beside the configuration (read-only; none if no database yet)."""
    from astreinte.adapters.override_rows import read_active_overrides

    return read_active_overrides(config.database)


def schedule_of(config: Config | Rota) -> Schedule:
    return config.schedule(cli_overrides(config))


def clock(ctx: click.Context, zone: ZoneInfo) -> Clock:
    """The command's clock: ``--now`` if given, else the system clock (``astreinte.adapters.clock``)."""
    from astreinte.adapters.clock import fixed_clock, system_clock

    text = now_text(ctx)
    return system_clock if text is None else fixed_clock(parse_instant(text, zone, "--now"))


def now(ctx: click.Context, zone: ZoneInfo) -> datetime:
    """The current instant of this command, in ``zone``."""
    return clock(ctx, zone)().astimezone(zone)


def instant_or_now(ctx: click.Context, text: str | None, zone: ZoneInfo, option: str) -> datetime:
    """``--at``-style options: the instant given, else the command's current instant."""
    return now(ctx, zone) if text is None else parse_instant(text, zone, option)


def parse_instant(text: str, zone: ZoneInfo, option: str) -> datetime:
    """ISO-8601 (``2026-12-24T19:00``, with or without offset) or a date."""
    from astreinte.domain.hours import parse_instant

    try:
        return parse_instant(text, zone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def parse_day_or_instant(text: str | None, zone: ZoneInfo, default: datetime | None, option: str) -> datetime:
    """``2026-12-01`` is local midnight; a date-time is used as is; no text: ``default``."""
    if text is None:
        if default is None:
            raise click.BadParameter("required", param_hint=option)
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


def seconds(value: float | None) -> str:
    """``12.3 s``; ``-`` when unknown (a wait, a talk time, a message's length)."""
    return "-" if value is None else f"{value:.1f} s"


def author() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def echo_changes(publication: Publication | None, config: Config, limit: int | None = None) -> None:
    """``dave (David Moreau)`` then one ``+``/``-`` line per stretch gained or lost (at most ``limit``
    per person, the rest counted: a first publication holds a year of shifts)."""
    if publication is None:
        click.echo("nothing changed: this rota is already published")
        return
    zone = config.timezone
    reason = f", reason: {publication.reason}" if publication.reason else ""
    click.echo(
        f"publication #{publication.id} at {iso(publication.at, zone)} "
        f"(window until {short(publication.horizon_end, zone)}), sha256 {publication.content_hash[:12]}{reason}"
    )
    if not publication.changes:
        click.echo("  no assignment changed")
    for person, changes in _by_person(publication.changes):
        name = config.people[person].name if person in config.people else "(no longer in the rota)"
        click.echo(f"  {person} ({name})")
        for change in changes[:limit]:
            sign = "+" if change.kind == "added" else "-"
            click.echo(
                f"    {sign} {change.team}/{change.layer}  {short(change.start, zone)} -> {short(change.end, zone)}"
            )
        if limit is not None and len(changes) > limit:
            click.echo(f"    ... and {len(changes) - limit} more, until {short(changes[-1].end, zone)} "
                       f"(astreinte rota log --changes)")


def echo_deliveries(deliveries: Iterable[Delivery], zone: ZoneInfo, indent: str = "  ") -> None:
    """``notice to bob Mon 09 Nov 2026 10:00: email bob@example.com accepted (250 OK), webhook accepted
    (HTTP 200)``, one line a person; the people nobody could tell on one line."""
    from astreinte.adapters.store.notices import NO_CHANNEL

    grouped: dict[str, list[Delivery]] = {}
    for item in deliveries:
        grouped.setdefault(item.person, []).append(item)
    untold = [person for person, items in grouped.items() if all(item.channel == NO_CHANNEL for item in items)]
    for person, items in grouped.items():
        if person in untold:
            continue
        parts = []
        for item in items:
            to = f" {', '.join(item.recipients)}" if item.recipients else ""
            parts.append(f"{item.channel}{to} {'accepted' if item.accepted else 'FAILED'} ({item.reply})")
        flag = " [short notice]" if any(item.short_notice for item in items) else ""
        click.echo(f"{indent}notice to {person}{flag} {short(items[0].sent_at, zone)}: " + ", ".join(parts))
    if untold:
        click.echo(f"{indent}nobody told {', '.join(untold)}: no notifications configured (notifications: email, "
                   "webhook)")


def _by_person(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.person, []).append(change)
    return sorted(grouped.items())
