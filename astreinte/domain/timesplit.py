"""Split time by kind — weekday, night, Saturday, Sunday, holiday — in the configured zone.

Each instant has exactly one kind, read on the local wall clock, in this order of precedence:

1. ``holiday``  — the local date is a public holiday of the configured calendar;
2. ``sunday``   — the local date is a Sunday;
3. ``night``    — the local time is inside the night window (default 21:00-06:00, L3122-20);
4. ``saturday`` — the local date is a Saturday;
5. ``weekday``  — anything else.

So a Saturday 23:00 is ``night`` (the higher intervention rate) and a Sunday 03:00 is ``sunday``.
Durations are real elapsed seconds: the local night of a DST change lasts 8 h or 10 h, a
Sunday of a spring DST change lasts 23 h. Everything is pure: instants and calendars in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from astreinte.domain.hours import IsHoliday, WeekHours, Window, no_holidays

Kind = Literal["weekday", "night", "saturday", "sunday", "holiday"]
KINDS: tuple[Kind, ...] = ("weekday", "night", "saturday", "sunday", "holiday")
DEFAULT_NIGHT = Window(21 * 60, 9 * 60)
CENT = Decimal("0.01")
Span = tuple[datetime, datetime]


def cents(amount: Decimal) -> Decimal:
    """Round half up to the cent (the usual payroll rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def hours(seconds: int) -> Decimal:
    """Seconds as hours, to the hundredth (for display; amounts are computed from seconds)."""
    return cents(Decimal(seconds) / 3600)


@dataclass(frozen=True)
class Calendar:
    """What the split needs to know: the zone, the public holidays and the night window."""

    zone: ZoneInfo
    is_holiday: IsHoliday = no_holidays
    night: Window = DEFAULT_NIGHT

    def kind_at(self, moment: datetime) -> Kind:
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_holiday(day):
            return "holiday"
        if day.weekday() == 6:
            return "sunday"
        if self.in_night(local):
            return "night"
        if day.weekday() == 5:
            return "saturday"
        return "weekday"

    def in_night(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        start, end = self.night.start, self.night.start + self.night.length
        return start <= minute < end or start <= minute + 24 * 60 < end

    def local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone)

    def at_minute(self, day: date, minute: int) -> datetime:
        """The aware instant of local ``day`` + ``minute`` (may run into the next days)."""
        extra, minute = divmod(minute, 24 * 60)
        return datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60), tzinfo=self.zone)


def _boundaries(calendar: Calendar, start: datetime, end: datetime) -> list[float]:
    """Every instant in [start, end] where the kind may change (local midnights, night edges)."""
    lo, hi = start.timestamp(), end.timestamp()
    first = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date() + timedelta(days=1)
    points = {lo, hi}
    day = first
    night_end = (calendar.night.start + calendar.night.length) % (24 * 60)
    while day <= last:
        for minute in (0, calendar.night.start, night_end):
            ts = calendar.at_minute(day, minute).timestamp()
            if lo < ts < hi:
                points.add(ts)
        day += timedelta(days=1)
    return sorted(points)


def pieces(calendar: Calendar, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime, Kind]]:
    """[start, end) cut where the kind changes, each piece with its kind (UTC instants)."""
    points = _boundaries(calendar, start, end)
    for lo, hi in pairwise(points):
        if hi > lo:
            begin = datetime.fromtimestamp(lo, UTC)
            yield begin, datetime.fromtimestamp(hi, UTC), calendar.kind_at(begin)


def split(calendar: Calendar, spans: Iterable[Span]) -> dict[Kind, int]:
    """Seconds of each kind in the union of ``spans`` (overlaps count once)."""
    totals: dict[Kind, int] = dict.fromkeys(KINDS, 0)
    for begin, finish in merge(spans):
        for lo, hi, kind in pieces(calendar, begin, finish):
            totals[kind] += round(hi.timestamp() - lo.timestamp())
    return totals


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint union of [start, end) spans (UTC); empty spans dropped."""
    ordered = sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in spans if e > s)
    merged: list[Span] = []
    for begin, finish in ordered:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def intersect(spans: Iterable[Span], others: Iterable[Span]) -> list[Span]:
    """The parts of ``spans`` also covered by ``others``."""
    result: list[Span] = []
    theirs = merge(others)
    for begin, finish in merge(spans):
        for lo, hi in theirs:
            a, b = max(begin, lo), min(finish, hi)
            if a < b:
                result.append((a, b))
    return result


def subtract(spans: Iterable[Span], others: Iterable[Span]) -> list[Span]:
    """The parts of ``spans`` not covered by ``others``."""
    result: list[Span] = []
    theirs = merge(others)
    for begin, finish in merge(spans):
        cursor = begin
        for lo, hi in theirs:
            if hi <= cursor or lo >= finish:
                continue
            if lo > cursor:
                result.append((cursor, lo))
            cursor = max(cursor, hi)
        if cursor < finish:
            result.append((cursor, finish))
    return result


def covered(calendar: Calendar, week: WeekHours, start: datetime, end: datetime,
            *, holidays_off: bool = False) -> list[Span]:
    """The spans of [start, end) inside weekly hours (``service_hours``, ``work_hours``).

    With ``holidays_off`` (regular working time), a public holiday only keeps the windows of a
    ``holidays:`` rule: nobody is expected at work on 11 November because it is a Wednesday.
    """
    spans: list[Span] = []
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        windows = week.windows_on(day, calendar.is_holiday)
        if holidays_off and calendar.is_holiday(day):
            windows = week.windows_on(day, calendar.is_holiday)[len(week.windows_on(day, no_holidays)):]
        for window in windows:
            lo = calendar.at_minute(day, window.start)
            hi = calendar.at_minute(day, window.start + window.length)
            spans.append((max(lo, start), min(hi, end)))
        day += timedelta(days=1)
    return merge(spans)
