"""The event WebSocket's client against aiohttp's WebSocket server (a full RFC 6455 implementation),
and, for what aiohttp never sends (fragments, a masked frame, a peer gone silent), a raw TCP peer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from astreinte.adapters import ari_ws
from astreinte.adapters.ari import Ari, Connected
from astreinte.config import AriSettings
from astreinte.wire import ari_events as a

AUTH = {"Authorization": "Basic YXN0cmVpbnRlOnNlY3JldA=="}       # astreinte:secret


class Got(list[Any]):
    """What a callback received; ``until(n)`` waits for the n-th."""

    def __init__(self) -> None:
        super().__init__()
        self.grew = asyncio.Event()

    def append(self, item: Any) -> None:
        super().append(item)
        self.grew.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self) < count:
                self.grew.clear()
                await self.grew.wait()


class Server:
    """aiohttp serving ``/ari/events`` with ``handler(ws)`` once the WebSocket is open."""

    def __init__(self, handler: Callable[[web.WebSocketResponse], Awaitable[None]], **options: Any) -> None:
        self.handler, self.options = handler, options
        self.runner: web.AppRunner | None = None
        self.queries: list[dict[str, str]] = []

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ari/events", self.events)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def events(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != AUTH["Authorization"]:
            return web.Response(status=401, text="Unauthorized")
        self.queries.append(dict(request.query))
        ws = web.WebSocketResponse(**self.options)
        await ws.prepare(request)
        await self.handler(ws)
        return ws

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    servers: list[Server] = []

    async def start(handler: Callable[[web.WebSocketResponse], Awaitable[None]], **options: Any) -> str:
        servers.append(Server(handler, **options))
        return await servers[-1].start()

    yield start
    for server in servers:
        await server.close()


async def test_messages_of_every_length_arrive_whole_and_in_order(serve: Callable[..., Awaitable[str]]) -> None:
    texts = ["x" * 10, "é" * 100, "y" * 70_000, json.dumps({"type": "StasisStart"})]    # 7-, 16- and 64-bit lengths

    async def send(ws: web.WebSocketResponse) -> None:
        for text in texts:
            await ws.send_str(text)
        await ws.send_bytes(b"\x00binary")           # not for us: dropped
        await ws.send_str("last")
        await ws.receive()

    url = await serve(send)
    got = Got()
    socket = await ari_ws.connect(url, "/ari/events?app=astreinte", AUTH, got.append, timeout=5)
    await got.until(len(texts) + 1)
    assert got == [*texts, "last"]
    assert await socket.close() == "closed by astreinte"


async def test_the_servers_ping_is_answered_and_its_close_is_echoed(serve: Callable[..., Awaitable[str]]) -> None:
    seen: list[Any] = []

    async def ping_then_close(ws: web.WebSocketResponse) -> None:
        await ws.ping(b"are you there")
        seen.append(await ws.receive())              # autoping off: the pong is shown to us
        seen.append(await ws.close(code=1001))       # True: the close handshake finished
        over.set()

    over = asyncio.Event()
    url = await serve(ping_then_close, autoping=False)
    socket = await ari_ws.connect(url, "/ari/events", AUTH, lambda text: None, timeout=5)
    async with asyncio.timeout(5):
        assert await socket.done == "closed by the server (1001)"
        await over.wait()
    assert seen[0].type == WSMsgType.PONG and seen[0].data == b"are you there"
    assert seen[1] is True


async def test_our_close_reaches_the_server_with_1000(serve: Callable[..., Awaitable[str]]) -> None:
    closed: list[int | None] = []

    async def wait(ws: web.WebSocketResponse) -> None:
        message = await ws.receive()
        closed.append(message.data if message.type == WSMsgType.CLOSE else None)

    url = await serve(wait)
    socket = await ari_ws.connect(url, "/ari/events", AUTH, lambda text: None, timeout=5)
    async with asyncio.timeout(7):
        await socket.close()
    assert closed == [1000]


async def test_a_wrong_password_and_a_plain_page_are_handshake_errors(serve: Callable[..., Awaitable[str]]) -> None:
    url = await serve(lambda ws: asyncio.sleep(0))
    with pytest.raises(ari_ws.HandshakeError, match="HTTP 401") as refused:
        await ari_ws.connect(url, "/ari/events", {"Authorization": "Basic d3Jvbmc6d3Jvbmc="}, print, timeout=5)
    assert refused.value.status == 401
    with pytest.raises(ari_ws.HandshakeError, match="HTTP 404"):
        await ari_ws.connect(url, "/ari/nothing", AUTH, print, timeout=5)


# --- a raw peer, for what aiohttp's server never does -----------------------------


async def raw_peer(script: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                   ) -> tuple[str, asyncio.Server]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        key = next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                   if line.lower().startswith("sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1(key.encode() + ari_ws.GUID).digest()).decode()
        writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode())
        try:
            await script(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", server


def frame(opcode: int, payload: bytes, *, final: bool = True, mask: bytes | None = None) -> bytes:
    first = (0x80 if final else 0) | opcode
    if mask is None:
        return bytes([first, len(payload)]) + payload
    return bytes([first, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_a_fragmented_message_is_joined_and_frames_split_anywhere_are_read(
        serve: Callable[..., Awaitable[str]]) -> None:
    async def fragments(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = frame(0x1, b'{"type": ', final=False) + frame(0x9, b"mid") + frame(0x0, b'"Stasis', final=False) \
            + frame(0x0, b'End"}') + frame(0x1, b"second")
        for i in range(len(data)):                   # one byte at a time
            writer.write(data[i:i + 1])
            await writer.drain()
        await reader.read(100)

    url, server = await raw_peer(fragments)
    got = Got()
    async with server:
        socket = await ari_ws.connect(url, "/ari/events", AUTH, got.append, timeout=5)
        await got.until(2)
        socket.fail(1000, "test over")
    assert got == ['{"type": "StasisEnd"}', "second"]


async def test_a_masked_frame_from_the_server_closes_with_1002(serve: Callable[..., Awaitable[str]]) -> None:
    received = bytearray()

    async def masked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(0x1, b"hello", mask=b"abcd"))
        while data := await reader.read(100):
            received.extend(data)
        over.set()

    over = asyncio.Event()

    url, server = await raw_peer(masked)
    got: list[str] = []
    async with server:
        socket = await ari_ws.connect(url, "/ari/events", AUTH, got.append, timeout=5)
        async with asyncio.timeout(5):
            why = await socket.done
            await over.wait()
    assert got == [] and why == "a masked frame or reserved bits from the server"
    mask = bytes(received[2:6])
    code = bytes(b ^ mask[i % 4] for i, b in enumerate(received[6:8]))
    assert received[0] == 0x88 and code == struct.pack("!H", 1002)         # a close frame, 1002


async def test_a_peer_gone_silent_is_pinged_then_dropped(serve: Callable[..., Awaitable[str]]) -> None:
    pings = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal pings
        while data := await reader.read(100):        # reads, never answers
            pings += data[0] == 0x89

    url, server = await raw_peer(silent)
    async with server:
        socket = await ari_ws.connect(url, "/ari/events", AUTH, print, timeout=5, heartbeat=0.2)
        async with asyncio.timeout(5):
            why = await socket.done
    assert why == "no answer to a ping within 0.1 s" and pings == 1


# --- Ari.events with ``deliver``: the router's way ------------------------------


async def test_events_go_to_deliver_as_read_never_while_connected_is_handled(
        serve: Callable[..., Awaitable[str]]) -> None:
    start = {"type": "StasisStart", "args": ["1000"], "channel": {"id": "c1", "name": "PJSIP/t-1"}}
    end = {"type": "StasisEnd", "channel": {"id": "c1", "name": "PJSIP/t-1"}}

    async def calls(ws: web.WebSocketResponse) -> None:
        await ws.send_str(json.dumps(start))         # read while the client handles Connected
        await ws.send_str(json.dumps(end))
        await ws.receive()

    url = await serve(calls)
    delivered: list[str] = []
    yielded: list[str] = []
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte")) as ari:
        async with asyncio.timeout(5):
            async for item in ari.events(lambda event: delivered.append(type(event).__name__)):
                yielded.append(type(item).__name__)
                if isinstance(item, Connected):
                    await asyncio.sleep(0.3)         # the resync: both frames are read meanwhile
                    assert delivered == []
                    break
            assert delivered == []
    assert yielded == ["Connected"]

    seen = Got()
    async with Ari(AriSettings(url, "astreinte", "secret", "astreinte")) as ari:
        async def read() -> None:
            async for item in ari.events(seen.append):
                if isinstance(item, Connected):
                    await asyncio.sleep(0.3)
        reader = asyncio.get_running_loop().create_task(read())
        await seen.until(2)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    assert [type(event) for event in seen] == [a.StasisStart, a.StasisEnd]


async def test_a_server_that_never_answers_the_handshake_times_out() -> None:
    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(10_000)                # the handshake, never answered
            await reader.read(10_000)                # until the client gives up
        finally:
            writer.close()

    server = await asyncio.start_server(mute, "127.0.0.1", 0)
    async with server:
        with pytest.raises(TimeoutError):
            await ari_ws.connect(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", "/ari/events", AUTH,
                                 print, timeout=0.3)
