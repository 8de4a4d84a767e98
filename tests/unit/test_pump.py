"""The pump's timer (runtime/pump.py): a flow hears ``TimerExpired`` once its deadline passed, never
before, whatever the events did to the deadline meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from astreinte.domain import hunt_events as h
from astreinte.runtime.pump import Pump
from tests.helpers.calls import SATURDAY_NOON
from tests.helpers.fakes import FakeAri, LoopClock
from tests.helpers.timing import scaled


class Moved:
    """An event that moves the flow's deadline to ``seconds`` from now."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class TimedFlow:
    """Ends after its first TimerExpired; notes when each event came (by the pump's clock)."""

    id = "call-1"

    def __init__(self, clock: LoopClock, first: float) -> None:
        self.clock = clock
        self.deadline: datetime | None = None
        self.first = first
        self.heard: list[tuple[str, datetime, datetime | None]] = []     # what, when, the deadline then
        self.finished = False

    def start(self, now: datetime) -> Sequence[Any]:
        self.deadline = now + timedelta(seconds=self.first)
        return []

    def handle(self, event: Any, now: datetime) -> Sequence[Any]:
        self.heard.append((type(event).__name__, now, self.deadline))
        if isinstance(event, Moved):
            self.deadline = now + timedelta(seconds=event.seconds)
        elif isinstance(event, h.TimerExpired):
            self.finished = True
        return []

    def abort(self, why: str, now: datetime) -> Sequence[Any]:
        return []


def pump(flow: TimedFlow, clock: LoopClock) -> Pump[TimedFlow]:
    return Pump(flow, ari=FakeAri(), clock=clock, register=lambda _channel, _fed: None,
                engaged=lambda _person, _call, _talking: None)


async def test_the_timer_comes_at_the_deadline_and_follows_it_when_an_event_moves_it() -> None:
    clock = LoopClock(SATURDAY_NOON)
    flow = TimedFlow(clock, first=scaled(0.1))
    runner = pump(flow, clock)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(scaled(0.05))
    runner.queue.put_nowait(Moved(scaled(0.2)))         # before the first deadline: later now
    async with asyncio.timeout(scaled(2)):
        await task
    (_, moved_at, _), (what, expired_at, deadline) = flow.heard
    assert what == "TimerExpired" and deadline is not None
    assert expired_at >= deadline, "the timer came before the deadline"
    assert expired_at - moved_at >= timedelta(seconds=scaled(0.2)), "the first deadline's timer still came"


async def test_a_deadline_moved_after_its_alarm_rang_is_not_taken_for_passed() -> None:
    # the alarm of the first deadline rings while the flow is still busy with an event that moves the
    # deadline later: the flow hears its TimerExpired at the new deadline, not at once
    clock = LoopClock(SATURDAY_NOON)
    flow = TimedFlow(clock, first=scaled(0.1))
    runner = pump(flow, clock)
    carry_out = runner._execute

    async def slow(commands: Sequence[Any]) -> None:
        if flow.heard and flow.heard[-1][0] == "Moved":
            await asyncio.sleep(scaled(0.15))               # the first deadline passes meanwhile
        await carry_out(commands)

    runner._execute = slow          # type: ignore[method-assign]
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(scaled(0.05))
    runner.queue.put_nowait(Moved(scaled(0.4)))
    async with asyncio.timeout(scaled(2)):
        await task
    (_, moved_at, _), (what, expired_at, deadline) = flow.heard
    assert what == "TimerExpired" and deadline is not None and expired_at >= deadline
    assert expired_at - moved_at >= timedelta(seconds=scaled(0.4))
