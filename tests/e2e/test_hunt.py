"""The call engine against the real lab: sipp phones answer, ring, refuse, press digits; the call log is checked.

Phones: alice 127.0.0.1:5081, bob :5082, carol :5083, dave :5084, reception :5085 (asterisk_conf/pjsip.conf);
erin registers (offline unless she does). Times count from the caller's INVITE.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.clock import system_clock
from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import call_log, lab_config
from tests.helpers.lab import PORT, bridged, results, team
from tests.helpers.timing import scaled

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def test_first_level_answers(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team())
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=5000)
    await bridged(observer, "alice")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    (row,) = await call_log(config)
    assert (row["outcome"], row["answered_by"], row["team"], row["did"]) == ("answered", "alice", "support", "1000")
    assert results(row) == [("alice", "answered")]
    assert 0 < row["wait_seconds"] < scaled(5) and row["talk_seconds"] > 2


async def test_no_answer_then_second_level(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(ring="3s"))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=8000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await alice.done(30) == 0 and await bob.done(30) == 0
    ring = (alice.received("CANCEL")[0].at - alice.received("INVITE")[0].at).total_seconds()
    assert 2.8 < ring < 3 + scaled(0.6), f"alice rang {ring:.2f} s, ring_timeout is 3 s"
    # level by level: bob rings once alice stopped. The daemon has Asterisk hang up her leg before it
    # originates his, but Asterisk sends her CANCEL from the channel's own thread after that request
    # returns: seen once, bob's INVITE left 0.6 ms before her CANCEL. Ringing together would be 3 s.
    assert bob.received("INVITE")[0].at >= alice.received("CANCEL")[0].at - timedelta(milliseconds=50)
    (row,) = await call_log(config)
    assert row["outcome"] == "answered" and row["answered_by"] == "bob"
    assert results(row) == [("alice", "no_answer"), ("bob", "answered")]


async def test_busy_moves_on_at_once(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(ring="10s"))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "busy", tmp_path)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=5000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await bob.done(30) == 0
    await alice.done(10)
    step = (bob.received("INVITE")[0].at - alice.sent("486")[0].at).total_seconds()
    assert step < scaled(0.5), f"the next level rang {step:.3f} s after the 486"
    (row,) = await call_log(config)
    assert results(row) == [("alice", "busy"), ("bob", "answered")]


@pytest.mark.parametrize("behaviour", ["dtmf", "dtmf_info"], ids=["rfc4733", "sip-info"])
async def test_digit_1_accepts(lab: Any, daemon: Any, observer: Observer, tmp_path: Path, behaviour: str) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), confirm=True))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], behaviour, tmp_path, ring_ms=300, digit="1")
    caller = await phones.call("1000", tmp_path, hold_ms=7000)
    await bridged(observer, "alice")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    (row,) = await call_log(config)
    assert row["outcome"] == "answered" and results(row) == [("alice", "answered")]


async def test_digit_2_declines(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(confirm=True))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "dtmf_info", tmp_path, ring_ms=300, digit="2")
    bob = await phones.phone("bob", PORT["bob"], "dtmf", tmp_path, ring_ms=300, digit="1")
    caller = await phones.call("1000", tmp_path, hold_ms=9000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await bob.done(30) == 0 and await alice.done(30) == 0
    assert alice.received("BYE"), "alice declined: astreinte hangs up her leg"
    (row,) = await call_log(config)
    assert results(row) == [("alice", "declined"), ("bob", "answered")]


async def test_answer_without_digit_is_not_connected(lab: Any, daemon: Any, observer: Observer,
                                                     tmp_path: Path) -> None:
    """A mobile's voicemail answers too: without a 1 it must not get the caller."""
    config = lab_config(lab, tmp_path, team(confirm=True))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    bob = await phones.phone("bob", PORT["bob"], "dtmf", tmp_path, ring_ms=300, digit="1")
    caller = await phones.call("1000", tmp_path, hold_ms=12000)
    await bridged(observer, "bob")
    assert await caller.done(40) == 0 and await alice.done(30) == 0 and await bob.done(30) == 0
    assert not [s for s in observer.of_type("ChannelEnteredBridge") if channel_name(s).startswith("PJSIP/alice-")]
    (row,) = await call_log(config)
    assert results(row) == [("alice", "declined"), ("bob", "answered")]


async def test_unregistered_phone_is_skipped_without_waiting(lab: Any, daemon: Any, observer: Observer,
                                                             tmp_path: Path) -> None:
    people = """
      erin: {name: Erin Roux, phones: [PJSIP/erin]}
      bob: {name: Bob Durand, phones: [PJSIP/bob]}
    """
    config = lab_config(lab, tmp_path, team(("erin", "bob"), ring="10s"), people=people)
    await daemon(config)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=5000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await bob.done(30) == 0
    waited = (bob.received("INVITE")[0].at - caller.sent("INVITE")[0].at).total_seconds()
    assert waited < scaled(1.0), f"bob rang {waited:.2f} s after the call arrived: erin's phone was not skipped"
    assert not [s for s in observer.of_type("ChannelCreated") if channel_name(s).startswith("PJSIP/erin-")]
    (row,) = await call_log(config)
    assert results(row) == [("erin", "unreachable"), ("bob", "answered")]


