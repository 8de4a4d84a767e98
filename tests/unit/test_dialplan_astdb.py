"""The AstDB writer: at start, after every AMI login, at every reload and at every hand-off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from astreinte.config import load
from astreinte.runtime.astdb import AstDbWriter
from astreinte.runtime.services import Services
from tests.helpers.calls import PROMPTS
from tests.helpers.fakes import FakeAmi
from tests.helpers.timing import wait_until

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")


class AstDbAmi(FakeAmi):
    """The shared fake AMI, with ``log`` keeping every write in order and a model of the tier's choice."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up
        self.log: list[tuple[str, str, str]] = []

    async def db_put(self, family: str, key: str, value: str) -> None:
        await super().db_put(family, key, value)
        self.log.append(("put", f"{family}/{key}", value))

    async def db_del(self, family: str, key: str, *, tree: bool = False) -> None:
        await super().db_del(family, key, tree=tree)
        self.log.append(("del", f"{family}/{key}", ""))

    def dialed(self, number: str, at: datetime) -> str | None:
        """A model of what the AstDB tier of extensions_astreinte.conf dials first for ``number`` at ``at``,
        to check what the writer stores; the generated dialplan itself is run against these keys by
        tests/e2e/test_dialplan_tiers.py::test_the_astdb_tier_dials_the_chain_of_the_moment_stored_days_ahead."""
        gen = self.db.get(("astreinte", f"{number}/current"))
        segments = int(self.db.get(("astreinte", f"{number}/{gen}/segments"), "0"))
        picked = 1
        for k in range(2, segments + 1):
            if at.timestamp() >= int(self.db.get(("astreinte", f"{number}/{gen}/s{k}/from"), "99999999999")):
                picked = k
        return self.db.get(("astreinte", f"{number}/{gen}/s{picked}/dial1"))

    def blocked(self, number: str) -> bool:
        gen = self.db.get(("astreinte_blocked", "current"))
        return ("astreinte_blocked", f"{gen}/{number}") in self.db


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def settle(condition: Callable[[], bool]) -> None:
    await wait_until(condition, 2, "the AstDB writer")


MONDAY_NIGHT = datetime(2026, 11, 9, 20, 0, tzinfo=PARIS)      # bob's first night (hand-off Monday 09:00)
MONDAY_MORNING = datetime(2026, 11, 9, 10, 0, tzinfo=PARIS)    # business hours: the reception
BOBS_PHONES = "PJSIP/bob&PJSIP/+33611223344@trunk-out"


async def test_writes_at_start_login_reload_and_hand_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = load(EXAMPLE, environ={})
    services = Services(config, config.schedule(), PROMPTS)
    ami = AstDbAmi(up=False)
    clock = Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS))   # Saturday: alice's week
    writer = AstDbWriter(ami, services, clock=clock, poll=0.01)
    task = asyncio.create_task(writer.run())
    try:
        await asyncio.sleep(0.05)
        assert ami.log == [], "AMI down: nothing written, nothing crashed"
        await ami.login()
        await settle(lambda: ami.dialed("1000", clock.now) == "PJSIP/alice")
        # the daemon may be gone by then: what is stored ahead follows the rota on its own
        assert ami.dialed("1000", MONDAY_MORNING) == "PJSIP/reception"
        assert ami.dialed("1000", MONDAY_NIGHT) == BOBS_PHONES
        assert ami.dialed("+33180000000", MONDAY_NIGHT) == BOBS_PHONES
        assert writer.next_handoff == datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)

        ami.log.clear()                                    # a reload that changes nothing writes nothing
        services.schedule = config.schedule()
        await asyncio.sleep(0.05)
        assert ami.log == []
        changed = _variant(tmp_path, "phones: [PJSIP/alice]", "phones: [PJSIP/alice-desk]")
        services.config, services.schedule = changed.config, changed.schedule
        await settle(lambda: ("put", "astreinte/1000/current", "b") in ami.log)
        assert ami.dialed("1000", clock.now) == "PJSIP/alice-desk"

        ami.log.clear()                                    # Monday 00:00 comes: its segment goes first
        clock.now = datetime(2026, 11, 9, 0, 0, tzinfo=PARIS)
        await settle(lambda: ("put", "astreinte/1000/current", "a") in ami.log)
        assert ami.dialed("1000", clock.now) == "PJSIP/reception"
        assert ami.dialed("1000", MONDAY_NIGHT) == BOBS_PHONES
        ami.log.clear()
        await asyncio.sleep(0.05)
        assert ami.log == [], "nothing changed: nothing rewritten"

        await ami.login()                                  # AMI comes back after an outage
        await settle(lambda: ("put", "astreinte/1000/current", "b") in ami.log)
    finally:
        task.cancel()


