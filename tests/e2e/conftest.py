"""End-to-end fixtures: the real daemon (a subprocess, as in production) against the lab Asterisk.

The helpers themselves (the daemon process, lab configurations, the call log) live in tests/helpers/.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from astreinte.dialplan import TRACE_FAMILY
from lab import phones
from lab.observer import Observer
from lab.pbx import WEDGED_AFTER
from tests.helpers.daemon import READY, DaemonProcess

Start = Callable[..., Awaitable[DaemonProcess]]


@pytest.fixture
async def daemon(lab: Any) -> AsyncIterator[Start]:
    """``await daemon(config)``: a started daemon (stopped, and its log printed, after the test).

    ``ready=None`` does not wait for it to take calls; ``env`` adds to its environment.
    """
    # Each test's daemon imports only its own calls: what the PBX tiers traced in AstDB during an earlier
    # test (whose daemon was killed, or stopped before its next look) is that test's, not this one's.
    lab.cli(f"database deltree {TRACE_FAMILY}")
    started: list[DaemonProcess] = []

    async def start(config: Path, ready: str | None = READY, **how: Any) -> DaemonProcess:
        process = DaemonProcess(config, **how)
        started.append(process)
        return await process.start(ready)

    yield start
    for process in started:
        code = await process.stop()
        print(f"--- daemon log (exit {code}) ---\n" + process.log())  # shown by pytest when a test fails


@pytest.fixture
def run_daemon(daemon: Start) -> Start:
    """The same fixture under the name the fault tests use (a test may also name a daemon ``daemon``)."""
    return daemon


@pytest.fixture(autouse=True)
def _asterisk_still_answers(lab: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Before and after each test, ARI must answer; a wedged Asterisk (a res_stasis/res_ari deadlock of
    Asterisk 22, docs/operations.md: no daemon can repair it) is restarted so it cannot hang every later
    test, and named in the run's summary."""
    if not lab.answers():
        WEDGED_AFTER.append(f"(before) {request.node.nodeid}")
        lab.restart()
    yield
    if not lab.answers():
        WEDGED_AFTER.append(request.node.nodeid)
        lab.restart()


@pytest.fixture(autouse=True)
async def _no_leftover_phones(lab: Any) -> AsyncIterator[None]:
    yield
    # Channels a test left in Asterisk (a caller still held, a leg still rung) are hung up while the
    # phones still answer: once a phone's sipp is gone, Asterisk retransmits its INVITE, CANCEL or BYE
    # to that port, and the next test's phone there takes them for its own (seen: after test_lease.py,
    # test_reload.py's alice never answered its call).
    await asyncio.to_thread(_hang_up_everything, lab)
    await phones.stop_all()


def _hang_up_everything(lab: Any) -> None:
    if not lab.answers(timeout=2.0):          # a wedged or stopped Asterisk: _asterisk_still_answers acts
        return
    with contextlib.suppress(Exception):
        lab.cli("channel request hangup all")
        for _ in range(30):                   # up to 3 s for the hang-ups' BYEs and CANCELs to be answered
            if re.match(r"\s*0 active channels", lab.cli("core show channels count")):
                return
            time.sleep(0.1)


@pytest.fixture
async def observer(lab: Any) -> AsyncIterator[Observer]:
    async with Observer() as obs:
        yield obs
