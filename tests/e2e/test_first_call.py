"""Issue 2's proof: one real call, end to end, through the lab Asterisk and the real daemon."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import lab_config

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

ALWAYS = """
support:
  numbers: ["+33180000000", "1000"]
  greeting: "Bonjour, vous êtes en relation avec l'astreinte du support. Merci de patienter."
  service_hours: {weekdays: all-day, weekends: all-day}
  hunt: {strategy: linear, ring_timeout: 10s, rounds: 1, confirm: false, on_no_answer: hangup}
  layers:
    - name: primary
      rotation: {members: [alice], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""


def _aware(naive_local: datetime) -> datetime:
    return naive_local.astimezone()


def _asterisk_time(seen: Any) -> datetime:
    return datetime.strptime(seen.event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")


async def test_call_reaches_alice_after_greeting_is_bridged_and_torn_down(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    proc = await daemon(lab_config(lab, tmp_path, ALWAYS))
    alice = await phones.phone("alice", 5081, "answer", tmp_path, ring_ms=500)
    caller = await phones.call("1000", tmp_path, hold_ms=9000)  # greeting ~5 s, then talk

    entered = await observer.wait_for(
        lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
        timeout=15, what="alice entering a bridge")
    bridge_id = entered.event["bridge"]["id"]
    bridge = await observer.get(f"/bridges/{bridge_id}")
    members = {(await observer.get(f"/channels/{cid}"))["name"].rsplit("-", 1)[0] for cid in bridge["channels"]}
    assert members == {"PJSIP/trunk", "PJSIP/alice"}, bridge

    assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0, alice.output

    greeting = await observer.wait_for(
        lambda s: s.type == "PlaybackStarted" and "tts-" in s.event["playback"]["media_uri"],
        what="the greeting starting")
    invite = alice.received("INVITE")
    assert len(invite) == 1, "alice's phone should be rung exactly once"
    assert _aware(invite[0].at) >= _asterisk_time(greeting), "the phone rang before the greeting started"
    # the greeting is asked while the answer travels (queued behind it, adapters/ari_http.py): Asterisk
    # still plays it to an answered call, never as early media before its 200 OK
    up = await observer.wait_for(
        lambda s: s.type == "ChannelStateChange" and channel_name(s).startswith("PJSIP/trunk-")
        and s.event["channel"]["state"] == "Up", what="the caller's channel answered")
    assert _asterisk_time(greeting) >= _asterisk_time(up), "the greeting started before the answer"
    assert caller.received("183") == [], "the greeting was played as early media"
    assert caller.received("200"), caller.output

    caller_bye = caller.sent("BYE")
    alice_bye = alice.received("BYE")
    assert caller_bye, "the caller should hang up after its hold time"
    assert alice_bye, "alice's phone never got BYE after the caller hung up"
    assert alice_bye[0].at >= caller_bye[0].at

    await proc.wait_for_line("bridged with alice")
    await proc.wait_for_line("finished: answered by alice")
    await asyncio.sleep(0)
