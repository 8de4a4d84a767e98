"""Shifts as an iCalendar file (RFC 5545, the ``icalendar`` package) that calendar apps subscribe to.

One VEVENT per shift. UIDs are stable: derived from team, layer, person and the shift's
bounds, so re-exporting an unchanged rota yields the same events, and a changed shift
replaces its old event by a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from astreinte.domain.schedule import Shift


def shift_uid(shift: Shift) -> str:
    key = "|".join((shift.team, shift.layer, shift.person.id, shift.start.isoformat(), shift.end.isoformat()))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@astreinte"


def calendar(shifts: Iterable[Shift], name: str, stamp: datetime) -> bytes:
    """The VCALENDAR (with VTIMEZONE) holding one VEVENT per shift; ``stamp`` is each DTSTAMP."""
    cal = Calendar()
    cal.add("prodid", "-//astreinte//on-call rota//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    shifts = list(shifts)
    for shift in shifts:
        event = Event()
        event.add("uid", shift_uid(shift))
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        summary = f"Astreinte {shift.team} ({shift.layer}): {shift.person.name}"
        event.add("summary", summary + (" [override]" if shift.override else ""))
        description = [f"Level {shift.level} of team {shift.team}", f"Phones: {', '.join(shift.person.phones)}"]
        if shift.override:
            description.append(f"Override: {shift.reason or 'no reason given'}")
        event.add("description", "\n".join(description))
        event.add("categories", ["astreinte", shift.team])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if shifts:   # a VTIMEZONE covering just the exported period (DST rules included)
        first = min(shift.start for shift in shifts).date() - timedelta(days=1)
        last = max(shift.end for shift in shifts).date() + timedelta(days=1)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())
