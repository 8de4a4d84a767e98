"""French labour-law checks on astreinte data (pure: instants, spans and settings in, findings out).

=====================  ===========================================================  =========================
rule                   what is checked                                              article
=====================  ===========================================================  =========================
``notice``             on-call time published >= ``notice_days`` before it starts;  L3121-12 2°, R3121-3
                       shorter needs an exceptional reason and one *jour franc*
``unpublished``        on-call time no publication ever announced                    R3121-3
``daily_rest``         11 h without work after an intervention, unless 11 h were    L3131-1, L3121-10
                       taken just before it
``weekly_rest``        35 consecutive hours without work in every week              L3132-2
``working_days``       at most 6 days with work in a week                           L3132-1
``max_day``            at most 10 h of work a day (not for forfait-jours)           L3121-18, L3121-62
``max_week``           at most 48 h of work a week (not for forfait-jours)          L3121-20, L3121-62
``average_12_weeks``   at most 44 h a week on average over 12 weeks                 L3121-22, L3121-62
``consecutive_weeks``  astreinte weeks in a row (configured agreement limit)        agreement (L3121-11)
``periods_per_month``  24 h periods of astreinte per month (configured limit)       agreement (L3121-11)
``leave``              astreinte during leave (error), or on the weekend next to    agreement (L3121-11)
                       it (warning)
``requalification``    more interventions in one night than configured: the whole   CJEU C-344/19, C-580/19
                       period may be working time (warning)
=====================  ===========================================================  =========================

Work is the person's regular working time (``work_hours``) plus interventions (travel
included); astreinte time without intervention counts as rest (L3121-10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from astreinte.domain.hours import Window
from astreinte.domain.timesplit import DEFAULT_NIGHT, Calendar, Span, merge

Severity = Literal["error", "warning"]
HOUR = 3600
ARTICLES: Mapping[str, str] = {
    "notice": "Code du travail L3121-12 2°, R3121-3",
    "unpublished": "Code du travail R3121-3",
    "daily_rest": "Code du travail L3131-1, L3121-10",
    "weekly_rest": "Code du travail L3132-2",
    "working_days": "Code du travail L3132-1",
    "max_day": "Code du travail L3121-18",
    "max_week": "Code du travail L3121-20",
    "average_12_weeks": "Code du travail L3121-22",
    "consecutive_weeks": "accord collectif (L3121-11)",
    "periods_per_month": "accord collectif (L3121-11)",
    "leave": "accord collectif (L3121-11)",
    "requalification": "CJUE 9 mars 2021 C-344/19, C-580/19; Cass. soc. 26 oct. 2022 n°21-14.178",
}


@dataclass(frozen=True)
class LegalSettings:
    """The ``legal:`` block. Durations in seconds; ``None`` switches a fairness check off."""

    notice_days: int = 15
    min_notice_days: int = 1
    daily_rest: int = 11 * HOUR
    weekly_rest: int = 35 * HOUR
    max_day: int = 10 * HOUR
    max_week: int = 48 * HOUR
    max_average_week: int = 44 * HOUR
    max_working_days: int = 6
    max_consecutive_weeks: int | None = None
    max_24h_periods_per_month: int | None = None
    max_interventions_per_night: int | None = None
    night: Window = DEFAULT_NIGHT
    since: date | None = None               # adoption: nothing before this local day is checked


@dataclass(frozen=True)
class Finding:
    """One breach: the rule, whose, when, the article, and a sentence for people."""

    rule: str
    severity: Severity
    person: str
    start: datetime
    end: datetime
    message: str

    @property
    def article(self) -> str:
        return ARTICLES.get(self.rule, "")

    def to_json(self, calendar: Calendar) -> dict[str, Any]:
        zone = calendar.zone
        return {"rule": self.rule, "severity": self.severity, "person": self.person,
                "start": self.start.astimezone(zone).isoformat(timespec="seconds"),
                "end": self.end.astimezone(zone).isoformat(timespec="seconds"),
                "article": self.article, "message": self.message}


@dataclass(frozen=True)
class Notice:
    """On-call time [start, end) of ``person`` first told by the publication at ``published_at``.

    ``reason`` is the exceptional reason given (an override's reason), if any.
    """

    person: str
    team: str
    layer: str
    start: datetime
    end: datetime
    published_at: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class PersonTime:
    """What the checks know of one person over the checked range (and the 12 weeks before it)."""

    person: str
    astreinte: tuple[Span, ...] = ()       # on call while the team is in service
    work: tuple[Span, ...] = ()            # regular working time (work_hours)
    interventions: tuple[Span, ...] = ()   # working spans, travel included
    forfait_jours: bool = False
    leave: tuple[tuple[date, date], ...] = ()


def local(moment: datetime, calendar: Calendar) -> str:
    return moment.astimezone(calendar.zone).strftime("%a %d %b %Y %H:%M")


def span_hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes % 60 else f"{minutes // 60} h"


def adopted(settings: LegalSettings, calendar: Calendar) -> datetime | None:
    """Local midnight of ``legal.since``, the day astreinte became the record of the rota."""
    return None if settings.since is None else calendar.local_midnight(settings.since)


def announced_before_adoption(notice: Notice, settings: LegalSettings, calendar: Calendar,
                              baseline: datetime | None) -> bool:
    """Time the rota already held when astreinte was adopted, announced by the previous means.

    That is on-call time the baseline (the first publication on or after ``legal.since``) or an
    earlier one published less than ``notice_days`` ahead, and time that started before the
    baseline was published (the current shift on the adoption day): astreinte cannot have
    announced it in time, the paper rota did.
    """
    since = adopted(settings, calendar)
    if since is None:
        return False
    reference = since if baseline is None else baseline
    if notice.start.timestamp() >= reference.timestamp() + settings.notice_days * 86400:
        return False
    if notice.published_at is None:
        return baseline is None or notice.start < baseline
    return notice.published_at < since or (baseline is not None and notice.published_at <= baseline)


def check_notice(notices: Iterable[Notice], settings: LegalSettings, calendar: Calendar,
                 start: datetime, end: datetime, baseline: datetime | None = None) -> list[Finding]:
    """Each stretch of on-call time in [start, end) against the publication that announced it.

    With ``legal.since``, nothing before that day is checked, nor the time the rota held at the
    adoption (``announced_before_adoption``; ``baseline`` is the first publication since then).
    """
    findings: list[Finding] = []
    since = adopted(settings, calendar)
    if since is not None:
        start = max(start, since)
    for notice in notices:
        if notice.end <= start or notice.start >= end:
            continue
        if announced_before_adoption(notice, settings, calendar, baseline):
            continue
        where = f"{notice.team}/{notice.layer}"
        if notice.published_at is None:
            findings.append(Finding("unpublished", "error", notice.person, notice.start, notice.end,
                                    f"{notice.person}: on call ({where}) from {local(notice.start, calendar)} "
                                    "but no publication announced it (run astreinte rota load)"))
            continue
        ahead = notice.start - notice.published_at
        if ahead >= timedelta(days=settings.notice_days):
            continue
        franc = (notice.start.astimezone(calendar.zone).date()
                 - notice.published_at.astimezone(calendar.zone).date()).days - 1
        days = ahead.total_seconds() / 86400
        exceptional = bool(notice.reason) and franc >= settings.min_notice_days
        severity: Severity = "warning" if exceptional else "error"
        why = (f"exceptional reason '{notice.reason}'" if exceptional else
               f"less than {settings.min_notice_days} jour(s) franc(s)" if franc < settings.min_notice_days
               else "no exceptional reason given")
        findings.append(Finding(
            "notice", severity, notice.person, notice.start, notice.end,
            f"{notice.person}: on call ({where}) from {local(notice.start, calendar)}, published "
            f"{local(notice.published_at, calendar)}: {days:.1f} days ahead, {settings.notice_days} required "
            f"({why})"))
    return findings


def check_fairness(person: PersonTime, settings: LegalSettings, calendar: Calendar,
                   start: datetime, end: datetime) -> list[Finding]:
    """Consecutive astreinte weeks, 24 h periods per month, leave and the weekends beside it."""
    findings: list[Finding] = []
    spans = merge(person.astreinte)
    if settings.max_consecutive_weeks is not None:
        run: list[datetime] = []
        for week_start in weeks(calendar, start, end):
            week_end = shift_days(week_start, 7)
            if overlap(spans, week_start, week_end) >= 24 * HOUR:
                run.append(week_start)
                if len(run) == settings.max_consecutive_weeks + 1:
                    findings.append(Finding(
                        "consecutive_weeks", "warning", person.person, run[0], week_end,
                        f"{person.person}: {len(run)} astreinte weeks in a row from {local(run[0], calendar)} "
                        f"(at most {settings.max_consecutive_weeks})"))
            else:
                run = []
    if settings.max_24h_periods_per_month is not None:
        for month_start, month_end in months(calendar, start, end):
            seconds = overlap(spans, month_start, month_end)
            if seconds > settings.max_24h_periods_per_month * 24 * HOUR:
                findings.append(Finding(
                    "periods_per_month", "warning", person.person, month_start, month_end,
                    f"{person.person}: {seconds / 86400:.1f} periods of 24 h of astreinte in "
                    f"{month_start.astimezone(calendar.zone):%Y-%m} (at most {settings.max_24h_periods_per_month})"))
    for first, last in person.leave:
        lo, hi = calendar.local_midnight(first), calendar.local_midnight(last + timedelta(days=1))
        if overlap(spans, lo, hi) > 0 and hi > start and lo < end:
            findings.append(Finding("leave", "error", person.person, lo, hi,
                                    f"{person.person}: on call during leave {first} to {last}"))
        for day in [first - timedelta(days=n) for n in (1, 2)] + [last + timedelta(days=n) for n in (1, 2)]:
            if day.weekday() >= 5:
                d_lo, d_hi = calendar.local_midnight(day), calendar.local_midnight(day + timedelta(days=1))
                if overlap(spans, d_lo, d_hi) > 0 and d_hi > start and d_lo < end:
                    findings.append(Finding("leave", "warning", person.person, d_lo, d_hi,
                                            f"{person.person}: on call on {day:%a %d %b %Y}, the weekend next to "
                                            f"leave {first} to {last}"))
    return findings


def check_requalification(person: PersonTime, settings: LegalSettings, calendar: Calendar,
                          start: datetime, end: datetime) -> list[Finding]:
    """Nights (night window starting each local day) with more interventions than configured."""
    limit = settings.max_interventions_per_night
    if limit is None or not person.interventions:
        return []
    findings: list[Finding] = []
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    while calendar.local_midnight(day) < end:
        lo = calendar.at_minute(day, calendar.night.start)
        hi = calendar.at_minute(day, calendar.night.start + calendar.night.length)
        count = sum(1 for s, e in person.interventions if s < hi and e > lo)
        if count > limit and hi > start:
            findings.append(Finding("requalification", "warning", person.person, lo, hi,
                                    f"{person.person}: {count} interventions in the night of {day:%a %d %b %Y} "
                                    f"(more than {limit}): the astreinte may be requalified as working time"))
        day += timedelta(days=1)
    return findings


def overlap(spans: Iterable[Span], lo: datetime, hi: datetime) -> float:
    """Seconds of ``spans`` inside [lo, hi)."""
    return sum(max(0.0, (min(e, hi) - max(s, lo)).total_seconds()) for s, e in spans)


def shift_days(moment: datetime, days: int) -> datetime:
    """Same local wall time ``days`` later (moment must carry the zone as tzinfo)."""
    return (moment.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=moment.tzinfo)


def weeks(calendar: Calendar, start: datetime, end: datetime) -> list[datetime]:
    """Local Monday midnights of the weeks lying entirely within [start, end)."""
    day = start.astimezone(calendar.zone).date()
    monday = day + timedelta(days=(7 - day.weekday()) % 7)
    if calendar.local_midnight(monday) < start:
        monday += timedelta(days=7)
    result = []
    while calendar.local_midnight(monday + timedelta(days=7)) <= end:
        result.append(calendar.local_midnight(monday))
        monday += timedelta(days=7)
    return result


def months(calendar: Calendar, start: datetime, end: datetime) -> list[Span]:
    """Local calendar months overlapping [start, end), whole."""
    day = start.astimezone(calendar.zone).date().replace(day=1)
    result = []
    while calendar.local_midnight(day) < end:
        following = (day + timedelta(days=32)).replace(day=1)
        result.append((calendar.local_midnight(day), calendar.local_midnight(following)))
        day = following
    return result
