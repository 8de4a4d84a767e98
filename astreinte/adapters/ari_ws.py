"""ARI's event WebSocket, client side (RFC 6455): each text message handed to a callback as it is read.

Why not aiohttp's client (which the daemon used until issue 18's sixth pass): a burst call's events
went through its reader, its message queue, a heartbeat timer reset per message, then a task switch
into the router, about a quarter of the CPU an event costs. ARI needs little of the protocol: the
server's frames are unmasked text (JSON), pings to answer, a close to echo. So the frames are parsed
in ``data_received`` and each whole message goes to ``on_text`` there, in the same loop turn.

The handshake is HTTP/1.1 ``Upgrade`` with the Authorization header; anything but a ``101`` with the
right ``Sec-WebSocket-Accept`` raises ``HandshakeError`` (its status: 401 is a wrong password).
``heartbeat``: after that long without a byte from the server, a ping; without one again half as
long later, the connection is dropped (a dead peer, a cut network: the caller reconnects).
Malformed frames (masked, reserved bits, an unknown opcode, bad UTF-8, a message over ``MAX_MESSAGE``)
close the connection with the code RFC 6455 gives; ``done`` says why it ended.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 16 * 1024 * 1024      # a GET /channels of thousands of channels is far under it
MAX_HEAD = 16 * 1024
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class HandshakeError(OSError):
    """The server did not switch to the WebSocket protocol."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"WebSocket handshake: HTTP {status} {reason}".strip())
        self.status = status


def accept_key(key: bytes) -> bytes:
    """What the server must answer in ``Sec-WebSocket-Accept`` to the client's ``key``."""
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def client_frame(opcode: int, payload: bytes = b"") -> bytes:
    """One final frame from the client (always masked, RFC 6455 5.3); only control frames are sent."""
    mask = os.urandom(4)
    length = len(payload)
    head = bytes([0x80 | opcode, 0x80 | length]) if length < 126 else \
        bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", length)
    masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return head + mask + masked


