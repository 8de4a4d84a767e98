"""Issue 15, item 3: a caller in Stasis() whose daemon died or froze reaches the PBX tiers within 5 s,
even if no daemon ever comes back; after a freeze, nobody is hunted twice and the call log says what
the caller lived. Against the real lab: the shipped dialplan's lease (TIMEOUT(absolute) before
Stasis(), renewed by the daemon, the T extension) and a real ``kill -9`` / ``SIGSTOP``.

The observer sees the caller enter ``Stasis()`` (``ChannelDialplan``, app Stasis) and the lease's end
(``ChannelVarset`` ASTREINTE_REASON=lease-expired, set by the T extension), with Asterisk's timestamps.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from astreinte.adapters.clock import system_clock
from lab import phones
from lab.observer import Observer, Seen, channel_name
from tests.helpers.daemon import call_log, lab_config
from tests.helpers.lab import PORT, TierLog
from tests.helpers.lab import plain_team as team
from tests.helpers.lab import team as team_of
from tests.helpers.timing import wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


LEASE_EXPIRED = ["stasis", "stasis: lease expired", "agi", "astdb (FastAGI SKIPPED)"]


def tier_walk(log: TierLog, number: str) -> list[str]:
    """The tiers the calls to ``number`` went through, in order (after the lease, the fallback runs on a
    Local channel of its own: its lines carry the caller's call id, inherited as ASTREINTE_ORIGIN)."""
    return [line.split(": tier ", 1)[1] for line in log.lines(number)]


def at(seen: Seen) -> datetime:
    """Asterisk's own timestamp of an event."""
    return datetime.fromisoformat(str(seen.event["timestamp"]))


def caller(seen: Seen) -> bool:
    return channel_name(seen).startswith("PJSIP/trunk-")


def in_stasis(seen: Seen) -> bool:
    return seen.type == "ChannelDialplan" and caller(seen) and seen.event.get("dialplan_app") == "Stasis"


def lease_expired(seen: Seen) -> bool:
    variable = str(seen.event.get("variable")).lstrip("_")
    return (seen.type == "ChannelVarset" and caller(seen) and variable == "ASTREINTE_REASON"
            and seen.event.get("value") == "lease-expired")


def alice_answered(observer: Observer) -> bool:
    return any(s.event.get("dialstatus") == "ANSWER" and (s.event.get("peer") or {}).get("name", "").startswith(
        "PJSIP/alice-") for s in observer.of_type("Dial"))


async def test_a_caller_whose_daemon_is_killed_mid_hunt_reaches_the_pbx_tiers_within_5_s_with_no_restart(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5201", "alice", ring="30s"))
    log = TierLog(lab)
    daemon = await run_daemon(config)
    await daemon.wait_for_line("AstDB: wrote")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=6000, calls=2)
    call = await phones.call("5201", tmp_path, hold_ms=16000)
    await daemon.wait_for_line("ringing alice")
    await asyncio.sleep(2.0)                       # a few renewals: the lease runs ahead of the clock
    assert daemon.proc is not None
    daemon.proc.kill()                             # kill -9, and no daemon ever comes back
    killed = system_clock()
    assert await daemon.proc.wait() == -signal.SIGKILL
    expired = await observer.wait_for(lease_expired, timeout=10, what="the lease's end")
    assert (at(expired) - killed).total_seconds() <= 5.0, f"left Stasis() at {at(expired)}, killed at {killed}"
    assert await call.done(40) == 0, call.output
    assert tier_walk(log, "5201") == [*LEASE_EXPIRED, "astdb rings level 1 PJSIP/alice"]
    assert await alice.done(40) == 0, alice.output
    assert len(alice.received("INVITE")) == 2, "rung by the hunt, then by the PBX tier"


async def test_a_caller_arriving_while_the_daemon_is_frozen_is_served_by_the_pbx_and_never_hunted_again(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5203", "alice"))
    log = TierLog(lab)
    daemon = await run_daemon(config)
    await daemon.wait_for_line("AstDB: wrote")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=500, calls=2)
    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGSTOP)        # frozen: its sockets stay open, nothing is read
    try:
        call = await phones.call("5203", tmp_path, hold_ms=6000)
        entered = await observer.wait_for(in_stasis, timeout=10, what="the caller in Stasis()")
        expired = await observer.wait_for(lease_expired, timeout=10, what="the lease's end")
        assert (at(expired) - at(entered)).total_seconds() <= 5.0
        await wait_until(lambda: alice_answered(observer), 15, "alice connected by the PBX tier")
        await asyncio.sleep(6.0)                   # frozen about 12 s in all, well past the lease
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    assert await call.done(30) == 0, call.output
    await daemon.wait_for_line("the lease lapsed")
    await asyncio.sleep(2.0)                       # what the woken daemon does with its late events
    await alice.stop()
    assert len(alice.received("INVITE")) == 1, "alice was rung once: by the PBX tier, never by the woken daemon"
    assert not any("ringing alice" in line for line in daemon.lines), daemon.log()
    assert tier_walk(log, "5203")[:4] == LEASE_EXPIRED
    # one row for the caller: what the daemon logged (arrival, why it let go) completed by the PBX's trace
    await wait_until(lambda: "imported call" in "\n".join(daemon.lines), 15, "the PBX trace imported")
    [row] = await call_log(config)
    assert (row["outcome"], row["reason"], row["tier"], row["answered_by"]) == \
        ("answered", "lease_expired", "astdb", "alice"), row
    started = datetime.fromisoformat(row["started_at"])
    assert abs((started - at(entered)).total_seconds()) < 0.5, "arrival: the channel's creation, not the wake-up"
    assert 2.0 <= row["wait_seconds"] <= 4.0, "the caller waited for the daemon one lease, not 0 s nor 12 s"


