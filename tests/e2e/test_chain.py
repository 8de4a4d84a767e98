"""The chain end to end against the lab: ringall, rounds (a skipped phone logged again in each round),
the callee's caller ID (`"ASTREINTE <team>" <caller>`), a menu's default after its timeout.

Numbers 1401-1499 are this file's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import call_log, lab_config
from tests.helpers.lab import PORT, bridged, caller_channel, finished, playbacks, results, stamp, team
from tests.helpers.timing import scaled

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


def from_header(message: phones.SipMessage) -> str:
    found = re.search(r"^From:\s*(.*)$", message.text, re.MULTILINE | re.IGNORECASE)
    assert found, message.text
    return found.group(1).strip()


async def test_ringall_rings_every_level_at_once_and_the_callee_sees_the_team_and_the_caller(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice", "bob", "carol"), strategy="ringall", ring="10s",
                                            numbers='["1401"]'))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=1500)
    carol = await phones.phone("carol", PORT["carol"], "noanswer", tmp_path)
    caller = await phones.call("1401", tmp_path, caller="0611223344", hold_ms=5000)
    await bridged(observer, "bob")
    assert await caller.done(30) == 0 and await bob.done(30) == 0
    assert await alice.done(30) == 0 and await carol.done(30) == 0
    invites = [p.received("INVITE")[0] for p in (alice, bob, carol)]
    spread = (max(i.at for i in invites) - min(i.at for i in invites)).total_seconds()
    assert spread < scaled(0.3), f"ringall: the three phones rang {spread:.2f} s apart"
    for phone in (alice, carol):
        assert phone.received("CANCEL"), "bob took the call: the others stop ringing"
    for invite in invites:
        assert re.fullmatch(r'"ASTREINTE support" <sip:0611223344@[^>]+>;tag=\S+', from_header(invite)), invite.text
    (row,) = await call_log(config)
    assert sorted(results(row)) == [("alice", "cancelled"), ("bob", "answered"), ("carol", "cancelled")]


async def test_rounds_walk_the_chain_again_and_log_a_skipped_phone_in_each(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    people = """
      erin: {name: Erin Roux, phones: [PJSIP/erin]}
      alice: {name: Alice Martin, phones: [PJSIP/alice]}
    """
    config = lab_config(lab, tmp_path, team(("erin", "alice"), ring="2s", rounds=2, numbers='["1402"]'),
                        people=people)
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path, calls=2)
    caller = await phones.call("1402", tmp_path, hold_ms=30000)        # astreinte hangs up: nobody answered
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(20) == 0
    assert len(alice.received("INVITE")) == 2, "alice is rung once per round"
    assert not [s for s in observer.of_type("ChannelCreated") if channel_name(s).startswith("PJSIP/erin-")]
    (row,) = await call_log(config)
    assert row["outcome"] == "failed"
    assert [(a["round"], a["level"], a["person"], a["result"]) for a in row["attempts"]] == [
        (1, 1, "erin", "unreachable"), (1, 2, "alice", "no_answer"),
        (2, 1, "erin", "unreachable"), (2, 2, "alice", "no_answer")]
    skipped = [a for a in row["attempts"] if a["person"] == "erin"]
    assert all(a["started_at"] == a["ended_at"] for a in skipped), "a skipped phone's attempt lasts no time"


async def test_a_menu_without_a_choice_goes_to_its_default_after_its_timeout(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    teams = team(("alice",), numbers='["1403"]') + team(("bob",), name="maintenance", numbers='["1404"]')
    menus = """
    menus:
      "1405":
        prompt: "Pour le support, tapez 1. Pour la maintenance, tapez 2."
        options: {"1": support, "2": maintenance}
        default: maintenance
        timeout: 3s
    """
    config = lab_config(lab, tmp_path, teams, extra=menus)
    await daemon(config)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1405", tmp_path, hold_ms=15000)         # presses nothing
    await bridged(observer, "bob")
    assert await caller.done(40) == 0 and await bob.done(30) == 0
    prompt, *_ = playbacks(observer, caller_channel(observer))      # the menu's prompt, then the team's greeting
    prompt_end = stamp(finished(observer, prompt))
    waited = (bob.received("INVITE")[0].at.astimezone() - prompt_end).total_seconds()
    assert 3 - 0.2 < waited < 3 + scaled(1.0), f"the default team rang {waited:.2f} s after the menu prompt"
    (row,) = await call_log(config)
    assert (row["team"], row["did"], row["answered_by"]) == ("maintenance", "1405", "bob")
