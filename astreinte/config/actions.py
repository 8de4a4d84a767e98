"""What people ask for (an override, an intervention), checked against the configuration.

One checker for every way in: ``astreinte override add`` and ``intervention add`` (click options)
and the web console's forms call the same functions, so a web action is refused exactly when
the CLI would refuse it. A refusal is an ``ActionError`` naming the field (``team``, ``layer``,
``person``, ``start``, ``end``, ``reason``, ``travel``, ``note``); each front end says it in its
own words (``--from`` for the CLI, the form field on the web).

    override = checked_override(config, team="support", layer=None, person="dave",
                                start=start, end=end, reason="swap")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from astreinte.config import values
from astreinte.domain import overrides
from astreinte.domain.compensation import Intervention
from astreinte.domain.rota import Override

if TYPE_CHECKING:
    from astreinte.config import Config

REASON_LIMIT = 200
NOTE_LIMIT = 500


@dataclass
class ActionError(ValueError):
    """``field`` is what to fix; ``message`` says why (English, the CLI's language)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def checked_reason(reason: str, field: str = "reason", limit: int = REASON_LIMIT) -> str:
    """A reason (kept in the log, given in the notices): empty, or printable text of one line."""
    try:
        return values.free_text(reason, limit=limit) if reason.strip() else ""
    except ValueError as exc:
        raise ActionError(field, str(exc)) from None


def checked_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if end.timestamp() <= start.timestamp():
        raise ActionError("end", "must be after the start")
    return start.replace(microsecond=0), end.replace(microsecond=0)


def checked_override(config: Config, *, team: str, layer: str | None, person: str, start: datetime,
                     end: datetime, reason: str = "") -> Override:
    """``person`` holds ``team``/``layer`` (the team's first layer when None) during [start, end):
    the rule of ``domain.overrides``, the one the store and the YAML loader apply too."""
    chosen = config.teams.get(team)
    layer = layer or (chosen.layers[0].name if chosen is not None else "")
    for field, message in overrides.problems(overrides.layers_of(config.teams), config.people, team, layer,
                                             person, start, end):
        raise ActionError("end" if field == "to" else field, message)
    return Override(team, layer, person, start.replace(microsecond=0), end.replace(microsecond=0),
                    checked_reason(reason))


def checked_intervention(people: Mapping[str, object], *, person: str, start: datetime, end: datetime,
                         on_site: bool, travel: str, note: str) -> Intervention:
    """An intervention the PBX cannot see: who, when, on site or not, travel time (``30m``, ``1h15``)."""
    from astreinte.config.legal import hours_duration

    if person not in people:
        raise ActionError("person", f"unknown person {person!r}")
    if end <= start:
        raise ActionError("end", "must be after the start")
    try:
        seconds = hours_duration(travel) if travel.strip() not in ("", "0", "0m") else 0
    except ValueError as exc:
        raise ActionError("travel", str(exc)) from None
    text = checked_reason(note, "note", NOTE_LIMIT)
    return Intervention(person, start, end, on_site, seconds, text)
