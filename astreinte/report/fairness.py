"""Fairness over a year: weeks, nights, weekends and holidays on call per person, and
interventions, side by side (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from astreinte.domain.compensation import Intervention
from astreinte.domain.legal import overlap, shift_days, weeks
from astreinte.report import facts

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule

COLUMNS = ("person", "weeks", "nights", "weekends", "holidays", "interventions", "intervention_hours")


def build(config: Config, schedule: Schedule, interventions: Sequence[Intervention], year: int) -> list[dict[str, Any]]:
    calendar = facts.calendar_of(config)
    start, end = calendar.local_midnight(date(year, 1, 1)), calendar.local_midnight(date(year + 1, 1, 1))
    spans = facts.astreinte(config, facts.shifts(config, schedule, start, end), start, end)
    rows = []
    for person in sorted(set(spans) | {i.person for i in interventions}):
        mine = spans.get(person, [])
        week_count = sum(1 for monday in weeks(calendar, start - timedelta(days=6), end + timedelta(days=6))
                         if overlap(mine, monday, shift_days(monday, 7)) >= 24 * 3600)
        nights = weekends = holidays = 0
        day = date(year, 1, 1)
        while day.year == year:
            night_lo = calendar.at_minute(day, calendar.night.start)
            night_hi = calendar.at_minute(day, calendar.night.start + calendar.night.length)
            day_lo, day_hi = calendar.local_midnight(day), calendar.local_midnight(day + timedelta(days=1))
            nights += overlap(mine, night_lo, night_hi) > 0
            if day.weekday() == 5:
                weekends += overlap(mine, day_lo, calendar.local_midnight(day + timedelta(days=2))) > 0
            if calendar.is_holiday(day):
                holidays += overlap(mine, day_lo, day_hi) > 0
            day += timedelta(days=1)
        done = [i for i in interventions if i.person == person and start <= i.start < end]
        worked = sum((i.working[1] - i.working[0]).total_seconds() for i in done)
        rows.append({"person": person, "weeks": week_count, "nights": nights, "weekends": weekends,
                     "holidays": holidays, "interventions": len(done), "intervention_hours": round(worked / 3600, 2)})
    return rows