async def test_a_call_reading_astdb_during_a_rewrite_sees_the_old_chain_or_the_new_one(tmp_path: Path) -> None:
    """Replaying every AMI step of two writes, a reader always finds a whole chain."""
    config = load(EXAMPLE, environ={})
    services = Services(config, config.schedule(), PROMPTS)
    ami = AstDbAmi(up=True)
    clock = Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS))
    writer = AstDbWriter(ami, services, clock=clock, poll=0.01)
    assert await writer.write("start")
    before = ami.log[:]
    changed = _variant(tmp_path, "phones: [PJSIP/alice]", "phones: [PJSIP/alice-desk]")
    services.config, services.schedule = changed.config, changed.schedule
    assert await writer.write("reload")
    replay = AstDbAmi(up=True)
    for op, path, value in before:
        family, key = path.split("/", 1)
        await (replay.db_put(family, key, value) if op == "put" else replay.db_del(family, key, tree=True))
    seen = set()
    for op, path, value in ami.log[len(before):]:
        family, key = path.split("/", 1)
        await (replay.db_put(family, key, value) if op == "put" else replay.db_del(family, key, tree=True))
        seen.add(replay.dialed("1000", clock.now))
    assert seen == {"PJSIP/alice", "PJSIP/alice-desk"}, "a reader found no chain"


async def test_reload_to_a_team_without_service_writes_the_outside_destination(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(EXAMPLE, environ={})
    services = Services(config, config.schedule(), PROMPTS)
    ami = AstDbAmi(up=True)
    tuesday_noon = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)
    writer = AstDbWriter(ami, services, clock=Clock(tuesday_noon), poll=0.01)
    assert await writer.write("test")
    assert ami.dialed("1000", tuesday_noon) == "PJSIP/reception"
    assert ami.dialed("1000", tuesday_noon.replace(hour=19)) == BOBS_PHONES
    assert writer.written_at == tuesday_noon
    assert writer.next_handoff is not None and writer.next_handoff - tuesday_noon < timedelta(days=7)


def _variant(tmp_path: Path, old: str, new: str) -> Services:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    config = load(path, environ={})
    return Services(config, config.schedule(), PROMPTS)


async def test_a_number_removed_by_a_reload_is_deleted_from_astdb(tmp_path: Path) -> None:
    config = load(EXAMPLE, environ={})
    services = Services(config, config.schedule(), PROMPTS)
    ami = AstDbAmi(up=True)
    writer = AstDbWriter(ami, services, clock=Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)), poll=0.01)
    assert await writer.write("start")
    assert ami.dialed("+33180000000", datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)) == "PJSIP/alice"
    smaller = _variant(tmp_path, 'numbers: ["+33180000000", "1000"]', 'numbers: ["1000"]')
    services.config, services.schedule = smaller.config, smaller.schedule
    assert await writer.write("reload")
    assert ("del", "astreinte/+33180000000", "") in ami.log
    assert not any(key.startswith("+33180000000/") for family, key in ami.db if family == "astreinte")


async def test_the_block_list_is_in_astdb_for_the_dialplan_and_follows_reloads(tmp_path: Path) -> None:
    blocked = _variant(tmp_path, "\nteams:", '\nblocklist: ["+33612345678", "0899123456"]\nteams:')
    services = Services(blocked.config, blocked.schedule, PROMPTS)
    ami = AstDbAmi(up=True)
    writer = AstDbWriter(ami, services, clock=Clock(datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)), poll=0.01)
    assert await writer.write("start")
    assert ami.blocked("+33612345678") and ami.blocked("0899123456")
    assert not ami.blocked("+33611223344")
    config = load(EXAMPLE, environ={})                   # the block list emptied
    services.config, services.schedule = config, config.schedule()
    assert await writer.write("reload")
    assert not ami.blocked("+33612345678") and not ami.blocked("0899123456")
