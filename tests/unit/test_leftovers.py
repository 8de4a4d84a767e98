"""Calls left in the Stasis app by a killed daemon: legs hung up first, lone callers handed to the
dialplan, conversations adopted, new calls left alone (a fake ARI records the requests)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from astreinte.adapters.ari import AriError
from astreinte.runtime.leftovers import Leftovers, created, stasis_args
from tests.helpers.fakes import FakeAri

NOW = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
OLD = (NOW - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
NEW = (NOW + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def channel(cid: str, app_name: str, app_data: str, born: str = OLD, state: str = "Up") -> dict[str, Any]:
    return {"id": cid, "name": f"PJSIP/{cid}", "creationtime": born, "state": state,
            "dialplan": {"context": "from-trunk", "exten": "1000", "app_name": app_name, "app_data": app_data}}


class LeftoversAri(FakeAri):
    """The shared fake ARI, holding the app's channels and bridges as Asterisk lists them."""

    def __init__(self, channels: dict[str, dict[str, Any]], bridges: dict[str, list[str]]) -> None:
        super().__init__()
        self.channels, self.bridges = channels, bridges
        self.done: list[tuple[str, ...]] = []

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      body: Any = None) -> Any:
        if path == "/applications/astreinte":
            return {"channel_ids": list(self.channels), "bridge_ids": list(self.bridges)}
        kind, _, key = path.strip("/").partition("/")
        if kind == "channels" and key in self.channels:
            return self.channels[key]
        if kind == "bridges" and key in self.bridges:
            return {"id": key, "channels": self.bridges[key]}
        raise AriError(method, path, 404, "not found")

    async def hangup(self, channel_id: str, reason: str | None = None) -> bool:
        self.done.append(("hangup", channel_id))
        self.channels.pop(channel_id, None)
        for members in self.bridges.values():
            if channel_id in members:
                members.remove(channel_id)
        return True

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        self.done.append(("set", channel_id, name, value))

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        self.done.append(("continue", channel_id, context, extension))

    async def destroy_bridge(self, bridge_id: str) -> None:
        self.done.append(("destroy", bridge_id))


def test_reading_channels() -> None:
    assert stasis_args(channel("c", "Stasis", "astreinte,1000"), "astreinte") == ["1000"]
    assert stasis_args(channel("c", "Stasis", "astreinte,leg,c0"), "astreinte") == ["leg", "c0"]
    assert stasis_args(channel("c", "Stasis", "other,1000"), "astreinte") is None
    assert stasis_args(channel("c", "AppDial2", "(Outgoing Line)"), "astreinte") is None
    assert created(channel("c", "Stasis", "x")) == NOW - timedelta(seconds=30)
    assert created({"creationtime": "garbage"}) is None


async def test_recover_hangs_up_legs_then_hands_off_callers_and_adopts_conversations() -> None:
    ari = LeftoversAri({
        "caller": channel("caller", "Stasis", "astreinte,1000"),
        "ringing-leg": channel("ringing-leg", "AppDial2", "(Outgoing Line)"),
        "answered-leg": channel("answered-leg", "Stasis", "astreinte,leg,caller"),
        "hostile": channel("hostile", "Stasis", "astreinte,1000;x"),
        "talking": channel("talking", "Stasis", "astreinte,1000"),
        "employee": channel("employee", "Stasis", "astreinte,leg,talking"),
        "brand-new": channel("brand-new", "Stasis", "astreinte,1000", born=NEW),
        "live": channel("live", "Stasis", "astreinte,1000"),
    }, {"b1": ["talking", "employee"]})
    recovery = Leftovers(ari, watch_every=0.01)
    found = await recovery.recover(known={"live"}, since=NOW)
    assert found == 5
    assert ari.done[:2] == [("hangup", "ringing-leg"), ("hangup", "answered-leg")]
    assert ("continue", "caller", "astreinte-fallback", "1000") in ari.done
    assert ("set", "caller", "ASTREINTE_REASON", "daemon-restarted") in ari.done
    assert ("continue", "hostile", "astreinte-fallback", "s") in ari.done
    touched = {step[1] for step in ari.done}
    assert not touched & {"talking", "employee", "brand-new", "live"}

    await ari.hangup("talking")                      # the caller of the adopted conversation leaves
    for _ in range(100):
        if ("destroy", "b1") in ari.done:
            break
        await asyncio.sleep(0.01)
    assert ("hangup", "employee") in ari.done and ("destroy", "b1") in ari.done
    assert not recovery.watchers


async def test_callers_nobody_answers_in_the_app_are_handed_to_the_dialplan() -> None:
    """Another client holds the app (or held it and left): only a caller left unanswered is taken from it."""
    ari = LeftoversAri({
        "waiting": channel("waiting", "Stasis", "astreinte,1000", state="Ring"),
        "answered": channel("answered", "Stasis", "astreinte,1000"),            # the other client serves it
        "just-arrived": channel("just-arrived", "Stasis", "astreinte,1000", born=NEW, state="Ring"),
        "ringing-leg": channel("ringing-leg", "Stasis", "astreinte,leg,x", state="Ring"),
        "ours": channel("ours", "Stasis", "astreinte,1000", state="Ring"),
        "elsewhere": channel("elsewhere", "Stasis", "otherapp,1000", state="Ring"),
    }, {})
    rescued = await Leftovers(ari).rescue_waiting({"ours"}, NOW, NOW - timedelta(seconds=10))
    assert rescued == 1
    assert ari.done == [("set", "waiting", "ASTREINTE_REASON", "app-taken-over"),
                        ("set", "waiting", "TIMEOUT(absolute)", "7200"),      # the tiers' time, not the lease
                        ("continue", "waiting", "astreinte-fallback", "1000")]
