"""Rest and working-time checks of ``legal`` (pure): daily and weekly rest, days worked, maxima.

Work is the union of regular working time and interventions (travel included), merged into
blocks; the gaps between blocks are rest (astreinte without intervention counts as rest,
L3121-10).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from astreinte.domain.legal import (
    HOUR,
    Finding,
    LegalSettings,
    PersonTime,
    local,
    overlap,
    shift_days,
    span_hours,
    weeks,
)
from astreinte.domain.timesplit import Calendar, Span, merge


def blocks(person: PersonTime) -> list[tuple[datetime, datetime, bool]]:
    """Merged work blocks, each flagged when it holds an intervention."""
    merged = merge((*person.work, *person.interventions))
    result = []
    for lo, hi in merged:
        has = any(s < hi and e > lo for s, e in person.interventions)
        result.append((lo, hi, has))
    return result


def check_rest(person: PersonTime, settings: LegalSettings, calendar: Calendar,
               start: datetime, end: datetime) -> list[Finding]:
    findings: list[Finding] = []
    work = blocks(person)
    for index, (lo, hi, has) in enumerate(work):
        if not has or index + 1 >= len(work) or not (start <= hi < end):
            continue
        following = work[index + 1][0]
        gap = (following - hi).total_seconds()
        if gap >= settings.daily_rest:
            continue
        before = (lo - work[index - 1][1]).total_seconds() if index > 0 else float("inf")
        if before >= settings.daily_rest:
            continue
        findings.append(Finding(
            "daily_rest", "error", person.person, hi, following,
            f"{person.person}: intervention ended {local(hi, calendar)}, work again {local(following, calendar)}: "
            f"{span_hours(gap)} of rest, {span_hours(settings.daily_rest)} owed "
            f"(rest before the intervention: {span_hours(before) if before != float('inf') else 'unknown'})"))
    if not person.interventions:
        return findings      # regular working time alone is the employer's planning, not astreinte's
    spans = [(lo, hi) for lo, hi, _ in work]
    for week_start in weeks(calendar, start, end):
        week_end = shift_days(week_start, 7)
        if not any(s < week_end and e > week_start for s, e in person.interventions):
            continue
        longest = _longest_rest(spans, week_start, week_end)
        if longest < settings.weekly_rest:
            findings.append(Finding(
                "weekly_rest", "error", person.person, week_start, week_end,
                f"{person.person}: longest rest in the week of {local(week_start, calendar)[:15]} is "
                f"{span_hours(longest)}, {span_hours(settings.weekly_rest)} required"))
        days = _days_worked(spans, calendar, week_start)
        if days > settings.max_working_days:
            findings.append(Finding(
                "working_days", "error", person.person, week_start, week_end,
                f"{person.person}: {days} days with work in the week of {local(week_start, calendar)[:15]} "
                f"(at most {settings.max_working_days})"))
    return findings


def _longest_rest(spans: list[Span], week_start: datetime, week_end: datetime) -> float:
    """The longest gap between work blocks within the civil week (gaps clipped to its edges)."""
    ends = [week_start, *(min(max(e, week_start), week_end) for _, e in spans)]
    starts = [*(max(min(s, week_end), week_start) for s, _ in spans), week_end]
    return max((b - a).total_seconds() for a, b in zip(ends, starts, strict=True))


def _days_worked(spans: list[Span], calendar: Calendar, week_start: datetime) -> int:
    count = 0
    for n in range(7):
        lo, hi = shift_days(week_start, n), shift_days(week_start, n + 1)
        if overlap(spans, lo, hi) > 0:
            count += 1
    return count


def check_working_time(person: PersonTime, settings: LegalSettings, calendar: Calendar,
                       start: datetime, end: datetime) -> list[Finding]:
    """Maxima per day, per week and on average over 12 weeks (warnings; skipped for forfait-jours)."""
    if not person.interventions:
        return []
    findings: list[Finding] = []
    spans = [(lo, hi) for lo, hi, _ in blocks(person)]
    day = start.astimezone(calendar.zone).date()
    while calendar.local_midnight(day) < end:
        lo, hi = calendar.local_midnight(day), calendar.local_midnight(day + timedelta(days=1))
        worked = overlap(spans, lo, hi)
        if worked > settings.max_day and overlap(person.interventions, lo, hi) > 0:
            findings.append(Finding("max_day", "warning", person.person, lo, hi,
                                    f"{person.person}: {span_hours(worked)} of work on {day:%a %d %b %Y} "
                                    f"(at most {span_hours(settings.max_day)})"))
        day += timedelta(days=1)
    for week_start in weeks(calendar, start, end):
        week_end = shift_days(week_start, 7)
        worked = overlap(spans, week_start, week_end)
        if worked > settings.max_week:
            findings.append(Finding("max_week", "warning", person.person, week_start, week_end,
                                    f"{person.person}: {span_hours(worked)} of work in the week of "
                                    f"{local(week_start, calendar)[:15]} (at most {span_hours(settings.max_week)})"))
        twelve = shift_days(week_start, -7 * 11)
        average = overlap(spans, twelve, week_end) / 12
        if average > settings.max_average_week:
            findings.append(Finding("average_12_weeks", "warning", person.person, twelve, week_end,
                                    f"{person.person}: {span_hours(average)} a week on average over the 12 weeks "
                                    f"to {local(week_end, calendar)[:15]} (at most "
                                    f"{span_hours(settings.max_average_week)})"))
    return findings


__all__ = ["HOUR", "blocks", "check_rest", "check_working_time"]
