"""The ARI client against a fake ARI (aiohttp server on a free port): REST errors, events, reconnects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from astreinte.adapters.ari import Ari, AriError, Connected, Disconnected
from astreinte.adapters.ari_trace import AriTrace
from astreinte.config import AriSettings
from astreinte.domain.errors import FatalLinkError
from astreinte.wire import ari_events as a


class FakeAri:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.connections = 0
        self.runner: web.AppRunner | None = None
        self.deaf = False                     # Asterisk no longer sends the app's events to the WebSocket
        self.deaf_on_connect: list[bool] = []  # per new WebSocket: deaf from the start (an old one closing)
        self.bodies: list[Any] = []

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ari/events", self.events)
        app.router.add_route("*", "/ari/{tail:.*}", self.rest)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == "Basic YXN0cmVpbnRlOnNlY3JldA=="  # astreinte:secret

    async def events(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.Response(status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self.deaf = self.deaf_on_connect.pop(0) if self.deaf_on_connect else False
        self.sockets.append(ws)
        async for _ in ws:
            pass
        return ws

    async def rest(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(status=401)
        self.requests.append((request.method, request.path, dict(request.query)))
        if request.method == "DELETE" and request.path.endswith("/gone"):
            return web.json_response({"message": "Channel not found"}, status=404)
        if "/broken" in request.path:
            return web.json_response({"message": "Internal"}, status=500)
        if request.can_read_body:
            self.bodies.append(await request.json())
        if request.path.startswith("/ari/events/user/") and not self.deaf:   # to the app: a ChannelUserevent
            await self.send({"type": "ChannelUserevent", "application": request.query["application"],
                             "eventname": request.path.rsplit("/", 1)[1], "userevent": self.bodies[-1]["variables"]})
        if request.path == "/ari/endpoints/PJSIP":
            return web.json_response([{"technology": "PJSIP", "resource": "alice", "state": "online"}])
        return web.Response(status=204)

    async def send(self, event: dict[str, Any]) -> None:
        for ws in self.sockets:
            if not ws.closed:
                await ws.send_str(json.dumps(event))

    async def drop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        self.sockets.clear()

    async def close(self) -> None:
        await self.drop()
        if self.runner:
            await self.runner.cleanup()


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    server = FakeAri()
    yield server
    await server.close()


async def test_rest_calls_and_errors(fake: FakeAri) -> None:
    url = await fake.start()
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte")) as ari:
        await ari.originate("c1-L1", "PJSIP/alice", app_args="leg,c1", caller_id='"ASTREINTE support" <0611>',
                            timeout=30, originator="c1")
        method, path, query = fake.requests[-1]
        assert (method, path) == ("POST", "/ari/channels/c1-L1")
        assert query == {"endpoint": "PJSIP/alice", "app": "astreinte", "appArgs": "leg,c1",
                         "callerId": '"ASTREINTE support" <0611>', "timeout": "30", "originator": "c1"}
        assert await ari.hangup("gone") is False
        with pytest.raises(AriError, match="HTTP 500"):
            await ari.answer("broken")
        assert (await ari.endpoints())[0]["state"] == "online"
        await ari.filter_events(["StasisStart", "StasisEnd"])
        allowed = [kind["type"] for kind in fake.bodies[-1]["allowed"]]
        assert allowed == ["StasisStart", "StasisEnd", "ApplicationReplaced", "ChannelUserevent"]


async def test_bad_credentials_are_fatal(fake: FakeAri) -> None:
    url = await fake.start()
    async with Ari(AriSettings(url, "astreinte", "wrong", "astreinte")) as ari:
        with pytest.raises(FatalLinkError, match="refused user 'astreinte'"):
            await ari.answer("c1")
        with pytest.raises(FatalLinkError):
            async for _ in ari.events():
                pass


async def test_events_survive_a_dropped_websocket(fake: FakeAri) -> None:
    url = await fake.start()
    seen: list[object] = []
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte")) as ari:

        async def read() -> None:
            async for item in ari.events():
                seen.append(item)
                if isinstance(item, Connected) and item.attempt == 1:
                    await fake.send({"type": "StasisStart", "args": ["1000"],
                                     "channel": {"id": "c1", "name": "PJSIP/trunk-1"}})
                    await fake.send(["not", "an", "object"])  # type: ignore[arg-type]
                    await fake.send({"type": "StasisEnd", "channel": {"id": "c1", "name": "PJSIP/trunk-1"}})
                elif isinstance(item, a.StasisEnd):
                    await fake.drop()
                elif isinstance(item, Connected) and item.attempt == 2:
                    return

        await asyncio.wait_for(read(), 10)
    kinds = [type(item).__name__ for item in seen]
    assert kinds == ["Connected", "StasisStart", "StasisEnd", "Disconnected", "Connected"]
    assert isinstance(seen[3], Disconnected)
    assert fake.connections == 2


async def test_a_connection_that_stops_bringing_events_is_made_again(
        fake: FakeAri, caplog: pytest.LogCaptureFixture) -> None:
    """Asterisk 22 deactivates the app when an older WebSocket of it finishes closing after ours opened."""
    url = await fake.start()
    fake.deaf_on_connect = [True]
    seen: list[object] = []
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte"), app_check_every=0.05) as ari:
        async with asyncio.timeout(10):
            async for item in ari.events():
                seen.append(item)
                if isinstance(item, Connected) and item.attempt == 2:
                    await asyncio.sleep(0.3)         # several probes: each comes back, nothing is dropped
                    assert ari.serving and fake.connections == 2
                    break
    kinds = [type(item).__name__ for item in seen]
    assert kinds == ["Connected", "Disconnected", "Connected"], "probe events are never passed on"
    assert isinstance(seen[1], Disconnected) and "did not deliver our probe event" in seen[1].reason
    assert "this connection no longer receives app 'astreinte'; reconnecting" in caplog.text


async def test_an_app_taken_over_is_taken_back_once_a_call_falls_to_the_fallback(
        fake: FakeAri, caplog: pytest.LogCaptureFixture) -> None:
    url = await fake.start()
    seen: list[object] = []
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte"), app_check_every=0.05) as ari:

        async def read() -> None:
            async for item in ari.events():
                seen.append(item)
                if isinstance(item, Connected) and item.attempt == 1:
                    await fake.send({"type": "ApplicationReplaced", "application": "astreinte"})
                elif isinstance(item, a.OtherEvent):
                    assert not ari.serving, "a daemon whose app was taken over is not serving"
                    fake.deaf = True                 # the events go to the other client now
                    await asyncio.sleep(0.5)         # ten probe periods: no fight for the app
                    assert fake.connections == 1 and len(seen) == 2
                    ari.stasis_failed()              # the other client left: Stasis() fails, FastAGI says so
                elif isinstance(item, Connected) and item.attempt == 2:
                    return

        async with asyncio.timeout(10):
            await read()
        assert ari.serving
    kinds = [type(item).__name__ for item in seen]
    assert kinds == ["Connected", "OtherEvent", "Disconnected", "Connected"]
    assert isinstance(seen[2], Disconnected) and "a call's Stasis() failed" in seen[2].reason
    assert "another client took over ARI app 'astreinte'" in caplog.text


async def test_the_same_frame_told_twice_is_read_once_and_the_trace_notes_the_requests(
        fake: FakeAri, tmp_path: Path) -> None:
    """Asterisk tells a PJSIP channel's events twice (the app's subscription and ``endpoint:PJSIP``)."""
    url = await fake.start()
    seen: list[object] = []
    trace = AriTrace(tmp_path / "trace.txt")
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte"), trace=trace) as ari:

        async def read() -> None:
            async for item in ari.events():
                if isinstance(item, Connected):
                    start = {"type": "StasisStart", "args": ["1000"], "channel": {"id": "c1", "name": "PJSIP/t-1"},
                             "timestamp": "2026-12-01T10:00:00.000+0000"}
                    later = {**start, "timestamp": "2026-12-01T10:00:00.001+0000"}   # another event
                    for event in (start, start, later):
                        await fake.send(event)
                    await fake.send({"type": "StasisEnd", "channel": {"id": "c1", "name": "PJSIP/t-1"}})
                    continue
                seen.append(item)
                if isinstance(item, a.StasisEnd):
                    return

        await asyncio.wait_for(read(), 10)
        await ari.answer("c1")
    assert [type(item).__name__ for item in seen] == ["StasisStart", "StasisStart", "StasisEnd"]
    lines = [line.split()[1:] for line in (tmp_path / "trace.txt").read_text().splitlines()]
    assert ["in", "StasisStart", "c1", "PJSIP/t-1", "1000", "-"] in lines
    assert ["sent", "POST", "/ari/channels/c1/answer"] in lines
    assert ["done", "POST", "/ari/channels/c1/answer", "204"] in lines
