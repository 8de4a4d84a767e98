"""Public holidays as a plain "is this local date a holiday?" function.

The ``holidays`` package computes calendars without any I/O; this wrapper imports it
lazily (the CLI's ``who`` path stays light when no team uses ``holidays:``) and caches
one frozen set of dates per year, so a lookup is a set membership test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HolidaySettings:
    """``holidays: {country: FR, subdivision: "57"}``; ``country`` None means no public holidays."""

    country: str | None = None
    subdivision: str | None = None


class HolidayCalendar:
    """Callable ``calendar(day) -> bool`` for one country and subdivision, computed per year on demand."""

    def __init__(self, settings: HolidaySettings) -> None:
        self.settings = settings
        self._years: dict[int, dict[date, str]] = {}

    def __call__(self, day: date) -> bool:
        return day in self._year(day.year)

    @property
    def years(self) -> frozenset[int]:
        """The years computed so far (a cached calendar keeps them)."""
        return frozenset(self._years)

    def name(self, day: date) -> str | None:
        """The holiday's name (as the ``holidays`` package spells it), or None."""
        return self._year(day.year).get(day)

    def _year(self, year: int) -> dict[date, str]:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = self._compute(year)
        return found

    def _compute(self, year: int) -> dict[date, str]:
        if self.settings.country is None:
            return {}
        import holidays  # lazy: about 60 ms of imports

        calendar = holidays.country_holidays(
            self.settings.country, subdiv=self.settings.subdivision, years=year
        )
        return {day: str(name) for day, name in calendar.items() if day.year == year}


def supported_subdivisions(country: str) -> tuple[str, ...] | None:
    """The subdivision codes (and aliases) of a country, or None if the country is unknown.

    Only that country's module is imported (``holidays.list_supported_countries()`` would
    import them all: 50 ms more on every CLI start).
    """
    if not (country.isascii() and country.isalpha() and country.isupper() and 2 <= len(country) <= 3):
        return None
    import holidays

    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError:
        return None
    cls = type(calendar)
    return tuple(getattr(cls, "subdivisions", ())) + tuple(getattr(cls, "subdivisions_aliases", {}) or {})
