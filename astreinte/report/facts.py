"""From configuration, schedule, publication log and call log to the pure inputs of the legal
checks and the compensation (no I/O here: the CLI reads the store and passes rows in).

* astreinte time: a person's shifts, intersected with the team's service hours (outside them
  calls go elsewhere, the person is at work or free);
* notices: for each shift piece, the publication that last added that time to the person's
  schedule (R3121-3), or none;
* interventions: every answered call (connected -> ended) and every declared intervention.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from astreinte.domain.compensation import Intervention
from astreinte.domain.compliance import check_all
from astreinte.domain.legal import Finding, Notice, PersonTime, adopted
from astreinte.domain.timesplit import Calendar, Span, covered, intersect, merge, subtract

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.publication import Change
    from astreinte.domain.schedule import Schedule, Shift

LOOKBACK = timedelta(weeks=12)   # the 12-week average (L3121-22) and rest before the range
MARGIN = timedelta(days=8)       # whole weeks of on-call time around a month


@dataclass(frozen=True)
class Published:
    """One change of the publication log with its publication's timestamp."""

    at: datetime
    change: Change
    reason: str = ""      # the publication's reason (``rota load --reason``): exceptional circumstances


def calendar_of(config: Config) -> Calendar:
    return Calendar(config.timezone, config.holiday_calendar, config.legal.night)


def shifts(config: Config, schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    return [shift for team in config.teams for shift in schedule.shifts(team, start, end)]


def on_call(all_shifts: Iterable[Shift]) -> dict[str, list[Span]]:
    """Each person's merged on-call stretches (every team and layer)."""
    found: dict[str, list[Span]] = {}
    for shift in all_shifts:
        found.setdefault(shift.person.id, []).append((shift.start, shift.end))
    return {person: merge(spans) for person, spans in sorted(found.items())}


def astreinte(config: Config, all_shifts: Sequence[Shift], start: datetime, end: datetime) -> dict[str, list[Span]]:
    """Each person's on-call time while their team is in service, within [start, end)."""
    calendar = calendar_of(config)
    service: dict[str, list[Span] | None] = {}
    found: dict[str, list[Span]] = {}
    for shift in all_shifts:
        if shift.team not in service:
            hours = config.teams[shift.team].service_hours
            service[shift.team] = None if hours is None else covered(calendar, hours, start, end)
        span = [(max(shift.start, start), min(shift.end, end))]
        in_service = service[shift.team]
        found.setdefault(shift.person.id, []).extend(span if in_service is None else intersect(span, in_service))
    return {person: merge(spans) for person, spans in sorted(found.items())}


def notices(all_shifts: Iterable[Shift], log: Iterable[Published]) -> list[Notice]:
    """Every shift piece cut by the publication that last added it (``published_at`` None: never).

    A piece's reason is its override's, else the reason its publication gave."""
    painted: dict[tuple[str, str, str], list[tuple[Span, datetime, str]]] = {}
    for item in sorted(log, key=lambda p: p.at):
        change = item.change
        key = (change.person, change.team, change.layer)
        span = (change.start.astimezone(UTC), change.end.astimezone(UTC))
        kept = [(piece, at, why) for old, at, why in painted.get(key, []) for piece in subtract([old], [span])]
        if change.kind == "added":
            kept.append((span, item.at, item.reason))
        painted[key] = kept
    result: list[Notice] = []
    for shift in all_shifts:
        key = (shift.person.id, shift.team, shift.layer)
        piece = (shift.start.astimezone(UTC), shift.end.astimezone(UTC))
        told = painted.get(key, [])
        for (lo, hi), at, why in told:
            for part in intersect([piece], [(lo, hi)]):
                result.append(Notice(key[0], shift.team, shift.layer, part[0], part[1], at, shift.reason or why))
        for part in subtract([piece], [span for span, _, _ in told]):
            result.append(Notice(key[0], shift.team, shift.layer, part[0], part[1], None, shift.reason))
    result.sort(key=lambda n: (n.start, n.person, n.team, n.layer))
    return result


def from_calls(rows: Iterable[Mapping[str, Any]]) -> list[Intervention]:
    """Every answered call of the call log is an intervention from connection to hang-up."""
    found = []
    for row in rows:
        if row.get("outcome") == "answered" and row.get("answered_by") and row.get("connected_at") \
                and row.get("ended_at"):
            found.append(Intervention(str(row["answered_by"]), datetime.fromisoformat(row["connected_at"]),
                                      datetime.fromisoformat(row["ended_at"]), source="call", ref=str(row["id"])))
    return found


def person_times(config: Config, all_shifts: Sequence[Shift], interventions: Iterable[Intervention],
                 start: datetime, end: datetime) -> list[PersonTime]:
    calendar = calendar_of(config)
    time_on_call = astreinte(config, all_shifts, start - LOOKBACK, end)
    worked: dict[str, list[Span]] = {}
    for item in interventions:
        worked.setdefault(item.person, []).append(item.working)
    result = []
    for person_id, person in sorted(config.people.items()):
        work: list[Span] = []
        if person.work_hours is not None:
            work = covered(calendar, person.work_hours, start - LOOKBACK, end + MARGIN, holidays_off=True)
            for first, last in person.leave:      # no regular work during leave
                work = subtract(work, [(calendar.local_midnight(first),
                                        calendar.local_midnight(last + timedelta(days=1)))])
        result.append(PersonTime(person_id, tuple(time_on_call.get(person_id, ())), tuple(work),
                                 tuple(merge(worked.get(person_id, []))), person.forfait_jours, person.leave))
    return result


def findings(config: Config, schedule: Schedule, log: Iterable[Published], interventions: Sequence[Intervention],
             start: datetime, end: datetime) -> list[Finding]:
    """Every legal finding over [start, end)."""
    pieces = shifts(config, schedule, start - LOOKBACK, end + MARGIN)
    inside = [s for s in pieces if s.end > start and s.start < end]
    people = person_times(config, pieces, interventions, start, end)
    return check_all(notices(inside, log), people, config.legal, calendar_of(config), start, end,
                     baseline(config, log))


def baseline(config: Config, log: Iterable[Published]) -> datetime | None:
    """The first publication on or after ``legal.since`` (the rota as it was at the adoption)."""
    since = adopted(config.legal, calendar_of(config))
    if since is None:
        return None
    return min((item.at for item in log if item.at >= since), default=None)


def published(publications: Iterable[Any]) -> list[Published]:
    """The store's ``Publication`` rows flattened into timestamped changes."""
    return [Published(p.at, change, p.reason) for p in publications for change in p.changes]
