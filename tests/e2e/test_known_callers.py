"""Issue 19's known callers, against the lab Asterisk with real phones (sipp, RFC 4733 keys).

The directory knows one customer, Biogaz de la Vallée (site of Saint-Lô, premium), calling from
02 33 00 11 22, with the customer PIN 8422. ``support`` (5701) lets anyone through and asks alice to
confirm (press 1): the prompt she hears names the customer. ``hotline`` (5702) has ``callers: pin``: an
unknown number types a customer PIN; a right one reaches alice, three wrong ones leave a message.
``night`` (5703) has ``callers: known``: an unknown number leaves a message; a customer imported from CSV
while the daemon runs (``astreinte callers import``) reaches alice. ``vip`` (5704) hunts alice, then bob;
a premium customer's call rings both at once (``contract_levels``). Smith Farm speaks English: it hears
``support``'s English greeting (``translations:``), alice the French confirmation naming it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from astreinte.adapters.speech import VOICES, prompt_name
from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import DaemonProcess, call_log, cli, lab_config
from tests.helpers.lab import PORT, bridged

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

CUSTOMER_NUMBER = "0233001122"
UNKNOWN = "0611223344"
PIN = "8422"                      # falling, a key twice
NAMED = "Appel de Biogaz de la Vallée, site de Saint-Lô."
ENGLISH_NUMBER = "0231009988"
ENGLISH_GREETING = "You are through to the support line."


def team(name: str, number: str, *, confirm: bool, callers: str, members: tuple[str, ...] = ("alice",),
         extra: str = "") -> str:
    layers = "".join(f"""
    - name: level{n}
      rotation: {{members: [{who}], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}}"""
                     for n, who in enumerate(members, 1))
    return f"""
{name}:
  numbers: ["{number}"]
  greeting: "Astreinte."
  callers: {callers}
  service_hours: {{weekdays: all-day, weekends: all-day}}
  hunt: {{strategy: linear, ring_timeout: 15s, rounds: 1, confirm: {str(confirm).lower()}, on_no_answer: voicemail}}
  voicemail: {{greeting: "Laissez un message.", max_length: 20s, max_silence: 15s}}{extra}
  layers:{layers}
"""


DIRECTORY = f"""
callers:
  biogaz-stlo:
    name: Biogaz de la Vallée
    site: Saint-Lô
    numbers: ["02 33 00 11 22"]           # the trunk sends 0233001122: compared in canonical form
    level: premium
    pin: "{PIN}"
  smith:
    name: Smith Farm
    numbers: ["{ENGLISH_NUMBER}"]
    language: en
contract_levels:
  premium: {{strategy: ringall}}
