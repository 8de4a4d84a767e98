"""What a publication tells each person: the on-call time added to or removed from their schedule.

French law (Code du travail R3121-3) wants each person's astreinte schedule communicated
"by any means giving a date certain", ahead of time. Each time the rota changes (a YAML
load, a CLI override), the store records a publication: for every (team, layer, person),
the stretches of on-call time gained and lost within the publication window
[at, horizon). An assignment is therefore "first published" by the earliest publication
whose ``added`` stretches cover it. Stretches are compared per person, not per shift: an
override that cuts Bob's week in two removes only the overridden hours from Bob.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from astreinte.domain.schedule import Schedule, Shift

ChangeKind = Literal["added", "removed"]
Key = tuple[str, str, str]               # team, layer, person
Stretches = list[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Assignment:
    """``person`` holds ``team``/``layer`` during [start, end) (aware datetimes)."""

    team: str
    layer: str
    person: str
    start: datetime
    end: datetime
    override: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Change:
    """On-call time gained (``added``) or lost (``removed``) by a person in one publication."""

    person: str
    team: str
    layer: str
    kind: ChangeKind
    start: datetime
    end: datetime


def assignments(schedule: Schedule, start: datetime, end: datetime) -> list[Assignment]:
    """Every shift of every team overlapping [start, end)."""
    return assignments_of(shift for team in schedule.teams for shift in schedule.shifts(team, start, end))


def assignments_of(shifts: Iterable[Shift]) -> list[Assignment]:
    return [Assignment(shift.team, shift.layer, shift.person.id, shift.start, shift.end, shift.override, shift.reason)
            for shift in shifts]


def horizon(at: datetime, zone: ZoneInfo, months: int) -> datetime:
    """Local midnight on the first day of the month ``months`` after ``at``'s month.

    Anchoring the window's end to a month keeps repeated loads of the same rota quiet:
    the window only grows (and publishes the newly covered month) once a month.
    """
    local = at.astimezone(zone)
    index = local.year * 12 + local.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=zone)


def diff(old: Iterable[Assignment], new: Iterable[Assignment], start: datetime, end: datetime) -> list[Change]:
    """The stretches each person gained and lost within [start, end), sorted by person and time."""
    before, after = _stretches(old, start, end), _stretches(new, start, end)
    changes: list[Change] = []
    sides: tuple[tuple[ChangeKind, dict[Key, Stretches], dict[Key, Stretches]], ...] = (
        ("added", after, before),
        ("removed", before, after),
    )
    for key in sorted(before.keys() | after.keys()):
        team, layer, person = key
        for kind, ours, theirs in sides:
            for begin, finish in _subtract(ours.get(key, []), theirs.get(key, [])):
                changes.append(Change(person, team, layer, kind, begin, finish))
    changes.sort(key=lambda c: (c.person, c.start, c.team, c.layer, c.kind))
    return changes


def _stretches(items: Iterable[Assignment], start: datetime, end: datetime) -> dict[Key, Stretches]:
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    grouped: dict[Key, Stretches] = {}
    for item in items:
        begin, finish = max(item.start.astimezone(UTC), lo), min(item.end.astimezone(UTC), hi)
        if begin < finish:
            grouped.setdefault((item.team, item.layer, item.person), []).append((begin, finish))
    for key, stretches in grouped.items():
        stretches.sort()
        merged: Stretches = []
        for begin, finish in stretches:
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
            else:
                merged.append((begin, finish))
        grouped[key] = merged
    return grouped


def _subtract(ours: Stretches, theirs: Stretches) -> Stretches:
    """Parts of ``ours`` not covered by ``theirs`` (both sorted and disjoint)."""
    result: Stretches = []
    index = 0
    for begin, finish in ours:
        cursor = begin
        while index < len(theirs) and theirs[index][1] <= cursor:
            index += 1
        probe = index
        while probe < len(theirs) and theirs[probe][0] < finish:
            if theirs[probe][0] > cursor:
                result.append((cursor, theirs[probe][0]))
            cursor = max(cursor, theirs[probe][1])
            probe += 1
        if cursor < finish:
            result.append((cursor, finish))
    return result