async def test_a_conversation_outlives_the_lease_and_the_daemon(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    """Bridged, the lease is the rest of max_call_duration: a dead daemon never cuts a conversation."""
    config = lab_config(lab, tmp_path, team("5204", "alice"))
    daemon = await run_daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    call = await phones.call("5204", tmp_path, hold_ms=14000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=20, what="alice bridged")
    # the lease is extended right after the bridge (never before: a daemon dying in between would
    # strand an unbridged caller for hours); within those milliseconds a death costs the conversation,
    # not the caller: the PBX tiers ring the on-call phone again
    await observer.wait_for(lambda s: s.type == "ChannelVarset" and caller(s)
                            and s.event.get("variable") == "ASTREINTE_LEASE", timeout=5, what="the lease extended")
    assert daemon.proc is not None
    daemon.proc.kill()                             # and nobody restarts it
    await daemon.proc.wait()
    assert await call.done(40) == 0, "the caller talked to the end, hung up, got 200 OK: " + call.output
    assert not any(lease_expired(s) for s in observer.seen)
    await alice.stop()


async def test_a_daemon_frozen_during_a_short_asterisk_sound_lets_go_of_its_caller_within_5_s(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    """The greeting is Asterisk's own ``sound:beep`` (0.3 s), whose length the daemon cannot read: once it
    has played, the lease before it covers 0.3 s, not 10 s (the chaos benchmark lost a caller frozen
    there for 14 s: answered, then silence until they hung up)."""
    config = lab_config(lab, tmp_path, team_of(("alice",), ring="15s", numbers='["5205"]', greeting="sound:beep"))
    daemon = await run_daemon(config)
    await daemon.wait_for_line("AstDB: wrote")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=1500, calls=3)

    def beep(seen: Seen, but: str = "") -> bool:
        playback = seen.event.get("playback") or {}
        return seen.type == "PlaybackStarted" and playback.get("media_uri") == "sound:beep" and playback["id"] != but

    first = await phones.call("5205", tmp_path, hold_ms=2000, name="first")
    heard = await observer.wait_for(beep, timeout=10, what="the first caller's beep")
    assert await first.done(30) == 0, first.output
    second = await phones.call("5205", tmp_path, hold_ms=6000, caller="0611223355", name="second")
    await observer.wait_for(lambda s: beep(s, but=str(heard.event["playback"]["id"])), timeout=10,
                            what="the second caller's beep")
    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGSTOP)        # right after the lease's cover for the beep landed
    frozen = system_clock()
    try:
        expired = await observer.wait_for(lease_expired, timeout=20, what="the lease's end")
        # the lease (4 s past the beep's 1 s) was set a few ms before the freeze; Asterisk's timestamp
        # of the T extension's first step comes a few ms after the timeout fires: 50 ms for both
        # (seen 5.0013 s in a clean-clone CI); the bug this guards against held the caller 14 s
        assert (at(expired) - frozen).total_seconds() <= 5.05, f"left Stasis() at {at(expired)}, frozen at {frozen}"
        await wait_until(lambda: alice_answered(observer), 15, "alice connected by the PBX tier")
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    assert await second.done(30) == 0, second.output
    await alice.stop()