"""


def config(lab: Any, tmp_path: Path) -> Path:
    english = f'\n  translations: {{en: {{greeting: "{ENGLISH_GREETING}"}}}}'
    teams = team("support", "5701", confirm=True, callers="anyone", extra=english) \
        + team("hotline", "5702", confirm=False, callers="pin") \
        + team("night", "5703", confirm=False, callers="known") \
        + team("vip", "5704", confirm=False, callers="anyone", members=("alice", "bob"))
    return lab_config(lab, tmp_path, teams, extra=DIRECTORY)


def pin_keys(pin: str, first: int) -> list[tuple[int, str]]:
    return [(first, pin[0]), *((400, digit) for digit in pin[1:]), (400, "#")]


async def test_a_known_customer_is_named_in_the_confirmation_prompt_and_the_call_log(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "dtmf1_late", tmp_path, ring_ms=1500)
    caller = await phones.call("5701", tmp_path, caller=CUSTOMER_NUMBER, hold_ms=8000)
    line = await proc.wait_for_line("confirmation prompt: ", timeout=20)
    assert NAMED in line, "the rendered prompt names the customer and the site"
    played = await observer.wait_for(
        lambda s: s.type == "PlaybackStarted" and "/call-" in str(s.event["playback"]["media_uri"])
        and str(s.event["playback"]["target_uri"]).startswith("channel:") and alice_channel(observer, s),
        timeout=20, what="the call's own confirmation prompt playing to alice")
    assert played is not None
    await bridged(observer, "alice", timeout=30)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    invite = alice.received("INVITE")[0].text
    assert "Biogaz de la Vall" in invite, "the caller-ID name on alice's phone names the customer"
    (row,) = await call_log(path)
    assert (row["customer"], row["answered_by"], row["outcome"]) == ("biogaz-stlo", "alice", "answered")
    assert "caller known by number: Biogaz de la Vallée (Saint-Lô), contract premium" in proc.log()


async def test_an_english_customer_hears_the_english_greeting_and_alice_the_french_confirmation(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "dtmf1_late", tmp_path, ring_ms=1500)
    caller = await phones.call("5701", tmp_path, caller=ENGLISH_NUMBER, hold_ms=6000)
    english = prompt_name(ENGLISH_GREETING, VOICES["en"])
    played = await observer.wait_for(
        lambda s: s.type == "PlaybackStarted" and str(s.event["playback"]["media_uri"]).endswith(f"/{english}")
        and not alice_channel(observer, s), timeout=20, what="the English greeting playing to the caller")
    assert played is not None
    line = await proc.wait_for_line("confirmation prompt: ", timeout=20)
    assert "Appel de Smith Farm." in line, "alice hears the French confirmation naming the customer"
    await bridged(observer, "alice", timeout=30)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    assert "caller's language: en (the customer's)" in proc.log()
    (row,) = await call_log(path)
    assert (row["customer"], row["answered_by"]) == ("smith", "alice")


def alice_channel(observer: Observer, seen: Any) -> bool:
    target = str(seen.event["playback"]["target_uri"]).split(":", 1)[1]
    return any(c.event["channel"]["id"] == target and channel_name(c).startswith("PJSIP/alice-")
               for c in observer.of_type("ChannelCreated"))


async def test_callers_pin_an_unknown_number_with_a_valid_pin_reaches_the_on_call_phone(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path)
    caller = await phones.call("5702", tmp_path, caller=UNKNOWN, keys=pin_keys(PIN, 2500), hold_ms=8000)
    await proc.wait_for_line("caller known by customer PIN (4 digits): Biogaz de la Vallée (Saint-Lô)", timeout=30)
    await bridged(observer, "alice", timeout=30)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    (row,) = await call_log(path)
    assert (row["customer"], row["answered_by"]) == ("biogaz-stlo", "alice")
    assert PIN not in proc.log(), "the digits are never logged"


async def test_callers_pin_three_wrong_pins_leave_a_message_and_nobody_is_rung(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path)
    wrong = [*pin_keys("1111", 2500), *pin_keys("9753", 3500), *pin_keys("0000", 3500)]
    caller = await phones.call("5702", tmp_path, caller=UNKNOWN, keys=wrong, speaks_after_ms=3000, hold_ms=9000)
    await proc.wait_for_line("wrong customer PIN of 4 digits from 0611223344 (3/3): a message, nobody rung",
                             timeout=40)
    assert proc.count("wrong customer PIN of 4 digits") == 3
    assert await caller.done(60) == 0, caller.output
    (row,) = await call_log(path, timeout=30)
    assert (row["outcome"], row["reason"], row["customer"], row["attempts"]) == ("voicemail", "wrong_pin", None, [])
    await asyncio.sleep(1)
    assert not [c for c in observer.of_type("ChannelCreated") if channel_name(c).startswith("PJSIP/alice-")], \
        "nobody was rung"
    assert not alice.received("INVITE")
    await alice.stop()


async def test_callers_known_an_unknown_number_leaves_a_message_and_an_imported_customer_gets_through(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path)
    caller = await phones.call("5703", tmp_path / "unknown", caller="0231000003", speaks_after_ms=3000,
                               hold_ms=9000)
    await proc.wait_for_line("caller 0231000003 not in the directory (callers: known): a message, nobody rung",
                             timeout=20)
    assert await caller.done(60) == 0, caller.output
    (row,) = await call_log(path, timeout=30)
    assert (row["outcome"], row["reason"], row["attempts"]) == ("voicemail", "unknown_caller", [])
    assert not [c for c in observer.of_type("ChannelCreated") if channel_name(c).startswith("PJSIP/alice-")], \
        "nobody was rung"

    csv = tmp_path / "customers.csv"
    csv.write_text("id,name,site,numbers\nhotel-caen,Hôtel du Port,Caen,02 31 00 00 03\n")
    assert "1 customer(s) imported" in (await cli(path, "callers", "import", str(csv))).stdout
    await proc.wait_for_line("known callers: 2 from the configuration, 1 imported", timeout=20)
    caller = await phones.call("5703", tmp_path / "known", caller="0231000003", hold_ms=5000)
    await proc.wait_for_line("caller known by number: Hôtel du Port (Caen)", timeout=20)
    await bridged(observer, "alice", timeout=30)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    rows = await call_log(path, count=2)
    assert [(r["customer"], r["answered_by"]) for r in rows] == [(None, None), ("hotel-caen", "alice")]


async def test_a_premium_customer_rings_every_level_at_once(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    path = config(lab, tmp_path)
    proc: DaemonProcess = await daemon(path)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=3000)
    bob = await phones.phone("bob", PORT["bob"], "noanswer", tmp_path)
    caller = await phones.call("5704", tmp_path, caller=CUSTOMER_NUMBER, hold_ms=5000)
    await proc.wait_for_line("contract premium: ringall", timeout=20)
    await bridged(observer, "alice", timeout=30)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    assert await bob.done(20) == 0 and bob.received("INVITE"), \
        "bob rang with alice (linear: alice answers within her ring time, bob never rings)"
    (row,) = await call_log(path)
    assert row["customer"] == "biogaz-stlo" and sorted(a["person"] for a in row["attempts"]) == ["alice", "bob"]
    assert {a["level"] for a in row["attempts"]} == {1, 2}
