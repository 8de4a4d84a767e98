"""sd_notify (astreinte/adapters/systemd.py) over a real datagram socket, and the link alarm
(astreinte/runtime/links.py) on a clock the test moves."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from astreinte.adapters.clock import ManualClock
from astreinte.adapters.systemd import Notifier
from astreinte.config.notify import NotifySettings
from astreinte.runtime.links import LinkAlarm
from tests.helpers.fakes import FakeAmi


def listening(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    return sock


def test_notifications_reach_the_socket_systemd_names(tmp_path: Path) -> None:
    with listening(tmp_path / "notify") as sock:
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "notify")})
        assert notifier.notify("READY=1", "STATUS=taking calls")
        assert sock.recv(4096) == b"READY=1\nSTATUS=taking calls"


def test_an_abstract_socket_name_is_understood() -> None:
    name = f"astreinte-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert Notifier.from_environment({"NOTIFY_SOCKET": "@" + name}).notify("WATCHDOG=1")
        assert sock.recv(64) == b"WATCHDOG=1"


def test_the_watchdog_period_is_systemds_and_only_for_this_process() -> None:
    assert Notifier.from_environment({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "10000000"}).watchdog == 10.0
    mine = {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier.from_environment(mine).watchdog == 4.0
    assert Notifier.from_environment({**mine, "WATCHDOG_PID": "1"}).watchdog is None, "meant for another process"
    assert Notifier.from_environment({"WATCHDOG_USEC": "junk"}).watchdog is None


def test_without_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert not Notifier.from_environment({}).notify("READY=1")
    assert not Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "none")}).notify("READY=1")


async def test_the_heartbeat_comes_every_half_period(tmp_path: Path) -> None:
    with listening(tmp_path / "notify") as sock:
        sock.setblocking(False)
        beat = asyncio.create_task(Notifier(str(tmp_path / "notify"), 0.2).heartbeat())
        await asyncio.sleep(0.35)
        beat.cancel()
        got = []
        while True:
            try:
                got.append(sock.recv(64))
            except BlockingIOError:
                break
        assert 3 <= len(got) <= 4 and set(got) == {b"WATCHDOG=1"}, got     # 0, 0.1, 0.2, 0.3 s


async def test_the_link_alarm_tells_once_after_the_grace_and_once_when_back() -> None:
    ami = FakeAmi()
    ami.up, ami.problem = False, "AMI at 127.0.0.1:5038 refused user 'astreinte': Authentication failed"
    clock = ManualClock(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    alarm = LinkAlarm(ami, lambda: NotifySettings(), clock, grace=30.0)
    await alarm.check(clock())
    await alarm.check(clock.advance(29.0))
    assert alarm.sent == [], "a short glitch tells nobody"
    await alarm.check(clock.advance(1.0))
    await alarm.check(clock.advance(60.0))
    assert [n.kind for n in alarm.sent] == ["link_down"]
    down = alarm.sent[0]
    assert "refused user 'astreinte'" in down.body and "AstDB" in down.body
    assert down.subject == "[astreinte] AMI indisponible : le secours AstDB n'est plus tenu à jour", \
        "the people told read French by default"
    assert "depuis 0.5 min" in down.body and "le démon réessaie de lui-même" in down.body
    ami.up, ami.problem = True, None
    await alarm.check(clock.advance(1.0))
    await alarm.check(clock.advance(1.0))
    assert [n.kind for n in alarm.sent] == ["link_down", "link_up"]
    assert alarm.sent[1].subject == "[astreinte] AMI rétabli : le secours AstDB est de nouveau à jour"


async def test_the_link_alarm_speaks_the_configuration_language() -> None:
    ami = FakeAmi()
    ami.up, ami.problem = False, "refused"
    clock = ManualClock(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    alarm = LinkAlarm(ami, lambda: NotifySettings(), clock, grace=30.0, language=lambda: "en")
    await alarm.check(clock())
    await alarm.check(clock.advance(30.0))
    assert alarm.sent[0].subject == "[astreinte] AMI unavailable: the AstDB fallback is not kept up to date"
