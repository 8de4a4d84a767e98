"""Issue 19's proof: the service line the people on call dial, against the lab Asterisk with real phones.

zoe's softphone (baresip, provisioned by ``phones write``) dials ``*88``: no PIN, her endpoint names her.
bob's "mobile" is a sipp caller on the trunk from 0612345678 dialing the service number 5399: he gives his
PIN (``astreinte phones pin bob``). Keys are RFC 4733. alice holds the first layer of support (5301) until
someone takes it; she is told by e-mail (a local SMTP server) when they do.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from lab import phones, softphone
from lab.observer import Observer, Seen, channel_name
from lab.phones import Sipp
from lab.softphone import Baresip
from tests.helpers.daemon import REPO, DaemonProcess, cli, lab_config
from tests.helpers.lab import PORT, bridged
from tests.helpers.timing import wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

MOBILE = "0612345678"
PIN = "7441"                 # falling, and a key twice: each keypress reaches the line
PEOPLE = f"""
  zoe: {{name: Zoé Fontaine, phones: [PJSIP/zoe], email: zoe@lab.test}}
  alice: {{name: Alice Martin, phones: [PJSIP/alice], email: alice@lab.test}}
  bob: {{name: Bob Durand, phones: ["{MOBILE}"], email: bob@lab.test}}
