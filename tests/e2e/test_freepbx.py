"""On the PBX a company already runs: a FreePBX 17 install, in its shape (tests/asterisk/freepbx17).

The lab Asterisk is restarted with that case's configuration for this module: the carrier's
calls land in ``from-trunk`` -> ``from-pstn`` -> ``ext-did``, whose route for the on-call DID goes
to the Custom Destination ``astreinte-inbound,${EXTEN},1``; another DID goes to extension 200;
mobiles are dialed through ``from-internal`` and the outbound route ``outrt-1`` (``+33`` -> ``0``)
towards the trunk ``carrier``, a sipp that answers like a mobile network. astreinte's own files
are only what docs/freepbx.md adds: ``extensions_astreinte.conf`` (``dialplan write``) included
from ``extensions_custom.conf``, and its ARI/AMI users in the ``*_custom.conf`` files.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from lab.pbx import CONF
from tests.helpers.daemon import REPO, lab_config

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

CASE = REPO / "tests" / "asterisk" / "freepbx17"
GENERIC = ("asterisk.conf", "modules.conf", "logger.conf", "rtp.conf", "indications.conf", "musiconhold.conf")
DID = "0388000001"               # how this carrier delivers the on-call number
OTHER_DID = "0388000002"         # the company's switchboard: extension 200
CARRIER = 5086                   # where the trunk `carrier` sends calls out (pjsip.aor.conf)
EXT = {"100": 5081, "200": 5085}
MOBILE = "+33612345678"


@pytest.fixture(scope="module")
def freepbx(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The lab Asterisk, restarted on the FreePBX-shaped configuration; the lab's own afterwards."""
    etc = tmp_path_factory.mktemp("freepbx17-etc")
    for name in GENERIC:
        shutil.copy(CONF / name, etc / name)
    for path in CASE.glob("*.conf"):
        shutil.copy(path, etc / path.name)
    shutil.copy(CONF / "extensions_astreinte.conf", etc)    # as after a first `dialplan write`
    lab.restart(etc)
    try:
        yield lab
    finally:
        lab.restart()


def team(*levels: str, confirm: bool = True) -> str:
    layers = "\n".join(
        f"    - name: level{n}\n      rotation: {{members: [{who}], every: 1 week, handoff: \"monday 09:00\","
        f" start: 2026-11-02}}" for n, who in enumerate(levels, 1))
    return f"""
support:
  numbers: ["+33388000001"]
  greeting: "Astreinte du support."
  service_hours: {{weekdays: all-day, weekends: all-day}}
  hunt: {{strategy: linear, ring_timeout: 10s, rounds: 1, confirm: {str(confirm).lower()}, confirm_timeout: 4s,
          on_no_answer: hangup}}
  layers:
{layers}
"""


PEOPLE = f"""
alice: {{name: Alice Martin, phones: [PJSIP/100]}}
bob: {{name: Bob Durand, phones: ["{MOBILE}"]}}
"""


def messages_log(lab: Any) -> Path:
    return Path(lab.run_dir) / "log" / "messages.log"


@pytest.fixture
def since(freepbx: Any) -> int:
    """Where this test's part of Asterisk's log starts (the instance serves the whole module)."""
    path = messages_log(freepbx)
    return path.stat().st_size if path.exists() else 0


def logged(lab: Any, since: int, *needles: str) -> list[str]:
    """This test's lines of Asterisk's messages.log (verbose 3) holding every needle."""
    with messages_log(lab).open("rb") as handle:
        handle.seek(since)
        text = handle.read().decode(errors="replace")
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def executed(lab: Any, since: int, *needles: str) -> list[str]:
    """This test's ``Executing [exten@context:priority] App("channel", "data")`` lines holding every needle.
    The context is the channel's: an included context (``from-pstn``, ``ext-did-0001``) shows as the one
    that includes it (``from-trunk``)."""
    return logged(lab, since, "Executing [", *needles)


async def test_the_on_call_did_as_the_carrier_sends_it_reaches_the_on_call_softphone(
        freepbx: Any, daemon: Any, since: int, tmp_path: Path) -> None:
    """The YAML says +33388000001; the carrier delivers 0388000001 through the FreePBX inbound route."""
    config = lab_config(freepbx, tmp_path, team("alice"), PEOPLE)
    process = await daemon(config)
    alice = await phones.phone("100", EXT["100"], "dtmf1", tmp_path, ring_ms=300)
    caller = await phones.call(DID, tmp_path, hold_ms=6000)
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(40) == 0, alice.output
    await process.wait_for_line("arrived on +33388000001 from 0611223344: team support")
    await process.wait_for_line("bridged with alice")
    assert executed(freepbx, since, f"[{DID}@from-trunk:", f'"__FROM_DID={DID}"'), "not through FreePBX's inbound route"
    assert executed(freepbx, since, f"[{DID}@from-trunk:", 'Goto("PJSIP/carrier-', f'"astreinte-inbound,{DID},1")')
    assert executed(freepbx, since, f"[{DID}@astreinte-inbound:1]", '"ASTREINTE_NUMBER=+33388000001"')


