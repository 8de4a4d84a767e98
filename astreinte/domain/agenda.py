"""Shifts as calendar events that keep their identity, so subscribed calendars stay true.

A calendar client (khal, Thunderbird, a phone) matches events by UID: an event it has seen
stays until a feed updates it (same UID, higher ``SEQUENCE``) or cancels it
(``STATUS:CANCELLED``); an event that merely disappears from the feed stays on screen. So:

* the UID of a rotation piece names the rotation shift (team, layer, index k, person) and,
  when the piece does not start at the hand-off (an override took the start), its start;
* the UID of an override piece names the override and the piece's start;
* ``advance`` compares the events of a publication with those last published: a changed
  event gets ``SEQUENCE + 1``, a vanished one is kept as cancelled (``SEQUENCE + 1``).

An override in the middle of Bob's week thus updates Bob's event (it now ends when the
override starts, SEQUENCE 1), adds the override's event and the rest of Bob's week; removing
the override gives Bob's event its whole week back (SEQUENCE 2) and cancels the two others.
Pure: the store keeps the revisions (``adapters/store/agenda.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from astreinte.domain.schedule import Schedule, Shift

UID_DOMAIN = "astreinte"


@dataclass(frozen=True)
class Event:
    """One piece of on-call time as a calendar event (instants are aware)."""

    uid: str
    team: str
    layer: str
    level: int
    person: str
    start: datetime
    end: datetime
    override_id: str = ""
    reason: str = ""

    def same_as(self, other: Event) -> bool:
        """Equal content (instants compared as instants, whatever their zone)."""
        return (self.uid, self.team, self.layer, self.level, self.person, self.override_id, self.reason) == (
            other.uid, other.team, other.layer, other.level, other.person, other.override_id, other.reason
        ) and self.start.timestamp() == other.start.timestamp() and self.end.timestamp() == other.end.timestamp()


@dataclass(frozen=True)
class Revision:
    """An event as last published: its ``SEQUENCE``, whether it was cancelled, and when (DTSTAMP)."""

    event: Event
    sequence: int
    cancelled: bool
    stamp: datetime


def uid(*parts: str) -> str:
    key = "|".join(parts)
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def event_of(shift: Shift) -> Event:
    """The event of one shift piece (from ``Schedule.shifts``), named as the module docstring says."""
    if shift.rotation_index is None:
        name = uid(shift.team, shift.layer, "override", shift.override_id, shift.person.id, _utc(shift.start))
    else:
        tail = "" if shift.from_handoff else _utc(shift.start)
        name = uid(shift.team, shift.layer, "rota", str(shift.rotation_index), shift.person.id, tail)
    return Event(name, shift.team, shift.layer, shift.level, shift.person.id, shift.start, shift.end,
                 shift.override_id, shift.reason)


def events(shifts: Iterable[Shift]) -> list[Event]:
    """The events of these shift pieces, by start then team and level."""
    found = [event_of(shift) for shift in shifts]
    found.sort(key=lambda e: (e.start.timestamp(), e.team, e.level, e.uid))
    return found


def shifts_of(schedule: Schedule, teams: Iterable[str], start: datetime, end: datetime) -> list[Shift]:
    """Every shift piece of ``teams`` overlapping [start, end), whole."""
    return [shift for team in teams for shift in schedule.shifts(team, start, end)]


def advance(stored: Iterable[Revision], new: Iterable[Event], start: datetime, end: datetime,
            at: datetime) -> list[Revision]:
    """The revisions a publication at ``at`` writes: new and changed events of [start, end), and the
    events last published there that are gone, cancelled. Unchanged events are not returned."""
    known = {revision.event.uid: revision for revision in stored}
    changed: list[Revision] = []
    seen: set[str] = set()
    for event in new:
        seen.add(event.uid)
        old = known.get(event.uid)
        if old is None:
            changed.append(Revision(event, 0, False, at))
        elif old.cancelled or not old.event.same_as(event):
            changed.append(Revision(event, old.sequence + 1, False, at))
    lo, hi = start.timestamp(), end.timestamp()
    for old in known.values():
        inside = old.event.end.timestamp() > lo and old.event.start.timestamp() < hi
        if inside and not old.cancelled and old.event.uid not in seen:
            changed.append(replace(old, sequence=old.sequence + 1, cancelled=True, stamp=at))
    return changed


def current(events_: Iterable[Event], stored: Mapping[str, Revision], stamp: datetime) -> list[Revision]:
    """Revisions for events computed outside a publication (``schedule --ics``): the stored
    revision when the event is unchanged, else the next sequence number."""
    result = []
    for event in events_:
        old = stored.get(event.uid)
        if old is not None and not old.cancelled and old.event.same_as(event):
            result.append(old)
        else:
            result.append(Revision(event, 0 if old is None else old.sequence + 1, False, stamp))
    return result
