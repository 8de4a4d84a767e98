"""Service hours: windows crossing midnight, weekends, public holidays (with a subdivision), gaps."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from astreinte.adapters.holidays import HolidayCalendar, HolidaySettings
from astreinte.domain.hours import HoursRule, WeekHours, Window, irregular_gaps, no_holidays

FRANCE = HolidayCalendar(HolidaySettings("FR"))
MOSELLE = HolidayCalendar(HolidaySettings("FR", "57"))


def hours(**rules: str | list[str]) -> WeekHours:
    return WeekHours(tuple(
        HoursRule(day, tuple(Window.parse(w) for w in ([spec] if isinstance(spec, str) else spec)))
        for day, spec in rules.items()
    ))


EXAMPLE = hours(weekdays="18:00-08:30", weekends="all-day", holidays="all-day")

# (case, local wall time, calendar, in service?)
EXAMPLE_CASES = [
    ("Monday morning: literally outside (weekend ended Mon 00:00)", "2026-11-02T08:00", FRANCE, False),
    ("Monday 00:00 is already outside", "2026-11-09T00:00", FRANCE, False),
    ("Sunday 23:59 is weekend", "2026-11-08T23:59", FRANCE, True),
    ("Monday 17:59 business hours", "2026-11-02T17:59", FRANCE, False),
    ("Monday 18:00 evening starts", "2026-11-02T18:00", FRANCE, True),
    ("Tuesday 03:00 crosses midnight from Monday", "2026-11-03T03:00", FRANCE, True),
    ("Tuesday 08:29 still Monday's window", "2026-11-03T08:29", FRANCE, True),
    ("Tuesday 08:30 window over", "2026-11-03T08:30", FRANCE, False),
    ("Friday 18:00 evening", "2026-11-06T18:00", FRANCE, True),
    ("Saturday 08:30 weekend (Fri window ended, all-day on)", "2026-11-07T08:30", FRANCE, True),
    ("Saturday noon", "2026-11-07T12:00", FRANCE, True),
    ("holiday on a Wednesday (11 Nov): noon", "2026-11-11T12:00", FRANCE, True),
    ("the day after a holiday: 08:00 covered by the holiday's evening window", "2026-11-12T08:00", FRANCE, True),
    ("the day after a holiday: noon is business hours", "2026-11-12T12:00", FRANCE, False),
    ("Good Friday is not a national holiday", "2027-03-26T12:00", FRANCE, False),
    ("Good Friday is a holiday in Moselle (57)", "2027-03-26T12:00", MOSELLE, True),
    ("26 Dec (a Tuesday in 2028) is not a national holiday", "2028-12-26T12:00", FRANCE, False),
    ("26 Dec is a holiday in Moselle (57)", "2028-12-26T12:00", MOSELLE, True),
    ("no calendar: a holiday is a plain weekday", "2026-11-11T12:00", no_holidays, False),
]


@pytest.mark.parametrize(("case", "wall", "calendar", "expected"), EXAMPLE_CASES, ids=[c[0] for c in EXAMPLE_CASES])
def test_reference_service_hours(case: str, wall: str, calendar: HolidayCalendar, expected: bool) -> None:
    assert EXAMPLE.contains(datetime.fromisoformat(wall), calendar) is expected


def test_day_names_and_lists_of_windows() -> None:
    friday = hours(friday=["12:00-14:00", "22:00-02:00"])
    assert friday.contains(datetime(2026, 11, 6, 13, 0))
    assert not friday.contains(datetime(2026, 11, 6, 15, 0))
    assert friday.contains(datetime(2026, 11, 7, 1, 59))           # Friday's 22:00-02:00 ends Saturday
    assert not friday.contains(datetime(2026, 11, 7, 2, 0))
    assert not friday.contains(datetime(2026, 11, 13, 1, 0))       # Thursday night is not Friday's


@pytest.mark.parametrize(("text", "start", "length"), [
    ("all-day", 0, 1440), ("00:00-24:00", 0, 1440), ("18:00-08:30", 1080, 870), ("08:30-17:30", 510, 540),
    ("23:00-00:00", 1380, 60),
])
def test_window_parsing(text: str, start: int, length: int) -> None:
    assert Window.parse(text) == Window(start, length)


@pytest.mark.parametrize("text", ["18:00", "8-9", "25:00-08:00", "08:00-08:00", "08:60-09:00", "24:00-01:00", ""])
def test_window_parsing_errors(text: str) -> None:
    with pytest.raises(ValueError):
        Window.parse(text)


def test_holiday_calendar_names_subdivision_days() -> None:
    assert MOSELLE(date(2027, 3, 26)) and not FRANCE(date(2027, 3, 26))
    assert MOSELLE.name(date(2028, 12, 26))
    assert not HolidayCalendar(HolidaySettings())(date(2026, 12, 25))


@pytest.mark.parametrize(("rules", "expected"), [
    ({"weekdays": "18:00-08:30", "weekends": "all-day", "holidays": "all-day"}, ["Mon 00:00-08:30"]),
    ({"weekdays": "18:00-08:30", "weekends": "all-day"}, ["Mon 00:00-08:30"]),
    ({"weekdays": "18:00-08:30", "saturday": "all-day", "sunday": "00:00-24:00"}, ["Mon 00:00-08:30"]),
    ({"weekdays": "00:00-08:30", "weekends": "all-day"}, []),                 # evenings are uniformly off
    ({"weekdays": "all-day"}, []),
    ({"weekends": "all-day"}, []),                                            # Mon-Fri uniformly off
    # Saturday morning is covered by Friday's window, Sunday's is not; weekend evenings are uniformly off
    ({"weekdays": "18:00-08:30"}, ["Mon 00:00-08:30", "Sun 00:00-08:30"]),
    ({"monday": "18:00-08:30", "tuesday": "18:00-08:30"}, ["Mon 00:00-08:30", "Wed 18:00-Thu 08:30",
                                                             "Thu 18:00-Fri 08:30", "Fri 18:00-24:00"]),
    ({"weekdays": "18:00-08:30", "saturday": "all-day"}, ["Sun 00:00-Mon 08:30"]),   # runs across midnight
])
def test_irregular_gaps(rules: dict[str, str], expected: list[str]) -> None:
    assert [str(gap) for gap in irregular_gaps(hours(**rules))] == expected
