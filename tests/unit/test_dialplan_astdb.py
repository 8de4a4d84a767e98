"""The AstDB writer: at start, after every AMI login, at every reload and at every hand-off."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from astreinte import astdb
from astreinte.astdb import AstDbWriter
from astreinte.config import load

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")


class FakeAmi:
    def __init__(self, up: bool) -> None:
        self.connected = up
        self.puts: list[tuple[str, str, str]] = []
        self.hooks: list[Callable[[], Awaitable[None]]] = []

    def on_login(self, hook: Callable[[], Awaitable[None]]) -> None:
        self.hooks.append(hook)

    async def wait_connected(self, timeout: float) -> bool:
        return self.connected

    async def db_put(self, family: str, key: str, value: str) -> None:
        self.puts.append((family, key, value))

    async def action(self, action: str, **fields: str) -> list[object]:
        self.puts.append((action, fields["Family"], fields["Key"]))
        return []

    async def login(self) -> None:
        self.connected = True
        for hook in self.hooks:
            await hook()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def settle(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_writes_at_start_login_reload_and_hand_off(monkeypatch):
    monkeypatch.setattr(astdb, "POLL", 0.01)
    config = load(EXAMPLE, environ={})
    services = SimpleNamespace(config=config, schedule=config.schedule())
    ami = FakeAmi(up=False)
    clock = Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS))   # Saturday: alice's week
    writer = AstDbWriter(ami, services, clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(writer.run())
    try:
        await asyncio.sleep(0.05)
        assert ami.puts == [], "AMI down: nothing written, nothing crashed"
        await ami.login()
        await settle(lambda: ("astreinte", "1000/levels", "2") in ami.puts)
        assert ("astreinte", "1000/dial1", "PJSIP/alice") in ami.puts
        assert ami.puts[-1][1].endswith("/levels")
        assert writer.next_handoff == datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)

        ami.puts.clear()                                   # a reload swaps the schedule object
        services.schedule = config.schedule()
        await settle(lambda: bool(ami.puts) and ami.puts[-1][1].endswith("/levels"))

        ami.puts.clear()                                   # service ends (Monday 08:30): reception
        clock.now = datetime(2026, 11, 9, 8, 30, tzinfo=PARIS)
        await settle(lambda: ("astreinte", "1000/dial1", "PJSIP/reception") in ami.puts)
        ami.puts.clear()                                   # service starts (18:00), after the hand-off: bob
        clock.now = datetime(2026, 11, 9, 18, 0, tzinfo=PARIS)
        await settle(lambda: ("astreinte", "1000/dial1", "PJSIP/bob&PJSIP/+33611223344@trunk-out") in ami.puts)
        assert writer.next_handoff is not None and writer.next_handoff > clock.now
        ami.puts.clear()
        await asyncio.sleep(0.05)
        assert ami.puts == [], "nothing changed: nothing rewritten"

        ami.puts.clear()                                   # AMI comes back after an outage
        await ami.login()
        await settle(lambda: bool(ami.puts))
    finally:
        task.cancel()


async def test_reload_to_a_team_without_service_writes_the_outside_destination(monkeypatch):
    monkeypatch.setattr(astdb, "POLL", 0.01)
    config = load(EXAMPLE, environ={})
    services = SimpleNamespace(config=config, schedule=config.schedule())
    ami = FakeAmi(up=True)
    tuesday_noon = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)
    writer = AstDbWriter(ami, services, clock=Clock(tuesday_noon))  # type: ignore[arg-type]
    assert await writer.write("test")
    assert ("astreinte", "1000/dial1", "PJSIP/reception") in ami.puts
    assert ("astreinte", "1000/levels", "1") in ami.puts
    assert writer.written_at == tuesday_noon
    assert writer.next_handoff is not None and writer.next_handoff - tuesday_noon < timedelta(days=7)


async def test_a_number_removed_by_a_reload_is_deleted_from_astdb(tmp_path):
    config = load(EXAMPLE, environ={})
    services = SimpleNamespace(config=config, schedule=config.schedule())
    ami = FakeAmi(up=True)
    writer = AstDbWriter(ami, services, clock=Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)))  # type: ignore[arg-type]
    assert await writer.write("start")
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace('numbers: ["+33180000000", "1000"]',
                                                                 'numbers: ["1000"]'), encoding="utf-8")
    services.config = load(path, environ={})
    services.schedule = services.config.schedule()
    ami.puts.clear()
    assert await writer.write("reload")
    assert ("DBDelTree", "astreinte", "+33180000000") in ami.puts
    assert not any(family == "astreinte" and key.startswith("+33180000000/") for family, key, _v in ami.puts)
