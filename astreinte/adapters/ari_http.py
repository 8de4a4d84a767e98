"""ARI's REST requests over kept-alive HTTP/1.1 connections: the lean path of a call's requests.

A call makes about ten small requests (answer, leases, play, originates, cancels); through
aiohttp's client each cost about as much CPU as the rest of the call's work (issue 18's profile:
the aiohttp client 20 % of the daemon, the event loop a good part of the rest). ARI needs little
of it: one host, JSON or nothing in, a status and a short body out. So each request here is one
``write`` of a pre-built head (and its JSON body) on an idle connection, and its response is
parsed from what the connection's protocol received (``Content-Length``, chunked, or until close).
The event WebSocket has its own client (``adapters/ari_ws.py``). The requests' encoding (the Authorization
header, percent-encoded paths and query values) is here too.

A *lane* keeps one channel's requests in order without waiting for each answer: the caller's answer
opens it (on an idle connection), and the requests about that channel written while it is in flight
(the lease, the greeting) go behind it on the same connection. Asterisk's HTTP server reads one
request at a time per connection, and answering is synchronous (its response comes once the channel
is up), so the greeting is never asked before the answer is done, and the daemon does not wait a
round trip between them (issue 18).

A connection found closed by the server while idle (Asterisk drops kept-alive ones after
``session_keep_alive``) is discarded; a request whose reused connection closes before any byte of
its answer is sent once more (the server closed it as the request left, or before reaching it: it
never read it), in a lane again if its lane was opened anew meanwhile. That resend can lose a
lane's order: when no idle connection is left for the answer's resend, the lane is not reopened and
its followers go on connections of their own, so the greeting may reach Asterisk before the answer
(it then plays as early media until the answer lands). It needs the server to close the connection
exactly as the answer is written on it. Errors are ``OSError`` (refused, reset, malformed answer)
and ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:
    from astreinte.adapters.ari_trace import AriTrace

IDLE_KEPT = 32          # idle connections kept for the next requests; more are closed
SWEEPS = 5              # looks for late requests per timeout: a request fails within 1.2 timeouts
NO_BODY = (204, 304)


class BadResponse(OSError):
    """The server's answer is not HTTP/1.1 as expected."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    keep_alive: bool


def _field(fields: bytes, name: bytes) -> bytes | None:
    """A header's value in ``fields`` (the head after its status line, lowercased), or None."""
    at = fields.find(b"\r\n" + name + b":")
    if at < 0:
        return None
    start = at + len(name) + 3
    stop = fields.find(b"\r\n", start)
    return fields[start:stop if stop >= 0 else len(fields)].strip()