async def test_another_did_of_the_same_trunk_never_enters_astreinte(
        freepbx: Any, daemon: Any, since: int, tmp_path: Path) -> None:
    config = lab_config(freepbx, tmp_path, team("alice"), PEOPLE)
    process = await daemon(config)
    reception = await phones.phone("200", EXT["200"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call(OTHER_DID, tmp_path, hold_ms=2000)
    assert await caller.done(30) == 0, caller.output
    assert await reception.done(30) == 0, "the switchboard DID must still reach extension 200"
    unknown = await phones.call("0388000003", tmp_path, hold_ms=2000, name="caller-unrouted")
    await unknown.done(30)                              # FreePBX's catch-all: "no service", then hang-up
    assert executed(freepbx, since, "[0388000003@from-trunk:1]", '"No DID or CID Match"')
    assert executed(freepbx, since, f"[{OTHER_DID}@from-trunk:", '"from-did-direct,200,1"')
    assert executed(freepbx, since, "[200@from-did-direct:", 'Dial("PJSIP/carrier-', '"PJSIP/200,')
    assert not executed(freepbx, since, "@astreinte-"), "nothing entered astreinte's contexts"
    assert not any("arrived on" in line for line in process.lines), process.log()


@pytest.mark.parametrize("outbound", ["Local/{national}@from-internal", "Local/{number}@from-internal/n"])
async def test_the_mobile_is_dialed_through_the_outbound_route_and_still_has_to_press_1(
        freepbx: Any, daemon: Any, since: int, tmp_path: Path, outbound: str) -> None:
    """Level 1 is bob's mobile through FreePBX's route (the carrier sees 0612345678 either way): its
    voicemail answers and never presses a digit, so bob is declined; level 2, alice, presses 1."""
    config = lab_config(freepbx, tmp_path, team("bob", "alice"), PEOPLE, outbound=outbound)
    process = await daemon(config)
    voicemail = await phones.phone("carrier", CARRIER, "answer", tmp_path, ring_ms=500)
    alice = await phones.phone("100", EXT["100"], "dtmf1", tmp_path, ring_ms=300)
    async with Observer() as watch:
        caller = await phones.call(DID, tmp_path, hold_ms=15000)
        await watch.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/100-"),
                             timeout=40, what="alice bridged after bob's voicemail was declined")
        ours = [s for s in watch.of_type("ChannelEnteredBridge") if "-bridge" in s.event["bridge"]["id"]]
        bridged = {channel_name(s).rsplit("-", 1)[0] for s in ours}     # the daemon's bridge, not Dial()'s
    assert await caller.done(40) == 0, caller.output
    assert await voicemail.done(30) == 0 and await alice.done(30) == 0
    (invite,) = voicemail.received("INVITE")
    assert invite.first_line.startswith("INVITE sip:0612345678@"), invite.first_line
    dialed = "+33612345678" if "{number}" in outbound else "0612345678"
    assert executed(freepbx, since, f"[{dialed}@from-internal:", '"macro-dialout-trunk,s,1(1,0612345678,,off)"')
    assert executed(freepbx, since, "[s@macro-dialout-trunk:", 'Dial("Local/', '"PJSIP/0612345678@carrier,300,T"')
    await process.wait_for_line(f"ringing bob (level 1) on {MOBILE}")
    await process.wait_for_line("bob answered")
    await process.wait_for_line("bridged with alice")
    assert not any("bridged with bob" in line for line in process.lines), "an answering machine took the call"
    assert bridged == {"PJSIP/carrier", "PJSIP/100"}, bridged              # the caller and alice only
    assert logged(freepbx, since, "<Local/", ";1> Playing '/lab/"), "bob's voicemail never heard the prompt"


async def test_the_mobile_that_presses_1_through_the_route_is_bridged(
        freepbx: Any, daemon: Any, since: int, tmp_path: Path) -> None:
    config = lab_config(freepbx, tmp_path, team("bob"), PEOPLE, outbound="Local/{national}@from-internal")
    process = await daemon(config)
    mobile = await phones.phone("carrier", CARRIER, "dtmf1", tmp_path, ring_ms=500)
    caller = await phones.call(DID, tmp_path, hold_ms=8000)
    assert await caller.done(40) == 0, caller.output
    assert await mobile.done(30) == 0, mobile.output
    await process.wait_for_line("bob pressed 1")
    await process.wait_for_line("bridged with bob")
    await process.wait_for_line("finished: answered by bob")