"""
TEAMS = """
support:
  numbers: ["5301"]
  greeting: "Astreinte de test."
  service_hours: {weekdays: all-day, weekends: all-day}
  hunt: {strategy: linear, ring_timeout: 10s, rounds: 1, confirm: false, on_no_answer: hangup}
  layers:
    - name: primary
      rotation: {members: [alice], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
    - name: backup
      rotation: {members: [zoe, bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""


Provisioned = tuple[str, Path]        # zoe's password, the folder of the softphone secrets
Smtp = tuple[int, "Mailbox"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        return [str(message_from_bytes(raw)["Subject"]) for rcpt, raw in self.messages if address in rcpt]


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


@pytest.fixture(scope="module")
async def provisioned(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[str, Path]]:
    """zoe's softphone provisioned once (``phones write --reload``)."""
    if not softphone.available():
        pytest.fail("baresip is missing: `make setup` installs Debian's baresip-core")
    folder = tmp_path_factory.mktemp("service-phones")
    config = lab_config(lab, folder, TEAMS, PEOPLE, phones_block(lab, folder))
    await cli(config, "phones", "write", "--reload")
    yield str(json.loads((folder / "phone-secrets.json").read_text())["zoe"]), folder


def phones_block(lab: Any, folder: Path, smtp_port: int = 25, hours: str = "2h") -> str:
    return f"""
phones:
  domain: 127.0.0.1
  pjsip_transport: transport-udp
  manage: [zoe]
  secrets: {folder / "phone-secrets.json"}
  file: {lab.etc_dir / "pjsip_astreinte.conf"}
service:
  numbers: ["5399"]
  extension: "*88"
  announcement_hours: {hours}
notifications:
  email: {{host: 127.0.0.1, port: {smtp_port}, from: astreinte@lab.test, to: [ops@lab.test]}}
"""


def config_for(lab: Any, tmp_path: Path, password_dir: Path, smtp_port: int, hours: str = "2h") -> Path:
    """A per-test configuration (its own database) with the module's softphone secrets."""
    return lab_config(lab, tmp_path, TEAMS, PEOPLE, phones_block(lab, password_dir, smtp_port, hours))


async def mobile_call(number: str, workdir: Path, keys: list[tuple[int, str]], hold_ms: int = 8000) -> Sipp:
    """bob's mobile on the trunk, pressing ``keys`` (RFC 4733; any keys, repeated ones too)."""
    return await phones.call(number, workdir, caller=MOBILE, keys=keys, hold_ms=hold_ms, name=f"mobile-{number}")


def pin_keys(pin: str, first: int) -> list[tuple[int, str]]:
    return [(first, pin[0]), *((400, digit) for digit in pin[1:])]


async def set_pin(config: Path, person: str, pin: str) -> str:
    """``echo PIN | astreinte phones pin PERSON --stdin``."""
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "astreinte", "--config", str(config), "phones", "pin", person,
                         "--stdin"], input=pin + "\n", capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def who_first(config: Path) -> str:
    document = json.loads((await cli(config, "who", "--json")).stdout)
    (team,) = document["teams"]
    return str(next(r["person"] for r in team["chain"] if r["level"] == 1))


async def zoe_dials_service(zoe: Baresip, observer: Observer) -> str:
    """zoe dials *88; the id of her channel once the menu plays to it."""
    await zoe.command("dial", "sip:*88@127.0.0.1:5060")
    await zoe.wait_event("CALL_ESTABLISHED", timeout=15)
    seen = await observer.wait_for(lambda s: s.type == "PlaybackStarted" and plays_to_zoe(observer, s),
                                   timeout=15, what="the service line's menu playing to zoe")
    return str(seen.event["playback"]["target_uri"]).split(":", 1)[1]


def plays_to_zoe(observer: Observer, seen: Seen) -> bool:
    target = str(seen.event["playback"].get("target_uri", ""))
    ids = {c.event["channel"]["id"] for c in observer.of_type("ChannelCreated")
           if channel_name(c).startswith("PJSIP/zoe-")}
    return target.startswith("channel:") and target.split(":", 1)[1] in ids


async def press(zoe: Baresip, digits: str, gap: float = 0.5) -> None:
    for digit in digits:
        await zoe.command("sndcode", digit)
        await asyncio.sleep(gap)


async def publications(config: Path) -> str:
    return (await cli(config, "rota", "log")).stdout


async def test_softphone_takes_the_on_call_for_two_hours(
        lab: Any, daemon: Any, observer: Observer, provisioned: Provisioned, smtp: Smtp, tmp_path: Path) -> None:
    port, mailbox = smtp
    config = config_for(lab, tmp_path, provisioned[1], port)
    proc: DaemonProcess = await daemon(config)
    assert await who_first(config) == "alice"
    zoe = await Baresip("zoe", provisioned[0], tmp_path).start()
    try:
        await zoe.register()
        await zoe.wait_event("REGISTER_OK")
        await zoe_dials_service(zoe, observer)
        mark = proc.mark
        await press(zoe, "2")                        # take the on-call
        await asyncio.sleep(1.0)
        await press(zoe, "1")                        # the front line (her own layer is the backup)
        await asyncio.sleep(1.0)
        await press(zoe, "2#")                       # for 2 hours
        await proc.wait_for_line("zoe took support/primary until", timeout=15, since=mark)
        assert await who_first(config) == "zoe", "who shows zoe at level 1 right after"
        assert "override add" in await publications(config)
        await wait_until(lambda: bool(mailbox.to("alice@lab.test")), 15, "the notice to alice, the person replaced")
    finally:
        await zoe.stop()


async def test_mobile_with_the_right_pin_takes_the_on_call_until_the_hand_off(
        lab: Any, daemon: Any, provisioned: Provisioned, smtp: Smtp, tmp_path: Path) -> None:
    port, mailbox = smtp
    config = config_for(lab, tmp_path, provisioned[1], port)
    assert "PIN of bob set" in await set_pin(config, "bob", PIN)
    proc: DaemonProcess = await daemon(config)
    caller = await mobile_call("5399", tmp_path,     # take the on-call, the front line, until the hand-off
                               [*pin_keys(PIN, 3500), (12000, "2"), (3000, "1"), (3000, "#")], hold_ms=6000)
    await proc.wait_for_line("bob took support/primary until", timeout=40)
    assert await caller.done(60) == 0, caller.output
    assert await who_first(config) == "bob"
    await wait_until(lambda: bool(mailbox.to("alice@lab.test")), 15, "the notice to alice")


async def test_mobile_with_a_wrong_pin_three_times_is_refused_and_nothing_changes(
        lab: Any, daemon: Any, provisioned: Provisioned, smtp: Smtp, tmp_path: Path) -> None:
    port, _mailbox = smtp
    config = config_for(lab, tmp_path, provisioned[1], port)
    await set_pin(config, "bob", PIN)
    proc: DaemonProcess = await daemon(config)
    before = await publications(config)
    keys = [*pin_keys("123", 3500), *pin_keys("955", 12000), *pin_keys("0", 12000)]
    caller = await mobile_call("5399", tmp_path, keys, hold_ms=20000)
    await proc.wait_for_line("wrong PIN for bob from 0612345678 (3/3): refused", timeout=60)
    await caller.done(60)
    assert caller.received("BYE"), "the service line hangs up"
    assert proc.count("wrong PIN for bob") == 3
    assert await who_first(config) == "alice" and await publications(config) == before, "nothing changed"
    logged = json.loads((await cli(config, "service", "log", "--json")).stdout)
    assert [row["kind"] for row in logged if row["person"] == "bob"].count("wrong pin") == 3


async def test_an_announcement_recorded_by_phone_is_heard_then_expires(
        lab: Any, daemon: Any, observer: Observer, provisioned: Provisioned, smtp: Smtp, tmp_path: Path) -> None:
    port, _mailbox = smtp
    config = config_for(lab, tmp_path, provisioned[1], port, hours="1m")
    proc: DaemonProcess = await daemon(config)
    zoe = await Baresip("zoe", provisioned[0], tmp_path).start()
    try:
        await zoe.register()
        await zoe.wait_event("REGISTER_OK")
        await zoe_dials_service(zoe, observer)
        await press(zoe, "3")                  # the message to callers (one team: support)
        await asyncio.sleep(1.5)
        await press(zoe, "1")                  # record: "speak after the beep", the beep, 3 s of her sine
        seen = await observer.wait_for(lambda s: s.type == "RecordingStarted", timeout=20, what="the recording")
        name = str(seen.event["recording"]["name"])
        await asyncio.sleep(3)
        await press(zoe, "#")
        await proc.wait_for_line("recorded an announcement for support", timeout=15)
        await zoe.command("hangup")
    finally:
        await zoe.stop()
    assert name.startswith("astreinte-announcement-support-")

    first = len(observer.seen)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path)
    caller = await phones.call("5301", tmp_path, digit="1", digit_delay_ms=6000, hold_ms=10000)
    played = await observer.wait_for(
        lambda s: s.type == "PlaybackStarted" and s.event["playback"]["media_uri"] == f"recording:{name}",
        timeout=20, what="the announcement playing to the caller")
    target = str(played.event["playback"]["target_uri"])
    trunk = {c.event["channel"]["id"] for c in observer.seen[first:] if c.type == "ChannelCreated"
             and channel_name(c).startswith("PJSIP/trunk-")}
    assert target.split(":", 1)[1] in trunk, "played on the caller's channel"
    await bridged(observer, "alice", timeout=30)          # pressed 1: reaches the person on call
    assert await caller.done(40) == 0 and await alice.done(30) == 0

    await asyncio.sleep(65)                                # announcement_hours: 1m, then it is over
    later = len(observer.seen)
    earlier = {id(seen) for seen in observer.seen}
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path / "later")
    caller = await phones.call("5301", tmp_path / "later", hold_ms=8000)
    await observer.wait_for(lambda s: id(s) not in earlier and s.type == "ChannelEnteredBridge"
                            and channel_name(s).startswith("PJSIP/alice-"), timeout=30,
                            what="alice bridged to the next caller, rung at once")
    assert await caller.done(40) == 0
    assert not [s for s in observer.seen[later:] if s.type == "PlaybackStarted"
                and s.event["playback"]["media_uri"] == f"recording:{name}"], "expired: not heard any more"
