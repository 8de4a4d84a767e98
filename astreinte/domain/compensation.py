"""Compensation of astreinte periods and interventions under a profile (pure; money in Decimal).

A profile (``astreinte/profiles/*.yaml``, or a company's own file) gives:

* flat amounts per **period**: ``week``, ``weekend`` (Friday night to Monday morning),
  ``weekdays`` (Monday to Friday morning: the four nights Monday-Thursday), ``saturday``,
  ``sunday_holiday``, ``weekday_night``; and/or an amount per complete ``block`` of N hours;
* **hourly intervention rates** by kind (``weekday``, ``night``, ``saturday``, ``sunday``,
  ``holiday``; see ``timesplit``);
* **rest instead of money**: hours of rest per period, and the uplift of intervention hours
  taken as rest, by kind;
* a **short-notice uplift** on period amounts when the period was notified less than N
  *jours francs* before it started.

Periods are cut from each person's merged on-call stretches (whole stretches, not clipped
to the month; a period belongs to the month in which it starts):

1. every 7 local days from the stretch's start make a ``week``;
2. the rest is taken local day by local day: a Sunday or public holiday is
   ``sunday_holiday``, a Saturday ``saturday``, another day ``weekday_night`` when the
   stretch covers part of that day's night (from the night start, 21:00 by default);
3. a Friday night followed by that Saturday and Sunday becomes one ``weekend``, and the
   nights Monday to Thursday of one week become one ``weekdays``, when the profile prices them.

Every amount is rounded half-up to the cent once, per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from astreinte.domain.timesplit import KINDS, Calendar, Kind, Span, cents, merge, split

PeriodKind = Literal["week", "weekend", "weekdays", "saturday", "sunday_holiday", "weekday_night"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("week", "weekend", "weekdays", "saturday", "sunday_holiday",
                                        "weekday_night")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Profile:
    """A compensation scheme. Amounts in ``currency``; rest in hours."""

    name: str
    title: str
    source: str = ""
    currency: str = "EUR"
    periods: Mapping[PeriodKind, Decimal] = field(default_factory=dict)
    block_hours: int | None = None
    block_amount: Decimal = ZERO
    interventions: Mapping[Kind, Decimal] = field(default_factory=dict)
    rest_periods: Mapping[PeriodKind, Decimal] = field(default_factory=dict)
    rest_uplift: Mapping[Kind, Decimal] = field(default_factory=dict)
    short_notice_days: int | None = None
    short_notice_uplift: Decimal = ZERO


@dataclass(frozen=True)
class Period:
    """One priced astreinte period of a person."""

    kind: PeriodKind
    start: datetime
    end: datetime
    amount: Decimal
    short_notice: bool = False
    rest_hours: Decimal = ZERO


@dataclass(frozen=True)
class Intervention:
    """Working time during an astreinte: a call answered, or declared by the person.

    ``travel_seconds`` (to the site and back) is working time too (Cass. soc. 31 Oct 2007):
    half is placed before ``start`` and half after ``end``.
    """

    person: str
    start: datetime
    end: datetime
    on_site: bool = False
    travel_seconds: int = 0
    note: str = ""
    source: str = "manual"        # manual | call | phone
    ref: str = ""                 # store id, or the call id

    @property
    def working(self) -> Span:
        half = timedelta(seconds=self.travel_seconds / 2)
        return (self.start - half).astimezone(UTC), (self.end + half).astimezone(UTC)


@dataclass(frozen=True)
class InterventionPay:
    kind: Kind
    seconds: int
    rate: Decimal
    amount: Decimal
    rest_hours: Decimal


@dataclass(frozen=True)
class Compensation:
    periods: tuple[Period, ...]
    blocks: int
    block_amount: Decimal
    interventions: tuple[InterventionPay, ...]

    @property
    def periods_total(self) -> Decimal:
        return sum((p.amount for p in self.periods), ZERO) + self.block_amount

    @property
    def interventions_total(self) -> Decimal:
        return sum((i.amount for i in self.interventions), ZERO)

    @property
    def total(self) -> Decimal:
        return self.periods_total + self.interventions_total

    @property
    def rest_hours(self) -> Decimal:
        return sum((p.rest_hours for p in self.periods), ZERO) + sum(
            (i.rest_hours for i in self.interventions), ZERO)


def period_units(calendar: Calendar, stretches: Iterable[Span]) -> list[tuple[PeriodKind, datetime, datetime]]:
    """The astreinte periods (before combination) of merged on-call stretches, in time order."""
    units: list[tuple[PeriodKind, datetime, datetime]] = []
    zone = calendar.zone
    for begin, finish in merge(stretches):
        cursor = begin.astimezone(zone)
        end = finish.astimezone(zone)
        while (end.replace(tzinfo=None) - cursor.replace(tzinfo=None)) >= timedelta(days=7):
            week_end = (cursor.replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=zone)
            units.append(("week", cursor, week_end))
            cursor = week_end
        day = cursor.date()
        while calendar.local_midnight(day) < end:
            lo = max(cursor, calendar.local_midnight(day))
            hi = min(end, calendar.local_midnight(day + timedelta(days=1)))
            if lo < hi:
                if calendar.is_holiday(day) or day.weekday() == 6:
                    units.append(("sunday_holiday", lo, hi))
                elif day.weekday() == 5:
                    units.append(("saturday", lo, hi))
                else:
                    night_lo = calendar.at_minute(day, calendar.night.start)
                    night_hi = calendar.at_minute(day, calendar.night.start + calendar.night.length)
                    if max(cursor, night_lo) < min(end, night_hi):
                        units.append(("weekday_night", max(cursor, night_lo), min(end, night_hi)))
            day += timedelta(days=1)
    return units


def combine(units: list[tuple[PeriodKind, datetime, datetime]], priced: Mapping[PeriodKind, Decimal]
            ) -> list[tuple[PeriodKind, datetime, datetime]]:
    """Friday night + Saturday + Sunday -> ``weekend``; nights Mon-Thu of a week -> ``weekdays``."""
    result = list(units)
    if "weekend" in priced:
        index = 0
        while index + 2 < len(result):
            a, b, c = result[index:index + 3]
            if (a[0] == "weekday_night" and a[1].weekday() == 4 and b[0] == "saturday" and c[0] == "sunday_holiday"
                    and b[1].date() - a[1].date() == timedelta(days=1)
                    and c[1].date() - b[1].date() == timedelta(days=1) and c[1].weekday() == 6):
                result[index:index + 3] = [("weekend", a[1], c[2])]
            index += 1
    if "weekdays" in priced:
        index = 0
        while index + 3 < len(result):
            run = result[index:index + 4]
            if (all(u[0] == "weekday_night" for u in run) and run[0][1].weekday() == 0
                    and [u[1].weekday() for u in run] == [0, 1, 2, 3]
                    and run[3][1].date() - run[0][1].date() == timedelta(days=3)):
                result[index:index + 4] = [("weekdays", run[0][1], run[3][2])]
            index += 1
    return result


def jours_francs(notified: datetime, start: datetime, calendar: Calendar) -> int:
    """Whole calendar days strictly between the day of notice and the day the period starts."""
    return (start.astimezone(calendar.zone).date() - notified.astimezone(calendar.zone).date()).days - 1


def compensate(
    profile: Profile,
    calendar: Calendar,
    stretches: Sequence[Span],
    month: tuple[datetime, datetime],
    astreinte_seconds: int,
    interventions: Sequence[Intervention],
    notified: Mapping[datetime, datetime] | None = None,
) -> Compensation:
    """Price one person's month.

    ``stretches`` are the whole on-call stretches touching the month; periods starting in
    ``month`` [start, end) are priced. ``astreinte_seconds`` (in-service on-call time of the
    month) feeds ``block`` pricing. ``notified`` maps a period start to when it was first
    published (for the short-notice uplift; missing means on time).
    """
    lo, hi = month
    units = combine(period_units(calendar, stretches), profile.periods)
    periods: list[Period] = []
    for kind, begin, end in units:
        if not (lo <= begin < hi) or kind not in profile.periods:
            continue
        amount = profile.periods[kind]
        short = False
        if notified is not None and profile.short_notice_days is not None:
            when = _notice_for(notified, begin)
            if when is not None and jours_francs(when, begin, calendar) < profile.short_notice_days:
                short = True
                amount = amount * (1 + profile.short_notice_uplift)
        periods.append(Period(kind, begin, end, cents(amount), short, profile.rest_periods.get(kind, ZERO)))
    blocks = 0
    if profile.block_hours:
        blocks = astreinte_seconds // (profile.block_hours * 3600)
    spans = [i.working for i in interventions]
    clipped = [(max(s, lo), min(e, hi)) for s, e in spans]
    seconds = split(calendar, clipped)
    pay: list[InterventionPay] = []
    for work_kind in KINDS:
        if seconds[work_kind]:
            rate = profile.interventions.get(work_kind, ZERO)
            worked = Decimal(seconds[work_kind]) / 3600
            rest = cents(worked * (1 + profile.rest_uplift.get(work_kind, ZERO)))
            pay.append(InterventionPay(work_kind, seconds[work_kind], rate, cents(worked * rate), rest))
    return Compensation(tuple(periods), blocks, cents(profile.block_amount * blocks), tuple(pay))


def _notice_for(notified: Mapping[datetime, datetime], begin: datetime) -> datetime | None:
    """The publication time of the stretch holding ``begin`` (keys are stretch starts)."""
    earlier = [start for start in notified if start <= begin]
    return notified[max(earlier)] if earlier else None
