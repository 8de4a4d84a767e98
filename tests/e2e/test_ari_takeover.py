"""Another ARI client takes the daemon's Stasis app, then leaves: the daemon takes it back.

Asterisk 22 deactivates an app when the WebSocket that held it closes, and tells nobody. A
second ``astreinte run`` started by mistake, or a debugging tool connected with the daemon's
app name, used to leave the daemon connected but deaf once it left: every call went to the
dialplan fallback for as long as the daemon ran, and a caller the other client had left in
the app waited in silence. The daemon does not fight for the app (registering it again while
the other client holds it would take calls from it); the first call whose ``Stasis()`` fails
tells it, through its FastAGI server, that the app is free.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from astreinte.cli.status import fetch_status
from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import lab_config
from tests.helpers.lab import PORT, TierLog
from tests.helpers.lab import plain_team as team
from tests.helpers.timing import scaled, stays

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

# docs/operations.md: a probe event every 5 s; a connection that has not received one 10 s later is made again
PROBE_DEADLINE = 10.0


@pytest.fixture(autouse=True)
async def _fresh_asterisk_after(lab: Any) -> AsyncIterator[None]:
    """Asterisk 22 sometimes wedges its Stasis layer after a take-over (`ari show apps` hangs, a
    closed WebSocket no longer deactivates its app): the next tests get an Asterisk of their own."""
    yield
    await asyncio.to_thread(lab.restart)


async def ari_link_becomes(expected: bool, timeout: float = 10.0) -> bool:
    """Whether `astreinte status` shows the ARI link as ``expected`` within ``timeout`` (refreshed every 5 s)."""
    end = asyncio.get_running_loop().time() + scaled(timeout)
    while True:
        status = await asyncio.to_thread(fetch_status, "127.0.0.1", 9464)
        if status["links"]["ari"] is expected:
            return True
        if asyncio.get_running_loop().time() > end:
            return False
        await asyncio.sleep(0.25)


async def test_an_app_taken_over_then_released_is_taken_back_and_no_caller_is_stranded(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5214", "alice"))
    log = TierLog(lab)
    process = await daemon(config)
    assert await ari_link_becomes(True)
    await stays(lambda: process.count("ARI connected") == 1, PROBE_DEADLINE + 1,
                "the daemon reconnected although Asterisk echoes its probe events")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300, calls=3)
    async with Observer(app="astreinte", subscribe_all=False) as other:   # what a second `astreinte run` opens
        await process.wait_for_line("another client took over ARI app 'astreinte'")
        # a call now enters the app on the other client's side, which does nothing with it
        stranded = await phones.call("5214", tmp_path, hold_ms=3000, name="stranded")
        await other.wait_for(lambda s: s.type == "StasisStart", timeout=10, what="the call in the other client")
        assert await ari_link_becomes(False), "`astreinte status` says ARI up while another client gets the calls"
    await stays(lambda: process.count("ARI connected") == 1, 6, "the daemon fought for the app")
    # The caller the other client left in the app is not stranded: nobody renews its lease, Asterisk
    # sends it to the PBX tiers 3 s after it came (issue 15), which ring alice.
    assert await stranded.done(40) == 0, stranded.output
    # It left, and Asterisk deactivated the app with it. The next call's Stasis() fails: the FastAGI
    # tier rings alice, and tells the daemon, which takes the app back.
    second = await phones.call("5214", tmp_path, hold_ms=3000, port=5072, name="second")
    await process.wait_for_line("came because Stasis() failed", timeout=20)
    assert await second.done(40) == 0, second.output
    # The next call is hunted by the daemon again, not by a fallback tier.
    async with Observer() as watch:
        caller = await phones.call("5214", tmp_path, hold_ms=3000)
        await watch.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                             and channel_name(s).startswith("PJSIP/alice-"), timeout=20, what="alice bridged")
        assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0, alice.output
    await process.wait_for_line("bridged with alice")
    # the lapsed lease's fallback runs on a Local channel of its own, under the caller's call id
    leased = ["stasis", "stasis: lease expired", "agi", "astdb (FastAGI SKIPPED)", "astdb rings level 1 PJSIP/alice"]
    tiers = log.calls("5214")
    assert tiers == [leased, ["stasis", "agi", "agi rings level 1 PJSIP/alice"], ["stasis"]], tiers
    assert await ari_link_becomes(True)
    # Asterisk echoes the daemon's probe events (every 5 s): no needless reconnection meanwhile
    assert process.count("ARI connected") == 2, process.log()


async def test_a_caller_the_other_client_leaves_unanswered_is_handed_to_the_dialplan(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    """A tool connected with the daemon's app name stays, and does nothing with the calls it gets: the
    lease nobody renews sends its caller to the PBX tiers within 3 s (before issue 15: the daemon's
    look for callers left unanswered 10 s, ``Leftovers.rescue_waiting``, which stays as a second net)."""
    config = lab_config(lab, tmp_path, team("5215", "alice"))
    log = TierLog(lab)
    process = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    async with Observer(app="astreinte", subscribe_all=False) as other:
        await process.wait_for_line("another client took over ARI app 'astreinte'")
        caller = await phones.call("5215", tmp_path, hold_ms=3000)
        await other.wait_for(lambda s: s.type == "StasisStart", timeout=10, what="the call in the other client")
        assert await caller.done(40) == 0, caller.output
        assert await alice.done(30) == 0, alice.output
        assert other.of_type("StasisEnd"), "the call left the other client's app"
    tiers = log.calls("5215")
    assert tiers == [["stasis", "stasis: lease expired", "agi", "astdb (FastAGI SKIPPED)",
                      "astdb rings level 1 PJSIP/alice"]], tiers
    assert process.count("ARI connected") == 1, "the daemon did not fight for the app"