def _parse(buffer: bytearray, *, closed: bool) -> tuple[Response, int] | None:
    """One whole response at the start of ``buffer`` and its length, or None while incomplete. The three
    headers that matter are looked for in the head's bytes (not every header split into a dict)."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if closed:
            raise BadResponse("connection closed before a whole response")
        return None
    head = bytes(buffer[:end])
    first = head.find(b"\r\n")
    status_line, fields = (head, b"") if first < 0 else (head[:first], head[first:].lower())
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise BadResponse(f"not an HTTP/1.x status line: {status_line[:80].decode('latin-1')!r}")
    status = int(parts[1])
    keep_alive = _field(fields, b"connection") != b"close" and parts[0] != b"HTTP/1.0"
    start = end + 4
    if status in NO_BODY or 100 <= status < 200:
        return Response(status, b"", keep_alive), start
    if b"chunked" in (_field(fields, b"transfer-encoding") or b""):
        return _chunked(buffer, start, status, keep_alive, closed=closed)
    declared = _field(fields, b"content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadResponse(f"Content-Length {declared[:20].decode('latin-1')!r}")
        length = int(declared)
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


class Unanswered(ConnectionResetError):
    """The connection closed before any byte of this request's answer came (the server never answered it)."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        # requests written, answered in this order: each one's deadline (the loop's clock) and answer
        self.waiters: deque[tuple[float, asyncio.Future[Response]]] = deque()
        self.closed = False
        self.lane: str | None = None        # the lane it carries (``HttpPool.request``), if any
        self.busy = 0                       # requests in flight on it (a lane's: several)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._check()

    def eof_received(self) -> bool | None:
        return False                # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._check()
        partial = bool(self.buffer)         # the first request's answer had begun
        while self.waiters:
            _, waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionResetError("ARI closed the connection within an answer") if partial
                                     else Unanswered("ARI closed the connection"))
            partial = False

    def _check(self) -> None:
        while self.waiters and (self.buffer or not self.closed):    # (closed, nothing more: ``connection_lost``)
            try:
                parsed = _parse(self.buffer, closed=self.closed)
            except BadResponse as exc:
                self.fail(exc)
                return
            if parsed is None:
                return
            response, used = parsed
            del self.buffer[:used]
            _, waiter = self.waiters.popleft()
            if not waiter.done():           # (a request cancelled meanwhile: its answer is read all the same)
                waiter.set_result(response)

    def fail(self, exc: Exception) -> None:
        """No answer on this connection will be read (it is not used again)."""
        while self.waiters:
            _, waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)

    def expire(self) -> None:
        """A request's time is up."""
        self.fail(TimeoutError())

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
        self._lanes: dict[str, _Connection] = {}        # a lane -> the connection its requests are on
        self._sweep: asyncio.TimerHandle | None = None   # the next look for requests whose time is up
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if self.tls else None

    @property
    def lanes(self) -> bool:
        """Whether any lane is open (``request``)."""
        return bool(self._lanes)

    def ordered(self, lane: str) -> bool:
        """Whether a request in ``lane`` written now reaches the server behind the lane's requests."""
        connection = self._lanes.get(lane)
        return connection is not None and not connection.closed

    async def request(self, method: str, target: str, body: bytes | None = None, *, lane: str | None = None,
                      opens: bool = False) -> Response:
        """Send one request (``target``: path and query, already encoded); its whole response.

        ``lane``: while a request of that lane is in flight, the next ones are written behind it on its
        connection (HTTP/1.1 pipelining; the server answers them in order, after it answered the first).
        A lane opens with an ``opens`` request, when a kept-alive connection is idle (a new one would
        make it wait for the connection), and closes once none of its requests is in flight."""
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
            connection = self._lanes.get(lane) if lane is not None else None
            reused = True
            if connection is None or connection.closed:
                connection = self._idle_connection()
                if connection is not None and opens and lane is not None:
                    connection.lane, self._lanes[lane] = lane, connection
                elif connection is None:
                    async with asyncio.timeout(self.timeout):
                        connection, reused = await self._connect(), False
            if self._sweep is None:
                self._sweep = loop.call_later(self.timeout / SWEEPS, self._sweeping)
            connection.busy += 1
            try:
                response = await self._exchange(connection, data, method, path)
            except Unanswered:
                self._drop(connection)
                if reused:          # closed as it left the idle set, or behind a request: never read
                    continue
                raise
            except BaseException:
                self._drop(connection)
                raise
            finally:
                connection.busy -= 1
            if not connection.busy:         # the last of a lane's requests gives the connection back
                self._release(connection, response.keep_alive)
            return response

    def _sweeping(self) -> None:
        """Fail the requests whose time is up (their connection's first one is the oldest). One timer for
        the pool, every ``timeout / SWEEPS`` while requests are in flight, rather than one per request:
        a timer is a push into the loop's heap, and a cancelled one a pop later, each comparison of
        TimerHandles a Python call (thousands of them are pending in a burst)."""
        self._sweep = None
        now = asyncio.get_running_loop().time()
        pending = False
        for connection in list(self._all):
            if connection.waiters:
                if connection.waiters[0][0] <= now:
                    connection.expire()
                pending = pending or bool(connection.waiters)
        if pending:
            self._sweep = asyncio.get_running_loop().call_later(self.timeout / SWEEPS, self._sweeping)

    def _idle_connection(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
            self._all.discard(connection)
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _transport, connection = await loop.create_connection(
            _Connection, self.host, self.port, ssl=self._ssl, server_hostname=self.host if self.tls else None)
        self._all.add(connection)
        return connection

    async def _exchange(self, connection: _Connection, data: bytes, method: str, path: str) -> Response:
        if connection.closed or connection.transport is None:
            raise Unanswered("ARI closed the connection")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Response] = loop.create_future()
        connection.waiters.append((loop.time() + self.timeout, waiter))
        connection.transport.write(data)
        if self.trace is not None:
            self.trace.sent(method, path)
        response = await waiter
        if self.trace is not None:
            self.trace.done(method, path, response.status)
        return response

    def _drop(self, connection: _Connection) -> None:
        connection.close()
        self._all.discard(connection)
        if connection.lane is not None and self._lanes.get(connection.lane) is connection:
            del self._lanes[connection.lane]

    def _release(self, connection: _Connection, keep_alive: bool) -> None:
        if connection.lane is not None:
            if self._lanes.get(connection.lane) is connection:
                del self._lanes[connection.lane]
            connection.lane = None
        if keep_alive and not connection.closed and not connection.buffer and len(self._idle) < IDLE_KEPT:
            self._idle.append(connection)
        else:
            connection.close()
            self._all.discard(connection)

    def close(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle.clear()
        self._lanes.clear()


def basic_auth(user: str, password: str) -> str:
    """The Authorization header value (aiohttp's BasicAuth is deprecated)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# What a URL carries as it is (ids, names, numbers, PJSIP/alice, leg,<id>): one regex match, no quote()
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~/-]*")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._~!$'()*,/:;@-]*")     # a query value: RFC 3986 leaves these
VALUE_SAFE = "!$'()*,/:;@"


def quoted(text: str, safe: str = VALUE_SAFE) -> str:
    """Percent-encoded for a path (``safe="/"``) or a query value (the default)."""
    plain = _PLAIN_PATH if safe == "/" else _PLAIN_VALUE
    return text if plain.fullmatch(text) else quote(text, safe=safe)


def query_value(value: object) -> str:
    """A query parameter's value as ARI reads it (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
