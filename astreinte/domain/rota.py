"""Who can be called and in which order: people, rotations, layers, overrides and teams.

Plain frozen values, built by ``astreinte.config`` from YAML (and by the store for CLI
overrides); ``astreinte.domain.schedule`` resolves them at an instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from astreinte.domain.callers import Policy
from astreinte.domain.calling import CallerIdPolicy, MessagePolicy, Translation, VoicemailPolicy
from astreinte.domain.hours import DAY_NAMES, WeekHours
from astreinte.domain.hunt_policy import HuntPolicy  # not domain.hunt: `who` reads rotas without the hunt

OverrideSource = Literal["config", "cli"]


@dataclass(frozen=True)
class Person:
    """Someone who can be on call. ``phones`` are rung together (``PJSIP/alice``, ``+33611223344``)."""

    id: str
    name: str
    phones: tuple[str, ...]
    work_hours: WeekHours | None = None
    forfait_jours: bool = False                       # exempt from working-time maxima (L3121-62)
    leave: tuple[tuple[date, date], ...] = ()         # leave periods, first and last day included
    email: str | None = None                          # gets the notices about them (reminders, messages)
    language: str | None = None                       # of what they are sent; None: the configuration's


@dataclass(frozen=True)
class Rotation:
    """Members take turns: shift k starts at ``handoff`` local time on ``start + k * every_days``.

    The member of shift k is ``members[k % len(members)]``. ``handoff_weekday`` is only set
    when the hand-off was written with a weekday (``monday 09:00``); the configuration
    guarantees ``start`` falls on it and ``every_days`` is a whole number of weeks.
    """

    members: tuple[str, ...]
    every_days: int
    handoff: time
    start: date
    handoff_weekday: int | None = None

    @property
    def period(self) -> timedelta:
        return timedelta(days=self.every_days)

    def first_handoff(self) -> datetime:
        """The local (naive, wall-clock) start of shift 0."""
        return datetime.combine(self.start, self.handoff)

    def describe(self) -> str:
        """``every 1 week, monday 09:00, from 2026-11-02``."""
        weeks, days = divmod(self.every_days, 7)
        every = f"{weeks} week{'s' * (weeks > 1)}" if not days else f"{self.every_days} day{'s' * (days > 1)}"
        at = self.handoff.strftime("%H:%M")
        if self.handoff_weekday is not None:
            at = f"{DAY_NAMES[self.handoff_weekday]} {at}"
        return f"every {every}, {at}, from {self.start.isoformat()}"


@dataclass(frozen=True)
class Layer:
    """One level of the escalation chain, filled by its rotation (and overrides)."""

    name: str
    rotation: Rotation


@dataclass(frozen=True)
class Override:
    """``person`` replaces whoever holds ``team``/``layer`` during [start, end).

    ``start`` and ``end`` are aware datetimes. When overrides overlap, the one given later
    to the schedule wins: configuration overrides in file order, then CLI overrides in the
    order they were added. ``id`` is ``config:N`` (N-th in the file) or ``cli:N`` (store id).
    """

    team: str
    layer: str
    person: str
    start: datetime
    end: datetime
    reason: str = ""
    id: str = ""
    source: OverrideSource = "config"


@dataclass(frozen=True)
class Team:
    """A group reached on ``numbers``: the greeting, when it is in service, and its chain."""

    id: str
    numbers: tuple[str, ...]
    greeting: str                        # spoken text, or ``sound:NAME``
    service_hours: WeekHours | None      # None: always in service
    outside_service_dial: str | None     # where calls go outside service hours
    hunt: HuntPolicy
    layers: tuple[Layer, ...]
    voicemail: VoicemailPolicy = field(default_factory=VoicemailPolicy)
    caller_id: CallerIdPolicy = field(default_factory=CallerIdPolicy)
    messages: MessagePolicy = field(default_factory=MessagePolicy)
    callers: Policy = "anyone"           # who may wake the person on call (``domain/callers.py``)
    translations: Mapping[str, Translation] = field(default_factory=dict)   # language -> caller-facing texts

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)