class EventSocket(asyncio.Protocol):
    """One WebSocket connection; ``connect`` makes it."""

    def __init__(self, on_text: Callable[[str], None], heartbeat: float) -> None:
        self.on_text = on_text
        self.heartbeat = heartbeat
        self.transport: asyncio.Transport | None = None
        self.key = base64.b64encode(os.urandom(16))
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.done: asyncio.Future[str] = asyncio.get_running_loop().create_future()   # why it ended
        self._buffer = bytearray()
        self._open = False                  # past the handshake: frames
        self._fragments: list[bytes] | None = None     # a fragmented message's parts so far
        self._binary = False                # that message is binary (dropped)
        self._heard = True                  # a byte came since the last heartbeat tick
        self._quiet = 0                     # heartbeat ticks without a byte
        self._ticker: asyncio.TimerHandle | None = None
        self._closing = False               # our close frame is sent
        self._why: str | None = None

    # --- asyncio.Protocol ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._heard = True
        self._buffer += data
        if not self._open:
            self._read_head()
        if self._open:
            self._read_frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        why = self._why or (f"connection lost: {exc}" if exc else "connection closed by the server")
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionResetError(why))
            self.handshake.exception()      # (``connect`` may have given up on it: no "never retrieved")
        if not self.done.done():
            self.done.set_result(why)

    # --- the handshake ------------------------------------------------------------

    def _read_head(self) -> None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                self._abort("the handshake's answer is not HTTP")
            return
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[:end + 4]
        status_line, _, rest = head.partition("\r\n")
        parts = status_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in rest.split("\r\n"))}
        if status == 101 and headers.get("sec-websocket-accept", "").encode() == accept_key(self.key):
            self._open = True
            self._tick()
            self.handshake.set_result(None)
            return
        reason = parts[2] if len(parts) > 2 else ""
        if status == 101:
            reason = "wrong Sec-WebSocket-Accept"
        self.handshake.set_exception(HandshakeError(status, reason))
        self._abort(f"handshake refused: HTTP {status}")

    # --- frames -------------------------------------------------------------------

    def _read_frames(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 2 and self.transport is not None:
            first, second = buffer[0], buffer[1]
            length, at = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, at = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, at = struct.unpack_from("!Q", buffer, 2)[0], 10
            if second & 0x80 or first & 0x70:
                self.fail(1002, "a masked frame or reserved bits from the server")
                return
            if length > MAX_MESSAGE:
                self.fail(1009, f"a frame of {length} bytes")
                return
            if len(buffer) < at + length:
                return
            payload = bytes(buffer[at:at + length])
            del buffer[:at + length]
            self._frame(first & 0x0F, bool(first & 0x80), payload)

    def _frame(self, opcode: int, final: bool, payload: bytes) -> None:
        if opcode == TEXT and final and self._fragments is None:
            self._text(payload)
        elif opcode in (TEXT, BINARY) and self._fragments is None:
            if final:
                return                      # a whole binary message: ARI sends none
            self._fragments = [payload] if opcode == TEXT else []
            self._binary = opcode == BINARY
        elif opcode == CONTINUATION and self._fragments is not None:
            if not self._binary:
                self._fragments.append(payload)
                if sum(map(len, self._fragments)) > MAX_MESSAGE:
                    self.fail(1009, "a message over the size limit")
                    return
            if final:
                whole, self._fragments = b"".join(self._fragments), None
                if not self._binary:
                    self._text(whole)
        elif opcode == PING and final and len(payload) <= 125:
            self._send(client_frame(PONG, payload))
        elif opcode == PONG:
            pass
        elif opcode == CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._why = self._why or f"closed by the server ({code})"
            if not self._closing:
                self._closing = True
                self._send(client_frame(CLOSE, payload[:2]))
            if self.transport is not None:
                self.transport.close()
        else:
            self.fail(1002, f"an unexpected frame (opcode {opcode})")

    def _text(self, payload: bytes) -> None:
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(1007, "a text message that is not UTF-8")
            return
        self.on_text(text)

    # --- heartbeat, close ---------------------------------------------------------

    def _tick(self) -> None:
        if self._heard:
            self._heard, self._quiet = False, 0
        else:
            self._quiet += 1
            if self._quiet == 2:            # ``heartbeat`` without a byte: ask
                self._send(client_frame(PING, b"astreinte"))
            elif self._quiet >= 3:          # and half as long again without an answer
                self._abort(f"no answer to a ping within {self.heartbeat / 2:g} s")
                return
        self._ticker = asyncio.get_running_loop().call_later(self.heartbeat / 2, self._tick)

    def _send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def fail(self, code: int, why: str) -> None:
        """Close with ``code`` (RFC 6455 7.4) because of ``why``, without waiting for the server's close."""
        self._why = self._why or why
        if not self._closing:
            self._closing = True
            self._send(client_frame(CLOSE, struct.pack("!H", code)))
        if self.transport is not None:
            self.transport.close()

    def _abort(self, why: str) -> None:
        self._why = self._why or why
        if self.transport is not None:
            self.transport.abort()

    async def close(self, timeout: float = 5.0) -> str:
        """Our close (1000), then the server's answer or ``timeout``; why the connection ended."""
        if not self.done.done() and not self._closing:
            self._closing = True
            self._why = self._why or "closed by astreinte"
            self._send(client_frame(CLOSE, struct.pack("!H", 1000)))
        await asyncio.wait([self.done], timeout=timeout)     # (never cancels ``done``)
        if not self.done.done():
            self._abort("the server did not answer our close")
        return await self.done


async def connect(url: str, target: str, headers: dict[str, str], on_text: Callable[[str], None], *,
                  timeout: float, heartbeat: float = 15.0) -> EventSocket:
    """A WebSocket to ``target`` (path and query, encoded) on the server of ``url`` (``http(s)://``)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    tls = parts.scheme in ("https", "wss")
    port = parts.port or (443 if tls else 80)
    loop = asyncio.get_running_loop()
    protocol = EventSocket(on_text, heartbeat)
    async with asyncio.timeout(timeout):
        await loop.create_connection(lambda: protocol, host, port, ssl=ssl.create_default_context() if tls else None,
                                     server_hostname=host if tls else None)
        assert protocol.transport is not None
        fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        protocol.transport.write(
            (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {protocol.key.decode()}\r\nSec-WebSocket-Version: 13\r\n{fixed}\r\n"
             ).encode("latin-1"))
        try:
            await protocol.handshake
        except BaseException:
            protocol._abort("handshake not finished")
            raise
    return protocol
