"""The one clock of a process: the only place in the package that reads the wall clock.

Domain code takes ``now`` as an argument; the runtime and the CLI take it from one ``Clock``
built at start-up and passed down (``Services.clock``, the router, the AGI server, the AstDB
writer, the metrics...). Tests build a ``fixed_clock`` or a ``ManualClock``, so the suite
passes whatever the machine's date (``make test`` runs it under faketime to prove it).

    clock = system_clock                 # astreinte run
    clock = fixed_clock(at)              # astreinte --now 2026-12-24T19:00 ...
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware."""


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)  # noqa: TID251  (the one read of the wall clock)


def fixed_clock(at: datetime) -> Clock:
    """A clock that always says ``at`` (aware)."""
    if at.tzinfo is None:
        raise ValueError("a clock gives aware instants")
    return lambda: at


class ManualClock:
    """A clock a test moves by hand."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock gives aware instants")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


def shifted_clock(at: datetime) -> Clock:
    """A clock that says ``at`` now and then runs at the wall clock's pace (``astreinte --now ... web``:
    a demonstration or a test of a day the rota knows, where sessions still expire)."""
    import time

    if at.tzinfo is None:
        raise ValueError("a clock gives aware instants")
    origin = time.monotonic()
    return lambda: at + timedelta(seconds=time.monotonic() - origin)
