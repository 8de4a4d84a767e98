"""Every wait of the suite is for an event, bounded by a timeout scaled by ASTREINTE_TEST_TIMEOUT_FACTOR."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lab.phones import TIMEOUT_FACTOR

FACTOR = TIMEOUT_FACTOR      # one definition (lab/phones.py), read from ASTREINTE_TEST_TIMEOUT_FACTOR
POLL = 0.05                  # how often a condition nothing notifies is looked at again


def scaled(seconds: float) -> float:
    """A timeout or a tolerance of ``seconds`` on an unloaded machine, for this machine."""
    return seconds * FACTOR


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Return as soon as ``check()`` holds; fail after ``timeout`` (scaled) saying what never happened."""
    loop = asyncio.get_running_loop()
    end = loop.time() + scaled(timeout)
    while not check():
        if loop.time() > end:
            raise AssertionError(f"timed out after {scaled(timeout):.1f} s waiting for {what}")
        await asyncio.sleep(POLL)


async def stays(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Fail as soon as ``check()`` stops holding during ``seconds`` (scaled): that something does not happen."""
    loop = asyncio.get_running_loop()
    end = loop.time() + scaled(seconds)
    while loop.time() < end:
        assert check(), what
        await asyncio.sleep(POLL)
    assert check(), what
