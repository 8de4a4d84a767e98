"""Issue 15, items 1, 2 and 4: the PBX tiers confirm like the daemon, trust no dialed number, serve menus.

The probes of the issue, against the lab: with the daemon down (AstDB tier) or only its ARI link
down (FastAGI tier), a level-1 phone that answers and never presses a digit (what a mobile's
voicemail does), presses 2, or hangs up must not take the call: level 2 rings. A Request-URI
holding ``,`` or ``../`` is not a number. A menu number still offers its menu.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import DaemonProcess, lab_config
from tests.helpers.lab import TierLog

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

PORT = {"alice": 5081, "bob": 5082, "carol": 5083}
ARI_DOWN = ('url: "http://127.0.0.1:8088"', 'url: "http://127.0.0.1:8099"')


def team(name: str, number: str, *members: str, confirm: bool = True) -> str:
    layers = "\n".join(
        f"    - name: level{n}\n      rotation: {{members: [{who}], every: 1 week, handoff: \"monday 09:00\","
        f" start: 2026-11-02}}" for n, who in enumerate(members, 1))
    return f"""
{name}:
  numbers: ["{number}"]
  greeting: "Astreinte."
  service_hours: {{weekdays: all-day, weekends: all-day}}
  hunt: {{strategy: linear, ring_timeout: 10s, rounds: 1, confirm: {str(confirm).lower()}, confirm_timeout: 3s,
          on_no_answer: hangup}}
  layers:
{layers}
"""


async def daemon_gone(run_daemon: Any, config: Path) -> None:
    """Start the daemon until it wrote AstDB (and rendered the prompts), then stop it: the AstDB tier serves."""
    process = await run_daemon(config)
    await process.wait_for_line("AstDB: wrote")
    assert await process.stop() == 0


async def ari_down(run_daemon: Any, config: Path) -> DaemonProcess:
    """The daemon up without its ARI link: Stasis() fails, the FastAGI tier serves."""
    config.write_text(config.read_text().replace(*ARI_DOWN))
    process: DaemonProcess = await run_daemon(config, ready="FastAGI listening")
    await process.wait_for_line("ARI unavailable")
    return process


def bridged(observer: Observer) -> set[str]:
    """The phones the caller was connected to: their channel entered a bridge (Dial()'s) while still up.
    (A callee who hangs up during the prompt ends Dial()'s subroutine early; Asterisk then puts the dead
    channel in the bridge for an instant before Dial() returns: nobody is connected to anybody.)"""
    gone: set[str] = set()
    out: set[str] = set()
    for seen in observer.seen:
        if seen.type == "ChannelHangupRequest":
            gone.add(channel_name(seen))
        elif seen.type == "ChannelEnteredBridge" and channel_name(seen) not in gone:
            out.add(channel_name(seen).rsplit("-", 1)[0])
    return out


@pytest.mark.parametrize("first", ["answer", "dtmf2", "hangup"])
async def test_the_astdb_tier_asks_for_1_and_moves_on(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path, first: str) -> None:
    """Daemon down. alice answers and stays silent (a voicemail), presses 2, or hangs up: she is not
    bridged, bob rings, presses 1 and takes the call."""
    number = {"answer": "5601", "dtmf2": "5602", "hangup": "5603"}[first]
    config = lab_config(lab, tmp_path, team("support", number, "alice", "bob"))
    log = TierLog(lab)
    await daemon_gone(run_daemon, config)
    alice = await (phones.phone("alice", PORT["alice"], "dtmf", tmp_path, ring_ms=300, digit="2")
                   if first == "dtmf2" else phones.phone("alice", PORT["alice"], first, tmp_path, ring_ms=300))
    bob = await phones.phone("bob", PORT["bob"], "dtmf1", tmp_path, ring_ms=300)
    caller = await phones.call(number, tmp_path, hold_ms=14000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/bob-"),
                            timeout=40, what="bob bridged after alice did not accept")
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(30) == 0 and await bob.done(30) == 0
    assert "PJSIP/alice" not in bridged(observer), "alice never pressed 1: she must not get the caller"
    tiers = log.calls(number)
    assert tiers[-1][:4] == ["stasis", "agi", "astdb (FastAGI FAILURE)", "astdb rings level 1 PJSIP/alice"], tiers
    assert tiers[-1][4].startswith("astdb level 1 not accepted (") and tiers[-1][5:] == [
        "astdb rings level 2 PJSIP/bob"], tiers


async def test_the_fastagi_tier_asks_for_1_and_moves_on(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("support", "5604", "alice", "bob"))
    log = TierLog(lab)
    process = await ari_down(run_daemon, config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    bob = await phones.phone("bob", PORT["bob"], "dtmf1", tmp_path, ring_ms=300)
    caller = await phones.call("5604", tmp_path, hold_ms=14000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/bob-"),
                            timeout=40, what="bob bridged after alice's silence")
    assert await caller.done(40) == 0 and await alice.done(30) == 0 and await bob.done(30) == 0
    assert "PJSIP/alice" not in bridged(observer)
    await process.wait_for_line("FastAGI: call")
    tiers = log.calls("5604")
    assert tiers[-1] == ["stasis", "agi", "agi rings level 1 PJSIP/alice", "agi level 1 not accepted (BUSY)",
                         "agi rings level 2 PJSIP/bob"], tiers


async def test_without_confirm_the_tiers_bridge_at_the_answer(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("support", "5605", "alice", "bob", confirm=False))
    await daemon_gone(run_daemon, config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5605", tmp_path, hold_ms=4000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=30, what="alice bridged at once")
    assert await caller.done(30) == 0 and await alice.done(30) == 0


@pytest.mark.parametrize("dialed", ["5606,14", "5606;x", "1/../../../../../tmp/astreinte-probe", "5606${X}"])
async def test_a_dialed_number_is_data_never_syntax(
        lab: Any, run_daemon: Any, tmp_path: Path, dialed: str) -> None:
    """A blocked caller, the daemon down. ``5606,14`` once skipped the block list and rang the on-call phone
    (``GotoIf(...?astreinte-fallback,${EXTEN},1)`` read the comma as the priority); ``../`` once made
    Record() write outside its folder. Only the configured number, as a number, enters astreinte."""
    config = lab_config(lab, tmp_path, team("support", "5606", "alice"), extra='blocklist: ["0699999999"]')
    log = TierLog(lab)
    await daemon_gone(run_daemon, config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    probe = await phones.call(dialed, tmp_path, caller="0699999999", hold_ms=3000, name="caller-probe")
    # refused with a 404, or (``{}`` is not SIP syntax) dropped by Asterisk's SIP parser: the probe then
    # gives up after its INVITE's retransmissions, Timer B = 32 s
    assert await probe.done(45) != 0, "a call to a number nobody configured must be refused"
    refused = await phones.call("5606", tmp_path, caller="0699999999", hold_ms=2000, name="caller-blocked")
    assert await refused.done(30) != 0, "the blocked caller stays refused"
    await alice.stop()
    assert not alice.received("INVITE"), "the on-call phone rang for a blocked caller"
    assert not list((lab.root / "tmp").glob("astreinte-probe*")), "a file was written outside the spool"
    tiers = log.calls("5606")
    assert tiers[-1][-1] == "astdb: caller blocked", tiers
    assert not [line for line in lab.console_log().splitlines() if "astreinte: call" in line
                and ("5606," in line or "5606;" in line or "../" in line or "${" in line)]


MENU = """
menus:
  "5610":
    prompt: "Pour le support, tapez 1. Pour la maintenance, tapez 2."
    options: {"1": support, "2": maintenance}
    default: support
    timeout: 3s
"""


@pytest.mark.parametrize(("tier", "digit", "expected"), [
    ("astdb", "2", "bob"), ("astdb", None, "alice"), ("agi", "2", "bob")])
async def test_a_menu_number_has_its_menu_in_the_pbx_tiers(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path, tier: str, digit: str | None,
        expected: str) -> None:
    """With the daemon down (or its ARI link), the menu number still asks; 2 reaches maintenance's chain,
    silence the default team's: not voicemail."""
    teams = team("support", "5611", "alice", confirm=False) + team("maintenance", "5612", "bob", confirm=False)
    config = lab_config(lab, tmp_path, teams, extra=MENU)
    log = TierLog(lab)
    if tier == "astdb":
        await daemon_gone(run_daemon, config)
    else:
        await ari_down(run_daemon, config)
    phone = await phones.phone(expected, PORT[expected], "answer", tmp_path, ring_ms=300)
    other = "alice" if expected == "bob" else "bob"
    idle = await phones.phone(other, PORT[other], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5610", tmp_path, hold_ms=12000, digit=digit, digit_delay_ms=1500)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                            and channel_name(s).startswith(f"PJSIP/{expected}-"),
                            timeout=40, what=f"{expected} bridged through the menu")
    assert await caller.done(40) == 0 and await phone.done(30) == 0
    await idle.stop()
    assert not idle.received("INVITE")
    team_number = "5612" if expected == "bob" else "5611"
    assert log.calls("5610")[-1][0] == "stasis"
    assert f"{tier} rings level 1 PJSIP/{expected}" in log.calls(team_number)[-1]


async def test_a_menu_call_handed_back_by_the_daemon_gets_the_menu_again(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    """kill -9 while the caller listens to the menu: the next daemon hands the call back under the menu
    number; the PBX offers the menu (default: support), never "no team answers this number"."""
    teams = team("support", "5613", "alice", confirm=False) + team("maintenance", "5614", "bob", confirm=False)
    config = lab_config(lab, tmp_path, teams, extra=MENU.replace('"5610"', '"5615"').replace("3s", "10s"))
    first = await run_daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5615", tmp_path, hold_ms=25000)
    await first.wait_for_line("arrived on menu 5615")
    assert first.proc is not None
    first.proc.kill()
    await first.proc.wait()
    second = await run_daemon(config)
    await second.wait_for_line("handing it to the dialplan fallback")
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=40, what="alice bridged by the default of the menu")
    assert await caller.done(50) == 0 and await alice.done(30) == 0
    assert not any("no team answers this number" in line for line in second.lines), second.log()
