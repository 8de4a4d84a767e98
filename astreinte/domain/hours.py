"""Weekly hours (``service_hours``, ``work_hours``): which local wall-clock times are covered.

A rule pairs a day selector with windows::

    weekdays: "18:00-08:30"     # Mon-Fri; the window starts on the listed day, ends the next day
    weekends: all-day           # Sat 00:00 -> Mon 00:00
    holidays: all-day           # each public holiday, 00:00 -> next 00:00
    friday: ["12:00-14:00", "18:00-08:30"]

A window ``"HH:MM-HH:MM"`` whose end is not after its start crosses midnight; ``all-day``
covers the whole local day. The covered time is the union of every window of every rule
matching a day. Times are local wall-clock times (a window bounded at 02:30 on the day
clocks jump from 02:00 to 03:00 simply starts at 03:00).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SELECTORS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    **{name: (number,) for number, name in enumerate(DAY_NAMES)},
}
HOLIDAYS = "holidays"
MINUTES_PER_DAY = 24 * 60

IsHoliday = Callable[[date], bool]


def no_holidays(_day: date) -> bool:
    """The calendar used when no ``holidays:`` country is configured."""
    return False


@dataclass(frozen=True)
class Window:
    """``start`` minutes after local midnight, lasting ``length`` minutes (1..1440)."""

    start: int
    length: int

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"18:00-08:30"`` (crosses midnight), ``"08:30-17:30"``, ``"00:00-24:00"`` or ``all-day``."""
        if text.strip() == "all-day":
            return cls(0, MINUTES_PER_DAY)
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"expected HH:MM-HH:MM or all-day, got {text!r}")
        start, end = parse_minutes(parts[0]), parse_minutes(parts[1], allow_24=True)
        if start == MINUTES_PER_DAY:
            raise ValueError(f"a window cannot start at 24:00 ({text!r})")
        if start == end % MINUTES_PER_DAY and end != MINUTES_PER_DAY:
            raise ValueError(f"window {text!r} is empty; write all-day for a whole day")
        length = (end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY
        return cls(start, length)

    def __str__(self) -> str:
        if self.start == 0 and self.length == MINUTES_PER_DAY:
            return "all-day"
        return f"{format_minutes(self.start)}-{format_minutes((self.start + self.length) % MINUTES_PER_DAY)}"


def parse_minutes(text: str, *, allow_24: bool = False) -> int:
    """``"08:30"`` -> 510 (minutes after midnight); ``"24:00"`` only when ``allow_24``."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2 or len(hours) > 2:
        raise ValueError(f"expected HH:MM, got {text.strip()!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY or (value == MINUTES_PER_DAY and not allow_24):
        raise ValueError(f"{text.strip()!r} is not a time of day")
    return value


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """ISO-8601 date or date-time, in ``zone``; without an offset it is local time in ``zone``.

    The one parser of instants typed by people (``overrides`` in YAML, ``--at``, ``--now``),
    here rather than in ``astreinte.config.values`` so the CLI can use it without loading
    the configuration code.
    """
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"expected YYYY-MM-DDTHH:MM (local) or with an offset, got {shown!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class HoursRule:
    """One line of an hours block: a selector (``weekdays``, ``saturday``, ``holidays``…) and windows."""

    days: str
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class WeekHours:
    """A set of weekly rules; ``contains(local_wall_time)`` says whether that moment is covered."""

    rules: tuple[HoursRule, ...]
    _by_weekday: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False)
    _on_holidays: tuple[Window, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_weekday: list[list[Window]] = [[] for _ in range(7)]
        on_holidays: list[Window] = []
        for rule in self.rules:
            if rule.days == HOLIDAYS:
                on_holidays.extend(rule.windows)
            else:
                for weekday in SELECTORS[rule.days]:
                    by_weekday[weekday].extend(rule.windows)
        object.__setattr__(self, "_by_weekday", tuple(tuple(w) for w in by_weekday))
        object.__setattr__(self, "_on_holidays", tuple(on_holidays))

    @property
    def uses_holidays(self) -> bool:
        return bool(self._on_holidays)

    def windows_on(self, day: date, is_holiday: IsHoliday) -> tuple[Window, ...]:
        """Every window starting on ``day`` (weekday rules, plus holiday rules on a holiday)."""
        windows = self._by_weekday[day.weekday()]
        if self._on_holidays and is_holiday(day):
            windows = windows + self._on_holidays
        return windows

    def contains(self, local: datetime, is_holiday: IsHoliday = no_holidays) -> bool:
        """Is the local wall-clock time ``local`` (naive, or aware in the zone) covered?"""
        minute = local.hour * 60 + local.minute
        today = local.date()
        for window in self.windows_on(today, is_holiday):
            if window.start <= minute < window.start + window.length:
                return True
        yesterday = today - timedelta(days=1)
        minute += MINUTES_PER_DAY
        return any(
            window.start <= minute < window.start + window.length
            for window in self.windows_on(yesterday, is_holiday)
        )

    def edges(self, start: date, days: int, is_holiday: IsHoliday = no_holidays) -> list[datetime]:
        """Every local wall-clock time at which a window of these ``days`` opens or closes, sorted
        (naive). Adjacent windows give edges where nothing changes; callers compare both sides."""
        found: set[datetime] = set()
        for offset in range(-1, days):          # yesterday's windows may close today
            day = start + timedelta(days=offset)
            midnight = datetime(day.year, day.month, day.day)
            for window in self.windows_on(day, is_holiday):
                found.add(midnight + timedelta(minutes=window.start))
                found.add(midnight + timedelta(minutes=window.start + window.length))
        return sorted(found)

    def week_coverage(self) -> list[bool]:
        """Minute by minute over a week starting Monday 00:00, holidays left out (10,080 flags)."""
        week = 7 * MINUTES_PER_DAY
        covered = [False] * week
        for weekday, windows in enumerate(self._by_weekday):
            for window in windows:
                first = weekday * MINUTES_PER_DAY + window.start
                for minute in range(first, first + window.length):
                    covered[minute % week] = True
        return covered


@dataclass(frozen=True)
class Stretch:
    """A recurring uncovered time of the week, e.g. Mon 00:00-08:30."""

    weekday: int
    start: int        # minutes after that day's midnight
    length: int       # minutes; may run past midnight into the next day

    def __str__(self) -> str:
        day = DAY_ABBREVIATIONS[self.weekday]
        end = self.start + self.length
        if end <= MINUTES_PER_DAY:
            end_text = "24:00" if end == MINUTES_PER_DAY else format_minutes(end)
            return f"{day} {format_minutes(self.start)}-{end_text}"
        end_day = DAY_ABBREVIATIONS[(self.weekday + end // MINUTES_PER_DAY) % 7]
        return f"{day} {format_minutes(self.start)}-{end_day} {format_minutes(end % MINUTES_PER_DAY)}"


def irregular_gaps(hours: WeekHours) -> list[Stretch]:
    """Uncovered stretches that similar days cover: likely a forgotten night, not business hours.

    A minute of a weekday (Mon-Fri) is reported when it is uncovered that day but covered
    at the same time of day on another weekday; likewise between Saturday and Sunday. With
    ``weekdays: "18:00-08:30"`` and ``weekends: all-day`` this reports Mon 00:00-08:30:
    Tuesday to Friday mornings are covered by the previous evening's window, Monday's is not.
    """
    covered = hours.week_coverage()
    flagged = [False] * len(covered)
    for group in ((0, 1, 2, 3, 4), (5, 6)):
        for minute in range(MINUTES_PER_DAY):
            states = [covered[day * MINUTES_PER_DAY + minute] for day in group]
            if any(states) and not all(states):
                for day, state in zip(group, states, strict=True):
                    flagged[day * MINUTES_PER_DAY + minute] = not state
    stretches: list[Stretch] = []
    minute = 0
    while minute < len(flagged):
        if not flagged[minute]:
            minute += 1
            continue
        first = minute
        while minute < len(flagged) and flagged[minute]:
            minute += 1
        stretches.append(Stretch(first // MINUTES_PER_DAY, first % MINUTES_PER_DAY, minute - first))
    if len(stretches) > 1 and flagged[0] and flagged[-1]:   # Sun night running into Monday
        last, first_stretch = stretches.pop(), stretches.pop(0)
        stretches.append(Stretch(last.weekday, last.start, last.length + first_stretch.length))
    return stretches
