"""Exact on-call resolution: who holds each layer of a team at an instant, and over a period.

Rules (``docs/rotas.md`` has the long form):

- Rotation shift k of a layer covers [H(k), H(k+1)) where H(k) is the hand-off local time
  on ``start + k * every`` days, turned into an instant in the configured zone: 09:00 stays
  09:00 across DST. A hand-off time that does not exist that day (clocks jump forward)
  happens at the same offset as before the jump (02:30 becomes 03:30); an ambiguous one
  (clocks go back) happens at its first occurrence.
- Before H(0) the rotation has nobody; the layer is then skipped by the chain.
- An override replaces the layer's person during [start, end). Overlapping overrides:
  the one given later wins (configuration order, then CLI overrides by id).
- The chain lists the layers in order, skipping empty ones and people already listed
  (a person present at two levels is rung once, at the first); levels are renumbered
  1..n in ringing order and ``layer`` names where each level comes from.
- ``Responder.until`` is the next instant the layer is re-evaluated: the end of the
  override in force, or else the next hand-off or override start, whichever is first
  (even when the same person carries on after it).

A query costs O(log overrides): the shift index is computed in closed form from local
calendar arithmetic, and overrides are flattened once into disjoint sorted segments.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from astreinte.domain.hours import IsHoliday, no_holidays
from astreinte.domain.rota import Layer, Override, Person, Team


@dataclass(frozen=True)
class Responder:
    """One level of the chain at an instant."""

    level: int
    layer: str
    person: Person
    until: datetime
    override: bool


@dataclass(frozen=True)
class TeamStatus:
    """A team at an instant: in service or not, where calls go otherwise, and its chain."""

    team: str
    at: datetime
    in_service: bool
    outside_service_dial: str | None   # set only when not in service
    chain: tuple[Responder, ...]


@dataclass(frozen=True)
class Shift:
    """A stretch of time during which ``person`` holds ``team``/``layer``.

    ``start`` and ``end`` are in the configured zone. Python subtracts two datetimes that
    share a tzinfo on their wall clocks: use ``duration`` for the real elapsed time.
    """

    team: str
    layer: str
    level: int             # position of the layer in the team (1 = first)
    person: Person
    start: datetime
    end: datetime
    override: bool
    reason: str = ""
    override_id: str = ""
    rotation_index: int | None = None   # k of the rotation shift this piece belongs to (None: an override)
    from_handoff: bool = False          # the piece starts at that shift's hand-off (no override took it)

    @property
    def duration(self) -> timedelta:
        """Elapsed time (23 h or 25 h for a daily shift across a DST change)."""
        return timedelta(seconds=self.end.timestamp() - self.start.timestamp())


class _Clock:
    """Closed-form rotation arithmetic for one layer: instant <-> shift index."""

    __slots__ = ("every", "first", "handoff", "period", "start", "zone")

    def __init__(self, layer: Layer, zone: ZoneInfo) -> None:
        rotation = layer.rotation
        self.start, self.handoff, self.every = rotation.start, rotation.handoff, rotation.every_days
        self.first, self.period, self.zone = rotation.first_handoff(), rotation.period, zone

    def boundary(self, k: int) -> float:
        """POSIX time of the start of shift k."""
        day = self.start + timedelta(days=k * self.every)
        return datetime.combine(day, self.handoff, tzinfo=self.zone).timestamp()

    def index(self, ts: float, local: datetime) -> tuple[int, float]:
        """The shift holding instant ``ts`` (whose wall time is ``local``) and when it ends."""
        k = (local.replace(tzinfo=None) - self.first) // self.period
        begin, end = self.boundary(k), self.boundary(k + 1)
        if ts < begin:
            return k - 1, begin
        if ts >= end:
            return k + 1, self.boundary(k + 2)
        return k, end


class _Segments:
    """Overrides of one layer flattened into disjoint sorted segments, the winner of each."""

    __slots__ = ("ends", "starts", "winners")

    def __init__(self, ranked: list[tuple[float, float, Override]]) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.winners: list[Override] = []
        if not ranked:
            return
        points = sorted({ts for start, end, _ in ranked for ts in (start, end)})
        by_start = sorted(range(len(ranked)), key=lambda i: ranked[i][0])
        active: list[tuple[int, float]] = []         # (-priority, end)
        cursor = 0
        for a, b in pairwise(points):
            while cursor < len(by_start) and ranked[by_start[cursor]][0] <= a:
                i = by_start[cursor]
                heapq.heappush(active, (-i, ranked[i][1]))
                cursor += 1
            while active and active[0][1] <= a:
                heapq.heappop(active)
            if not active:
                continue
            winner = ranked[-active[0][0]][2]
            if self.ends and self.ends[-1] == a and self.winners[-1] is winner:
                self.ends[-1] = b
            else:
                self.starts.append(a)
                self.ends.append(b)
                self.winners.append(winner)

    def find(self, ts: float) -> int:
        """Index of the segment holding ``ts``, else -(index of the next segment) - 1."""
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.ends[i]:
            return i
        return -(i + 1) - 1


Piece = tuple[float, float, str, "Override | None", "int | None", bool]


class _LayerIndex:
    __slots__ = ("clock", "layer", "level", "members", "segments")

    def __init__(
        self, layer: Layer, level: int, zone: ZoneInfo, overrides: list[tuple[float, float, Override]]
    ) -> None:
        self.layer, self.level, self.members = layer, level, layer.rotation.members
        self.clock = _Clock(layer, zone)
        self.segments = _Segments(overrides)

    def holder(self, ts: float, local: datetime) -> tuple[str | None, float, bool]:
        """(person id or None, until, by override) at instant ``ts``."""
        segments = self.segments
        found = segments.find(ts)
        if found >= 0:
            return segments.winners[found].person, segments.ends[found], True
        following = -found - 1
        next_override = segments.starts[following] if following < len(segments.starts) else float("inf")
        k, end = self.clock.index(ts, local)
        if k < 0:
            return None, min(self.clock.boundary(0), next_override), False
        return self.members[k % len(self.members)], min(end, next_override), False

    def pieces(self, lo: float, hi: float, zone: ZoneInfo) -> list[Piece]:
        """Every (start, end, person, override, rotation shift k, starts at the hand-off) stretch
        intersecting [lo, hi), unclipped; k is None for an override."""
        clock, segments = self.clock, self.segments
        k, _ = clock.index(lo, datetime.fromtimestamp(lo, zone))
        k = max(k, 0)
        shifts: list[tuple[float, float, int]] = []
        begin = clock.boundary(k)
        while begin < hi:
            end = clock.boundary(k + 1)
            if end > lo:
                shifts.append((begin, end, k))
            k, begin = k + 1, end
        span_lo = min([lo] + [s[0] for s in shifts[:1]])
        span_hi = max([hi] + [s[1] for s in shifts[-1:]])
        first = max(bisect_right(segments.ends, span_lo), 0)
        chosen = [
            (segments.starts[i], segments.ends[i], segments.winners[i])
            for i in range(first, len(segments.starts))
            if segments.starts[i] < span_hi
        ]
        out: list[Piece] = [(s, e, w.person, w, None, False) for s, e, w in chosen]
        for begin, end, index in shifts:
            member, cursor = self.members[index % len(self.members)], begin
            for s, e, _ in chosen:
                if e <= cursor or s >= end:
                    continue
                if s > cursor:
                    out.append((cursor, s, member, None, index, cursor == begin))
                cursor = max(cursor, e)
            if cursor < end:
                out.append((cursor, end, member, None, index, cursor == begin))
        return sorted((piece for piece in out if piece[1] > lo and piece[0] < hi), key=lambda p: p[0])


class Schedule:
    """Resolves teams at instants; build once per configuration (plus CLI overrides) and query often.

    Overrides naming an unknown team, layer or person are left out and listed in ``ignored``.
    """

    def __init__(
        self,
        teams: Mapping[str, Team],
        people: Mapping[str, Person],
        zone: ZoneInfo,
        overrides: Iterable[Override] = (),
        is_holiday: IsHoliday = no_holidays,
    ) -> None:
        self.teams, self.people, self.zone, self.is_holiday = teams, people, zone, is_holiday
        per_layer: dict[tuple[str, str], list[tuple[float, float, Override]]] = {}
        ignored: list[Override] = []
        for override in overrides:
            team = teams.get(override.team)
            if team is None or team.layer(override.layer) is None or override.person not in people:
                ignored.append(override)
            elif override.end.timestamp() > override.start.timestamp():
                key = (override.team, override.layer)
                per_layer.setdefault(key, []).append(
                    (override.start.timestamp(), override.end.timestamp(), override)
                )
        self.ignored: tuple[Override, ...] = tuple(ignored)
        self._layers: dict[str, tuple[_LayerIndex, ...]] = {
            team_id: tuple(
                _LayerIndex(layer, level, zone, per_layer.get((team_id, layer.name), []))
                for level, layer in enumerate(team.layers, start=1)
            )
            for team_id, team in teams.items()
        }

    def who(self, team_id: str, at: datetime) -> TeamStatus:
        """The team at instant ``at`` (an aware datetime). Raises KeyError for an unknown team."""
        if at.tzinfo is None:
            raise ValueError("who() needs an aware datetime")
        team, layers = self.teams[team_id], self._layers[team_id]
        ts = at.timestamp()
        local = at.astimezone(self.zone)
        in_service = team.service_hours is None or team.service_hours.contains(local, self.is_holiday)
        chain: list[Responder] = []
        seen: set[str] = set()
        for index in layers:
            person_id, until, override = index.holder(ts, local)
            if person_id is None or person_id in seen:
                continue
            seen.add(person_id)
            until_at = datetime.fromtimestamp(until, self.zone)   # always finite: a hand-off comes
            chain.append(
                Responder(len(chain) + 1, index.layer.name, self.people[person_id], until_at, override)
            )
        dial = None if in_service else team.outside_service_dial
        return TeamStatus(team_id, local, in_service, dial, tuple(chain))

    def shifts(self, team_id: str, start: datetime, end: datetime) -> list[Shift]:
        """Every shift of the team's layers overlapping [start, end), whole, by layer then time.

        A rotation shift cut by an override comes back as the pieces around it, the override
        as its own shift. People are not de-duplicated across layers here.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("shifts() needs aware datetimes")
        lo, hi = start.timestamp(), end.timestamp()
        result: list[Shift] = []
        if hi <= lo:
            return result
        for index in self._layers[team_id]:
            for begin, finish, person_id, override, k, from_handoff in index.pieces(lo, hi, self.zone):
                result.append(
                    Shift(
                        team=team_id,
                        layer=index.layer.name,
                        level=index.level,
                        person=self.people[person_id],
                        start=datetime.fromtimestamp(begin, self.zone),
                        end=datetime.fromtimestamp(finish, self.zone),
                        override=override is not None,
                        reason=override.reason if override else "",
                        override_id=override.id if override else "",
                        rotation_index=k,
                        from_handoff=from_handoff,
                    )
                )
        return result

