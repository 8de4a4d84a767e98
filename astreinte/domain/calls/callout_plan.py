"""When a message is called out, and to whom. Pure: the schedule, the policy and ``now`` in, decisions out.

    a message filed ──(callout: true)──▶ round 1 now
    round n over, not acknowledged ──▶ round n+1 ``every`` after it ended, or expired after ``rounds``
    round n rings: in service, level n of the chain (``escalate``) or level 1; the other levels in turn
                   when nobody of that level can be rung; outside service, ``at_opening`` (or waits)
    the first level changes hands (in service) ──▶ the messages of the ending shift start over, now
    the service hours end ──▶ the messages of that service period start over, at ``at_opening``

"Start over": rounds counted from zero, an expired message open again. Acknowledged ones never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain.calling import MessagePolicy
from astreinte.domain.hunt import Target
from astreinte.domain.rota import Person
from astreinte.domain.schedule import Schedule, TeamStatus

LOOK_BACK = timedelta(days=8)      # how far back the start of a shift or a service period is looked for

Why = Literal["message", "hand-off", "opening"]


def round_steps(status: TeamStatus, policy: MessagePolicy, round_: int,
                people: Mapping[str, Person]) -> tuple[tuple[Target, ...], ...]:
    """The levels a round tries, in turn, until one has a phone to ring; () means wait (nobody to call)."""
    if not status.in_service:
        if policy.at_opening is None:
            return ()
        return ((destination(policy.at_opening, people),),)
    levels: dict[int, list[Target]] = {}
    for responder in status.chain:
        person = responder.person
        levels.setdefault(responder.level, []).append(Target(responder.level, person.id, person.name, person.phones))
    ordered = [tuple(levels[level]) for level in sorted(levels)]
    if not ordered:
        return ()
    first = min(max(round_, 1), len(ordered)) - 1 if policy.escalate else 0
    return tuple(ordered[first:] + ordered[:first])


def destination(dial: str, people: Mapping[str, Person]) -> Target:
    """``at_opening``: the person whose phone it is, or the destination itself."""
    for person in people.values():
        if dial in person.phones:
            return Target(1, person.id, person.name, (dial,))
    return Target(1, dial, dial, (dial,))


def after_round(policy: MessagePolicy, rounds_done: int, ended: datetime) -> datetime | None:
    """When the next round starts after ``rounds_done`` rounds without an acknowledgement; None: expired."""
    if rounds_done >= policy.rounds:
        return None
    return ended + timedelta(seconds=policy.every)


@dataclass(frozen=True)
class Watch:
    """What the scheduler compares from one look to the next, per team."""

    in_service: bool
    first: str | None           # the person at the chain's first level


def watch(status: TeamStatus) -> Watch:
    return Watch(status.in_service, status.chain[0].person.id if status.chain else None)


def change(before: Watch, after: Watch) -> Why | None:
    """``hand-off`` when the first level changes hands in service, ``opening`` when the service hours end."""
    if before.in_service and not after.in_service:
        return "opening"
    if after.in_service and before.in_service and before.first != after.first and after.first is not None:
        return "hand-off"
    return None


def started_since(why: Why, schedule: Schedule, team: str, before: Watch, at: datetime) -> datetime:
    """The messages that start over at ``at``: those recorded since the ending shift (hand-off) or
    service period (opening) began, or since ``LOOK_BACK`` when no such start is found."""
    floor = at - LOOK_BACK
    if why == "hand-off":
        pieces = [s for s in schedule.shifts(team, at - timedelta(seconds=1), at) if s.person.id == before.first]
        return max(floor, min((s.start for s in pieces), default=floor))
    hours = schedule.teams[team].service_hours
    if hours is None:
        return floor
    zone, local = schedule.zone, at.astimezone(schedule.zone)
    edges = hours.edges((local - LOOK_BACK).date(), LOOK_BACK.days + 2, schedule.is_holiday)
    opened = [edge for edge in edges if edge.replace(tzinfo=zone) < at
              and hours.contains(edge, schedule.is_holiday)
              and not hours.contains(edge - timedelta(minutes=1), schedule.is_holiday)]
    return max(floor, opened[-1].replace(tzinfo=zone)) if opened else floor
