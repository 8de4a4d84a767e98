"""The lean REST path of the ARI client (adapters/ari_http.py) against raw HTTP servers: what a real
server may do that the aiohttp fake never does (chunked bodies, closing kept-alive connections,
never answering)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from astreinte.adapters.ari import Ari
from astreinte.config import AriSettings
from astreinte.domain.errors import LinkError

Answer = Callable[[bytes], bytes | None]      # a request's head -> the raw answer (None: none, keep it open)


class RawServer:
    def __init__(self, answer: Answer, *, close_after: int | None = None) -> None:
        self.answer, self.close_after = answer, close_after
        self.heads: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.heads.append(head + body)
                answer = self.answer(head)
                if answer is None:
                    await asyncio.sleep(3600)
                    return
                writer.write(answer)
                await writer.drain()
                served += 1
                if self.close_after is not None and served >= self.close_after:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def servers() -> AsyncIterator[list[RawServer]]:
    made: list[RawServer] = []
    yield made
    for server in made:
        await server.close()


def settings(url: str) -> AriSettings:
    return AriSettings(url, "astreinte", "secret", "astreinte")


async def test_bodies_by_length_and_chunked_and_the_request_as_sent(servers: list[RawServer]) -> None:
    def answer(head: bytes) -> bytes:
        if b"/endpoints/" in head:
            return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                    b"5\r\n[{\"st\r\n10\r\nate\": \"online\"}]\r\n0\r\n\r\n")
        return b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"id": "x"}'

    server = RawServer(answer)
    servers.append(server)
    url = await server.start()
    async with Ari(settings(url)) as ari:
        assert await ari.endpoints() == [{"state": "online"}]
        assert await ari.request("POST", "/channels/c 1/variable", params={"variable": "TIMEOUT(absolute)",
                                                                          "value": "4", "skip": None}) == {"id": "x"}
        await ari.filter_events(["StasisStart"])
    assert server.connections == 1, "one kept-alive connection for every request"
    first, second, third = server.heads
    assert first.startswith(b"GET /ari/endpoints/PJSIP HTTP/1.1\r\n")
    assert b"Authorization: Basic YXN0cmVpbnRlOnNlY3JldA==\r\n" in first
    assert second.startswith(b"POST /ari/channels/c%201/variable?variable=TIMEOUT(absolute)&value=4 HTTP/1.1")
    assert third.startswith(b"PUT /ari/applications/astreinte/eventFilter HTTP/1.1")
    assert third.endswith(b'{"allowed": [{"type": "StasisStart"}, {"type": "ApplicationReplaced"}, '
                          b'{"type": "ChannelUserevent"}]}')


async def test_a_kept_alive_connection_the_server_closed_is_replaced(servers: list[RawServer]) -> None:
    server = RawServer(lambda _head: b"HTTP/1.1 204 No Content\r\n\r\n", close_after=1)
    servers.append(server)
    url = await server.start()
    async with Ari(settings(url)) as ari:
        for _ in range(3):
            await ari.answer("c1")
            await asyncio.sleep(0.05)       # the server closes the connection meanwhile
    assert (len(server.heads), server.connections) == (3, 3)


async def test_an_answer_that_never_comes_or_is_not_http_is_a_link_error(servers: list[RawServer]) -> None:
    silent = RawServer(lambda _head: None)
    garbage = RawServer(lambda _head: b"SSH-2.0-OpenSSH\r\n\r\n")
    servers += [silent, garbage]
    async with Ari(settings(await silent.start()), request_timeout=0.2) as ari:
        began = asyncio.get_running_loop().time()
        with pytest.raises(LinkError, match="TimeoutError"):
            await ari.answer("c1")
        waited = asyncio.get_running_loop().time() - began
        assert 0.2 <= waited < 2.0          # never before its time (the pool's one timer looks 5 times a timeout)
    async with Ari(settings(await garbage.start())) as ari:
        with pytest.raises(LinkError, match=r"not an HTTP/1\.x status line"):
            await ari.answer("c1")
    async with Ari(settings("http://127.0.0.1:9")) as ari:
        with pytest.raises(LinkError):
            await ari.answer("c1")


class SlowAnswer(RawServer):
    """Reads every request as it comes; the answers go in order, the caller's answer 0.2 s late."""

    def __init__(self) -> None:
        super().__init__(lambda _head: None)
        self.read_before_answered: list[bytes] = []      # requests read while the answer was being made
        self.per_connection: list[list[bytes]] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        mine: list[bytes] = []
        self.per_connection.append(mine)
        answers: asyncio.Queue[bytes] = asyncio.Queue()

        def answer(head: bytes) -> bytes:
            body = b'{"id": "p1"}' if b"/play/" in head else b""
            status = b"201 Created" if body else b"204 No Content"
            return b"HTTP/1.1 " + status + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body

        async def write() -> None:
            while True:
                head = await answers.get()
                if b"/answer " in head:         # then every answer read meanwhile, in one write
                    await asyncio.sleep(0.2)
                    self.read_before_answered += [h for h in mine if h is not head]
                    heads = [head]
                    while not answers.empty():
                        heads.append(answers.get_nowait())
                    writer.write(b"".join(answer(h) for h in heads))
                else:
                    writer.write(answer(head))

        writing = asyncio.create_task(write())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                mine.append(head)
                answers.put_nowait(head)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writing.cancel()
            writer.close()


