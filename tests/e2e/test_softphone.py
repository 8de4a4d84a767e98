"""Issue 6's proof: a real softphone (baresip) provisioned by ``astreinte phones write`` against the lab.

zoe's softphone is managed by astreinte: ``phones write --reload`` writes her endpoint, auth and
aor into the lab Asterisk's ``pjsip_astreinte.conf`` and reloads res_pjsip through AMI. baresip
registers with the generated password, is hunted, auto-answers, presses 1 and is bridged to the
caller; with a wrong password it is refused; a spoofed INVITE and zoe's own calls reach nothing;
once unregistered the hunt skips it without ringing it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lab import phones, softphone
from lab.observer import Observer, channel_name
from lab.softphone import Baresip
from tests.helpers.daemon import REPO, call_log, lab_config
from tests.helpers.timing import scaled

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

PEOPLE = """
  zoe: {name: Zoé Fontaine, phones: [PJSIP/zoe]}
  alice: {name: Alice Martin, phones: [PJSIP/alice]}
"""
TEAMS = """
support:
  numbers: ["1000"]
  greeting: "Astreinte de test."
  service_hours: {weekdays: all-day, weekends: all-day}
  hunt: {strategy: linear, ring_timeout: 10s, rounds: 1, confirm: true, on_no_answer: hangup, confirm_timeout: 6s}
  layers:
    - name: primary
      rotation: {members: [zoe], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
    - name: backup
      rotation: {members: [alice], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""


@dataclass(frozen=True)
class Provisioned:
    config: Path
    password: str


async def astreinte(config: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astreinte", "--config", str(config), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO)
    out, err = await proc.communicate()
    return proc.returncode if proc.returncode is not None else -1, out.decode(), err.decode()


def phones_block(lab: Any, folder: Path) -> str:
    return f"""
phones:
  domain: 127.0.0.1
  pjsip_transport: transport-udp
  manage: [zoe]
  qualify: 10s
  warn_after: 2s
  secrets: {folder / "phone-secrets.json"}
  file: {lab.etc_dir / "pjsip_astreinte.conf"}
"""


@pytest.fixture(scope="module")
async def provisioned(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Provisioned]:
    if not softphone.available():
        pytest.fail("baresip is missing: `make setup` installs Debian's baresip-core")
    folder = tmp_path_factory.mktemp("softphone")
    config = lab_config(lab, folder, TEAMS, PEOPLE, phones_block(lab, folder))
    code, out, err = await astreinte(config, "phones", "write", "--reload")
    assert code == 0, out + err
    assert "1 softphone(s) (zoe)" in out and "reloaded res_pjsip" in out, out
    secrets = folder / "phone-secrets.json"
    assert secrets.stat().st_mode & 0o777 == 0o600
    password = json.loads(secrets.read_text())["zoe"]
    generated = (lab.etc_dir / "pjsip_astreinte.conf").read_text()
    assert f"password = {password}" in generated and "context = astreinte-phones" in generated
    # kept across runs: a second write changes nothing
    code, out, err = await astreinte(config, "phones", "write")
    assert code == 0 and out.startswith("unchanged"), out + err
    assert json.loads(secrets.read_text())["zoe"] == password
    yield Provisioned(config, password)


def config_for(lab: Any, tmp_path: Path, provisioned: Provisioned) -> Path:
    """A per-test configuration (own call log) with the module's phones block and passwords."""
    return lab_config(lab, tmp_path, TEAMS, PEOPLE, phones_block(lab, provisioned.config.parent))


async def endpoint_state(observer: Observer, name: str) -> str:
    return str((await observer.get(f"/endpoints/PJSIP/{name}"))["state"])


async def wait_state(observer: Observer, name: str, state: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + scaled(timeout)
    while (current := await endpoint_state(observer, name)) != state:
        assert time.monotonic() < end, f"PJSIP/{name} stayed {current}, expected {state}"
        await asyncio.sleep(0.1)


def plays_to(observer: Observer, seen: Any, prefix: str) -> bool:
    """Whether ``seen`` is a playback starting on a channel whose name starts with ``prefix``."""
    if seen.type != "PlaybackStarted":
        return False
    target = str(seen.event["playback"].get("target_uri", ""))
    ids = {c.event["channel"]["id"] for c in observer.of_type("ChannelCreated") if channel_name(c).startswith(prefix)}
    return target.startswith("channel:") and target.split(":", 1)[1] in ids


async def status(config: Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = await astreinte(config, "phones", "status", "--json")
    assert code in (0, 1), out + err
    return code, json.loads(out), err


async def test_softphone_registers_is_hunted_answers_presses_1_and_is_bridged(
        lab: Any, daemon: Any, observer: Observer, provisioned: Provisioned, tmp_path: Path) -> None:
    zoe = await Baresip("zoe", provisioned.password, tmp_path).start()
    try:
        await zoe.register()
        await zoe.wait_event("REGISTER_OK")
        await wait_state(observer, "zoe", "online")
        config = config_for(lab, tmp_path, provisioned)
        code, report, _ = await status(config)
        assert code == 0 and report["people"]["zoe"] == [
            {"phone": "PJSIP/zoe", "state": "online", "registered": True}], report
        assert report["warnings"] == []

        await daemon(config)
        caller = await phones.call("1000", tmp_path, hold_ms=6000)
        await zoe.wait_event("CALL_ESTABLISHED", timeout=20)     # answermode=auto
        await observer.wait_for(lambda s: plays_to(observer, s, "PJSIP/zoe-"), timeout=10,
                                what="the confirmation prompt playing to zoe")   # she hears "press 1"...
        await zoe.command("sndcode", "1")                        # ...and presses 1 (RFC 4733) while it plays
        entered = await observer.wait_for(
            lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/zoe-"),
            timeout=15, what="zoe's softphone entering a bridge")
        bridge = await observer.get(f"/bridges/{entered.event['bridge']['id']}")
        members = {(await observer.get(f"/channels/{cid}"))["name"].rsplit("-", 1)[0] for cid in bridge["channels"]}
        assert members == {"PJSIP/trunk", "PJSIP/zoe"}, bridge
        assert await caller.done(30) == 0, caller.output
        (row,) = await call_log(config)
        assert (row["outcome"], row["answered_by"]) == ("answered", "zoe"), row
        assert [(a["person"], a["result"]) for a in row["attempts"]] == [("zoe", "answered")]
        assert zoe.sip_requests_received("INVITE") >= 1
    finally:
        await zoe.stop()


async def test_wrong_password_is_refused_and_stays_offline(
        observer: Observer, provisioned: Provisioned, tmp_path: Path) -> None:
    await wait_state(observer, "zoe", "offline")
    intruder = await Baresip("zoe", "not-the-password-" + provisioned.password[:4], tmp_path).start()
    try:
        await intruder.register()
        failed = await intruder.wait_event("REGISTER_FAIL")
        assert failed["param"].startswith("401"), failed
        assert not intruder.of_type("REGISTER_OK")
        assert await endpoint_state(observer, "zoe") == "offline"
    finally:
        await intruder.stop()


async def test_spoofed_invite_and_phone_context_reach_nothing(
        lab: Any, daemon: Any, observer: Observer, provisioned: Provisioned, tmp_path: Path) -> None:
    config = config_for(lab, tmp_path, provisioned)
    await daemon(config)
    first = len(observer.seen)
    # 1. an unknown source claiming to be zoe dials a mobile and the on-call number: challenged, no channel
    spoof = await phones.call("+33611223344", tmp_path, caller="zoe", port=5099, name="spoof-mobile")
    assert await spoof.done(30) != 0
    assert spoof.received("401") and not spoof.received("200"), [m.first_line for m in spoof.messages()]
    # 2. zoe herself (authenticated) dials out and the on-call number: her context hangs up on everything
    zoe = await Baresip("zoe", provisioned.password, tmp_path).start()
    reasons = []
    try:
        await zoe.register()
        await zoe.wait_event("REGISTER_OK")
        for target in ("+33611223344", "1000", "alice"):
            asked = time.monotonic()
            await zoe.command("dial", f"sip:{target}@127.0.0.1:5060")
            closed = await zoe.wait_event("CALL_CLOSED", timeout=10, after=asked)
            reasons.append((target, closed.get("param")))
            assert not zoe.of_type("CALL_ESTABLISHED"), closed
    finally:
        await zoe.stop()

    def zoe_channels_over() -> bool:
        created = {s.event["channel"]["id"] for s in observer.seen[first:] if s.type == "ChannelCreated"}
        gone = {s.event["channel"]["id"] for s in observer.seen[first:] if s.type == "ChannelDestroyed"}
        return bool(created) and created <= gone        # "alice" is refused before any channel exists

    await observer.wait_for(lambda _: zoe_channels_over(), timeout=10, what="zoe's channels created and ended")
    created = [s for s in observer.seen[first:] if s.type == "ChannelCreated"]   # by order, not by clock
    names = [channel_name(s) for s in created]
    assert names and all(name.startswith("PJSIP/zoe-") for name in names), (names, reasons)
    assert {s.event["channel"]["dialplan"]["context"] for s in created} == {"astreinte-phones"}
    code, out, _err = await astreinte(config, "calls", "--json")
    assert code == 0 and json.loads(out) == [], "a phone's call reached the on-call engine: " + out

async def test_unregistered_softphone_is_skipped_without_ringing(
        lab: Any, daemon: Any, observer: Observer, provisioned: Provisioned, tmp_path: Path) -> None:
    config = config_for(lab, tmp_path, provisioned)
    zoe = await Baresip("zoe", provisioned.password, tmp_path).start()
    try:
        await zoe.register()
        await zoe.wait_event("REGISTER_OK")
        await wait_state(observer, "zoe", "online")
        proc = await daemon(config)
        await zoe.unregister()                    # REGISTER Expires: 0; baresip keeps listening
        await wait_state(observer, "zoe", "offline")
        await proc.wait_for_line("softphone PJSIP/zoe is offline (on call now)", timeout=10)   # the daemon's watch
        code, report, err = await status(config)
        assert code == 1 and report["people"]["zoe"][0]["state"] == "offline", report
        assert [(w["person"], w["when"]) for w in report["warnings"]] == [("zoe", "now")], report
        code, out, err = await astreinte(config, "phones", "status")
        assert "OFFLINE" in out and "zoe" in err and "on call now" in err, out + err

        first = len(observer.seen)
        alice = await phones.phone("alice", 5081, "dtmf1", tmp_path)
        caller = await phones.call("1000", tmp_path, hold_ms=6000)
        await observer.wait_for(
            lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
            timeout=20, what="alice (second level) entering a bridge")
        assert await caller.done(30) == 0, caller.output
        assert await alice.done(30) == 0, alice.output
        (row,) = await call_log(config)
        assert [(a["person"], a["result"]) for a in row["attempts"]] == [("zoe", "unreachable"), ("alice", "answered")]
        assert not [s for s in observer.seen[first:]
                    if s.type == "ChannelCreated" and channel_name(s).startswith("PJSIP/zoe-")], "zoe's phone was rung"
        assert zoe.sip_requests_received("INVITE") == 0, "an INVITE reached the unregistered softphone"
    finally:
        await zoe.stop()


async def test_rotate_with_reload_locks_the_old_password_out(
        observer: Observer, provisioned: Provisioned, tmp_path: Path) -> None:
    """A lost phone: `phones rotate zoe --reload`; the old password is refused at once, the new one works.
    The module's password is put back afterwards, so the other tests do not depend on running before this one."""
    await wait_state(observer, "zoe", "offline")
    secrets = provisioned.config.parent / "phone-secrets.json"
    kept = secrets.read_text()
    code, out, err = await astreinte(provisioned.config, "phones", "rotate", "zoe", "--reload")
    assert code == 0 and "reloaded res_pjsip" in out, out + err
    new = json.loads((provisioned.config.parent / "phone-secrets.json").read_text())["zoe"]
    assert new != provisioned.password and new in out
    for password, expected in ((provisioned.password, "REGISTER_FAIL"), (new, "REGISTER_OK")):
        folder = tmp_path / expected
        folder.mkdir()
        phone = await Baresip("zoe", password, folder).start()
        try:
            await phone.register()
            event = await phone.wait_event(expected)
            assert expected == "REGISTER_OK" or event["param"].startswith("401"), event
        finally:
            await phone.stop()
    secrets.write_text(kept)
    code, out, err = await astreinte(provisioned.config, "phones", "write", "--reload")
    assert code == 0 and "reloaded res_pjsip" in out, out + err