async def test_caller_abandons_and_ringing_phone_gets_cancel(lab: Any, daemon: Any, observer: Observer,
                                                             tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), ring="20s"))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = await phones.call("1000", tmp_path, hold_ms=3000)
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    delay = (alice.received("CANCEL")[0].at - caller.sent("BYE")[0].at).total_seconds()
    assert 0 <= delay < scaled(1.0), f"the ringing phone got CANCEL {delay:.2f} s after the caller hung up"
    (row,) = await call_log(config)
    assert row["outcome"] == "abandoned" and row["answered_by"] is None
    assert results(row) == [("alice", "cancelled")]


async def test_outside_service_rings_reception(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    now = system_clock().astimezone(ZoneInfo("Europe/Paris"))     # the daemon's clock
    start, end = (now + timedelta(hours=2)), (now + timedelta(hours=3))
    window = f'"{start:%H:%M}-{end:%H:%M}"'
    hours = f"{{weekdays: {window}, weekends: {window}}}"
    outside = "outside_service: {dial: PJSIP/reception}\n"
    config = lab_config(lab, tmp_path, team(("alice",), hours=hours, extra=outside))
    await daemon(config)
    reception = await phones.phone("reception", PORT["reception"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=4000)
    await bridged(observer, "reception")
    assert await caller.done(30) == 0 and await reception.done(30) == 0
    (row,) = await call_log(config)
    assert row["outcome"] == "outside_service" and row["attempts"][0]["phone"] == "PJSIP/reception"


async def test_menu_sends_digit_2_to_the_second_team(lab: Any, daemon: Any, observer: Observer,
                                                     tmp_path: Path) -> None:
    teams = team(("alice",)) + team(("bob",), name="maintenance", numbers='["2000"]')
    menus = """
    menus:
      "1500":
        prompt: "Pour le support, tapez 1. Pour la maintenance, tapez 2."
        options: {"1": support, "2": maintenance}
        default: support
    """
    config = lab_config(lab, tmp_path, teams, extra=menus)
    await daemon(config)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1500", tmp_path, hold_ms=6000, digit="2", digit_delay_ms=1000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await bob.done(30) == 0
    (row,) = await call_log(config)
    assert (row["team"], row["did"], row["answered_by"]) == ("maintenance", "1500", "bob")


async def test_blocked_number_is_refused(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",)), extra='blocklist: ["0699999999"]\n')
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, caller="0699999999", hold_ms=15000)
    assert await caller.done(30) == 0
    assert caller.received("BYE"), "astreinte should hang up on a blocked number"
    assert (caller.received("BYE")[0].at - caller.sent("INVITE")[0].at).total_seconds() < scaled(8)
    await alice.stop()
    assert not alice.received("INVITE"), "no phone may ring for a blocked number"
    (row,) = await call_log(config)
    assert (row["outcome"], row["reason"], row["attempts"]) == ("failed", "blocked", [])


async def test_two_callers_reach_two_people(lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice", "bob"), ring="8s"))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    first = await phones.call("1000", tmp_path, hold_ms=8000, port=5070, name="first")
    await bridged(observer, "alice")
    second = await phones.call("1000", tmp_path, hold_ms=5000, port=5072, name="second", caller="0622334455")
    await bridged(observer, "bob")
    assert await first.done(30) == 0 and await second.done(30) == 0
    assert await alice.done(30) == 0 and await bob.done(30) == 0
    assert len(alice.received("INVITE")) == 1, "alice was already talking: she must not be rung again"
    rows = await call_log(config, count=2)
    assert {row["caller"]: row["answered_by"] for row in rows} == {"0611223344": "alice", "0622334455": "bob"}
    second_row = next(row for row in rows if row["caller"] == "0622334455")
    assert results(second_row) == [("alice", "busy"), ("bob", "answered")], "alice is skipped, not rung"


async def test_a_greeting_asterisk_cannot_play_does_not_keep_the_phones_silent(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    """The first phones wait for the greeting's PlaybackStarted: a missing prompt (Asterisk reports it
    started, then failed) must neither hold them nor stop the hunt."""
    config = lab_config(lab, tmp_path, team().replace('greeting: "Astreinte de test."',
                                                      "greeting: sound:astreinte-no-such-prompt"))
    process = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1000", tmp_path, hold_ms=5000)
    await bridged(observer, "alice")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    waited = (alice.received("INVITE")[0].at - caller.sent("INVITE")[0].at).total_seconds()
    assert waited < scaled(0.7), f"alice rang {waited:.2f} s after the call arrived"
    await process.wait_for_line("(greeting) failed: check the prompt file")
    (row,) = await call_log(config)
    assert (row["outcome"], row["answered_by"]) == ("answered", "alice")
