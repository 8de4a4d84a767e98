"""ARI's REST requests over kept-alive HTTP/1.1 connections: the lean path of a call's requests.

A call makes about ten small requests (answer, leases, play, originates, cancels); through
aiohttp's client each cost about as much CPU as the rest of the call's work (issue 18's profile:
the aiohttp client 20 % of the daemon, the event loop a good part of the rest). ARI needs little
of it: one host, JSON or nothing in, a status and a short body out. So each request here is one
``write`` of a pre-built head (and its JSON body) on an idle connection, and its response is
parsed from what the connection's protocol received (``Content-Length``, chunked, or until close).
The WebSocket stays on aiohttp (``adapters/ari.py``).

A connection found closed by the server while idle (Asterisk drops kept-alive ones after
``session_keep_alive``) is discarded; a request whose reused connection closes before any byte of
an answer is sent once more on a new one (the server closed it as the request left: it never read
it). Errors are ``OSError`` (refused, reset, malformed answer) and ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from astreinte.adapters.ari_trace import AriTrace

IDLE_KEPT = 32          # idle connections kept for the next requests; more are closed
NO_BODY = (204, 304)


class BadResponse(OSError):
    """The server's answer is not HTTP/1.1 as expected."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    keep_alive: bool


def _parse(buffer: bytearray, *, closed: bool) -> tuple[Response, int] | None:
    """One whole response at the start of ``buffer`` and its length, or None while incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if closed:
            raise BadResponse("connection closed before a whole response")
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise BadResponse(f"not an HTTP/1.x status line: {head[0][:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close" and parts[0] != "HTTP/1.0"
    start = end + 4
    if status in NO_BODY or 100 <= status < 200:
        return Response(status, b"", keep_alive), start
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _chunked(buffer, start, status, keep_alive, closed=closed)
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise BadResponse(f"Content-Length {headers['content-length'][:20]!r}") from None
        if len(buffer) < start + length:
            if closed:
                raise BadResponse("connection closed within the response's body")
            return None
        return Response(status, bytes(buffer[start:start + length]), keep_alive), start + length
    if not closed:              # the body lasts until the server closes
        return None
    return Response(status, bytes(buffer[start:]), False), len(buffer)


def _chunked(buffer: bytearray, at: int, status: int, keep_alive: bool, *,
             closed: bool) -> tuple[Response, int] | None:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            break
        try:
            size = int(bytes(buffer[at:line_end]).split(b";", 1)[0], 16)
        except ValueError:
            raise BadResponse("bad chunk size") from None
        if size == 0:
            trailer = buffer.find(b"\r\n\r\n", line_end)
            if trailer < 0:
                break
            return Response(status, bytes(body), keep_alive), trailer + 4
        if len(buffer) < line_end + 2 + size + 2:
            break
        body += buffer[line_end + 2:line_end + 2 + size]
        at = line_end + 2 + size + 2
    if closed:
        raise BadResponse("connection closed within a chunked body")
    return None


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Response] | None = None
        self.closed = False
        self.answered = False       # a byte of the current request's answer arrived

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.answered = True
        self._check()

    def eof_received(self) -> bool | None:
        return False                # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._check()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionResetError("ARI closed the connection"))

    def _check(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            parsed = _parse(self.buffer, closed=self.closed)
        except BadResponse as exc:
            waiter.set_exception(exc)
            return
        if parsed is not None:
            response, used = parsed
            del self.buffer[:used]
            waiter.set_result(response)

    def expire(self) -> None:
        """The request's time is up: its answer will not be read (the connection is not used again)."""
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(TimeoutError())

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HttpPool:
    """Requests to one HTTP(S) server with fixed headers, over kept-alive connections."""

    def __init__(self, url: str, headers: dict[str, str], *, timeout: float,
                 trace: AriTrace | None = None) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.timeout, self.trace = timeout, trace
        fixed = {"Host": f"{self.host}:{self.port}", **headers}
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if self.tls else None

    async def request(self, method: str, target: str, body: bytes | None = None) -> Response:
        """Send one request (``target``: path and query, already encoded); its whole response."""
        head = f"{method} {target} HTTP/1.1\r\n{self._fixed}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        elif method == "GET":
            head += "\r\n"
        else:
            head += "Content-Length: 0\r\n\r\n"
        data = head.encode("latin-1") + body if body is not None else head.encode("latin-1")
        path = target.split("?", 1)[0]
        path = unquote(path) if "%" in path else path        # as the trace names it
        loop = asyncio.get_running_loop()
        while True:
            if self._idle:
                connection, reused = self._idle.pop(), True
                if connection.closed:
                    self._all.discard(connection)
                    continue
            else:
                async with asyncio.timeout(self.timeout):
                    connection, reused = await self._connect(), False
            expiry = loop.call_later(self.timeout, connection.expire)     # cheaper than asyncio.timeout
            try:
                response = await self._exchange(connection, data, method, path)
            except ConnectionResetError:
                connection.close()
                self._all.discard(connection)
                if reused and not connection.answered:     # closed as it left the idle set: never read
                    continue
                raise
            except BaseException:
                connection.close()
                self._all.discard(connection)
                raise
            finally:
                expiry.cancel()
            self._release(connection, response.keep_alive)
            return response

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _transport, connection = await loop.create_connection(
            _Connection, self.host, self.port, ssl=self._ssl, server_hostname=self.host if self.tls else None)
        self._all.add(connection)
        return connection

    async def _exchange(self, connection: _Connection, data: bytes, method: str, path: str) -> Response:
        if connection.closed or connection.transport is None:
            raise ConnectionResetError("ARI closed the connection")
        waiter: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        connection.waiter, connection.answered = waiter, False
        connection.transport.write(data)
        if self.trace is not None:
            self.trace.sent(method, path)
        try:
            response = await waiter
        finally:
            connection.waiter = None
        if self.trace is not None:
            self.trace.done(method, path, response.status)
        return response

    def _release(self, connection: _Connection, keep_alive: bool) -> None:
        if keep_alive and not connection.closed and not connection.buffer and len(self._idle) < IDLE_KEPT:
            self._idle.append(connection)
        else:
            connection.close()
            self._all.discard(connection)

    def close(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle.clear()