async def test_a_channels_requests_made_while_its_answer_travels_go_behind_it_on_its_connection(
        servers: list[RawServer]) -> None:
    server = SlowAnswer()
    servers.append(server)
    async with Ari(settings(await server.start())) as ari:
        await ari.request("GET", "/asterisk/ping")     # a kept-alive connection, idle: the answer's lane
        answering = asyncio.create_task(ari.answer("c1"))
        await asyncio.sleep(0)
        assert ari.ordered("c1") and not ari.ordered("c2")
        following = asyncio.gather(ari.set_variable("c1", "TIMEOUT(absolute)", "14"),
                                   ari.request("POST", "/channels/c1/play/p1", params={"media": "sound:hello"}),
                                   ari.hangup("c2"))
        await answering
        _lease, played, _hung = await following
        assert played == {"id": "p1"}, "each request is given its own answer, in order"
        assert not ari.ordered("c1"), "the lane closes once none of its requests is in flight"
        await asyncio.gather(ari.hangup("c3"), ari.hangup("c4"))
    first, *others = server.per_connection
    assert [head.split(b" ")[1].split(b"?")[0] for head in first[1:4]] == [
        b"/ari/channels/c1/answer", b"/ari/channels/c1/variable", b"/ari/channels/c1/play/p1"]
    assert [head.split(b" ")[1] for head in server.read_before_answered[1:]] == [
        b"/ari/channels/c1/variable?variable=TIMEOUT(absolute)&value=14",
        b"/ari/channels/c1/play/p1?media=sound:hello"], \
        "written before the answer's response, without waiting for it"
    elsewhere = [[head.split(b" ")[1] for head in heads] for heads in others]
    assert elsewhere in ([[b"/ari/channels/c2", b"/ari/channels/c3"]], [[b"/ari/channels/c2", b"/ari/channels/c4"]]), \
        "another channel's request goes on a connection of its own"
    assert [head.split(b" ")[1] for head in first[4:]] in ([b"/ari/channels/c4"], [b"/ari/channels/c3"]), \
        "the lane's connection is idle once, then serves one request at a time"


async def test_requests_behind_an_answer_are_sent_again_when_the_server_closes_before_them(
        servers: list[RawServer]) -> None:
    # the server answers two requests on each connection, then closes it: the lease queued behind the
    # answer (the second) was never answered, so it is sent again, on a new connection, and only once
    server = RawServer(lambda _head: b"HTTP/1.1 204 No Content\r\n\r\n", close_after=2)
    servers.append(server)
    async with Ari(settings(await server.start())) as ari:
        await ari.request("GET", "/asterisk/ping")
        answering = asyncio.create_task(ari.answer("c1"))
        await asyncio.sleep(0)
        assert ari.ordered("c1")
        await asyncio.gather(answering, ari.set_variable("c1", "TIMEOUT(absolute)", "14"))
    paths = [head.split(b" ")[1].split(b"?")[0] for head in server.heads]
    assert paths == [b"/ari/asterisk/ping", b"/ari/channels/c1/answer", b"/ari/channels/c1/variable"]
    assert server.connections == 2
