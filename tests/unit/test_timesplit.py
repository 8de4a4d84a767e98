"""Time split by kind, hand-computed: March 2027 holds the spring DST change (Sunday 28, which is
also Easter Sunday), Easter Monday (29, a public holiday everywhere in France) and Good Friday
(26, a holiday in Alsace-Moselle only: subdivision "57", L3134-13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.holidays import HolidayCalendar, HolidaySettings
from astreinte.domain.hours import HoursRule, WeekHours, Window
from astreinte.domain.timesplit import Calendar, covered, intersect, merge, split, subtract

PARIS = ZoneInfo("Europe/Paris")
H = 3600


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def calendar(subdivision: str | None = None) -> Calendar:
    return Calendar(PARIS, HolidayCalendar(HolidaySettings("FR", subdivision)))


def test_a_whole_month_with_dst_easter_monday_and_good_friday() -> None:
    # 31 days, one of 23 h: 743 h. 22 weekdays (23 Mon-Fri minus Easter Monday), 4 Saturdays,
    # 4 Sundays (the 28th has 23 h), 1 holiday. A weekday or Saturday has 9 h of night
    # (00-06, 21-24); the rest of a weekday is weekday (15 h), of a Saturday, saturday (15 h).
    month = [(at("2027-03-01T00:00"), at("2027-04-01T00:00"))]
    assert split(calendar(), month) == {
        "weekday": 22 * 15 * H, "night": 26 * 9 * H, "saturday": 4 * 15 * H,
        "sunday": (3 * 24 + 23) * H, "holiday": 24 * H,
    }
    # Moselle: Good Friday (26 March) is a holiday too: one weekday fewer.
    assert split(calendar("57"), month) == {
        "weekday": 21 * 15 * H, "night": 25 * 9 * H, "saturday": 4 * 15 * H,
        "sunday": (3 * 24 + 23) * H, "holiday": 48 * H,
    }
    assert sum(split(calendar("57"), month).values()) == 743 * H


def test_the_night_of_the_autumn_change_lasts_one_hour_more() -> None:
    # Saturday 24 -> Sunday 25 October 2026: 21:00-24:00 night, then the Sunday (25 h day) until 06:00 = 7 h.
    totals = split(calendar(), [(at("2026-10-24T21:00"), at("2026-10-25T06:00"))])
    assert totals == {"weekday": 0, "night": 3 * H, "saturday": 0, "sunday": 7 * H, "holiday": 0}


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2026-11-10T18:00", "2026-11-11T02:00", {"weekday": 3 * H, "night": 3 * H, "holiday": 2 * H}),
    ("2026-11-14T05:00", "2026-11-14T22:00", {"night": 2 * H, "saturday": 15 * H}),
    ("2026-11-13T20:30", "2026-11-13T21:30", {"weekday": 1800, "night": 1800}),
])
def test_kinds_and_precedence(start: str, end: str, expected: dict[str, int]) -> None:
    totals = split(calendar(), [(at(start), at(end))])
    assert {k: v for k, v in totals.items() if v} == expected


def test_a_configured_night_window() -> None:
    late = Calendar(PARIS, night=Window.parse("22:00-07:00"))
    assert split(late, [(at("2026-11-10T21:00"), at("2026-11-10T23:00"))])["night"] == H


def test_span_algebra() -> None:
    a = [(at("2026-11-10T08:00"), at("2026-11-10T12:00")), (at("2026-11-10T11:00"), at("2026-11-10T13:00"))]
    assert merge(a) == [(at("2026-11-10T08:00"), at("2026-11-10T13:00"))]
    b = [(at("2026-11-10T09:00"), at("2026-11-10T10:00"))]
    assert subtract(a, b) == [(at("2026-11-10T08:00"), at("2026-11-10T09:00")),
                              (at("2026-11-10T10:00"), at("2026-11-10T13:00"))]
    assert intersect(a, b) == b


def test_covered_work_hours_skip_public_holidays() -> None:
    work = WeekHours((HoursRule("weekdays", (Window.parse("08:30-17:30"),)),))
    spans = covered(calendar(), work, at("2026-11-10T00:00"), at("2026-11-13T00:00"), holidays_off=True)
    assert spans == [(at("2026-11-10T08:30"), at("2026-11-10T17:30")),
                     (at("2026-11-12T08:30"), at("2026-11-12T17:30"))]
