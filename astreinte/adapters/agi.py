"""The FastAGI server: the dialplan's second tier, answering ``agi://127.0.0.1:4573/chain``.

When ``Stasis()`` fails (ARI link down, app not registered) or the daemon hands a call
back, the dialplan asks this server for the chain of the dialed number (its first argument,
the canonical number the entry point set; the extension for an older dialplan) and dials it
itself. One short exchange per call: read the environment, set the channel variables
(``ASTREINTE_DIAL_1``... then ``ASTREINTE_LEVELS``), read ``STASISSTATUS`` (``FAILED``: the
ARI client must connect again, see ``Ari.stasis_failed``), close. Every read is bounded in
time and size and the number of simultaneous connections is capped, so a hostile or
stuck peer costs one slot for a few seconds at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from astreinte.adapters.clock import Clock
from astreinte.config.daemon import Listen
from astreinte.dialplan import NUMBER, Chain
from astreinte.wire.agi import (
    AgiParser,
    AgiProtocolError,
    Hangup,
    Item,
    Reply,
    Request,
    get_variable,
    set_variable,
    verbose,
)

log = logging.getLogger("astreinte.agi")

Lookup = Callable[[str, datetime], Chain | None]
Served = Callable[[str], None]          # outcome: "chain", "unknown_number", "blocked", "error"

T = TypeVar("T")

READ_TIMEOUT = 5.0
MAX_CONNECTIONS = 64


class AgiServer:
    def __init__(self, listen: Listen, lookup: Lookup, *, clock: Clock, served: Served = lambda outcome: None,
                 blocked: Callable[[str], bool] = lambda caller: False,
                 stasis_failed: Callable[[], None] = lambda: None) -> None:
        self.listen = listen
        self.stasis_failed = stasis_failed      # told when a call comes because Stasis() failed
        self.lookup = lookup
        self.blocked = blocked
        self.served = served
        self.clock = clock
        self.port: int | None = None            # the bound port (useful with port 0 in tests)
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._reached: deque[str] = deque(maxlen=256)      # the channels whose request was read, latest last
        self._sessions = 0                                  # in flight
        self._change = asyncio.Event()                      # set when one is read, or one ends

    @property
    def listening(self) -> bool:
        return self.port is not None

    async def serve(self, started: asyncio.Event | None = None) -> None:
        """Listen until cancelled. A port already taken is logged and retried: tiers 3 and 4 still work."""
        delay = 1.0
        while True:
            try:
                server = await asyncio.start_server(self._client, self.listen.host, self.listen.port,
                                                    limit=8192)
            except OSError as exc:
                log.error("FastAGI cannot listen on %s:%d (%s); retrying in %.0f s",
                          self.listen.host, self.listen.port, exc.strerror or exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            async with server:
                self.port = server.sockets[0].getsockname()[1]
                log.info("FastAGI listening on %s:%d (dialplan tier 2)", self.listen.host, self.port)
                if started is not None:
                    started.set()
                try:
                    await server.serve_forever()
                finally:
                    self.port = None

    async def serve_those(self, channels: set[str], timeout: float) -> set[str]:
        """Wait until each of these channels' requests has been served (a daemon stopping keeps FastAGI
        up for the calls it handed to the dialplan), or ``timeout``: those not served."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.listening and (self._sessions or channels - set(self._reached)):
            self._change.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(end):
                    await self._change.wait()
            if loop.time() >= end:
                break
        return channels - set(self._reached)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._slots.locked():
            log.warning("FastAGI: too many connections, refusing one")
            writer.close()
            return
        self._sessions += 1
        async with self._slots:
            try:
                await self._session(reader, writer)
            except (AgiProtocolError, TimeoutError, ConnectionError, asyncio.IncompleteReadError) as exc:
                log.warning("FastAGI: dropped a connection: %s", exc)
                self.served("error")
            except Exception:
                log.exception("FastAGI: request failed")
                self.served("error")
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
                self._sessions -= 1
                self._change.set()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(reader, writer)
        request = await link.next(Request)
        if request is not None:
            self._reached.append(request.uniqueid)
        if request is None or not await self._answer(link, request):
            return
        # Last, not to delay the call: Stasis() failed means Asterisk has no active app of ours,
        # whatever the ARI WebSocket looks like (the ARI client then connects again).
        status = await link.ask(get_variable("STASISSTATUS"))
        if status is not None and status.data == "FAILED":
            log.info("FastAGI: call %s came because Stasis() failed", request.uniqueid)
            self.stasis_failed()

    async def _answer(self, link: _Link, request: Request) -> bool:
        """Set the call's variables; False when there is nothing more to ask (or nobody to ask)."""
        number = request.arg(1) or request.extension      # AGI(agi://.../chain,${ASTREINTE_NUMBER})
        if request.script != "chain":
            log.warning("FastAGI: unknown script %.40r for channel %.60s", request.script, request.channel)
            self.served("error")
            return False
        if self.blocked(request.get("callerid")[:64]):
            log.info("FastAGI: call %s on %.30r: caller blocked, refused", request.uniqueid, number)
            self.served("blocked")
            return await link.command(set_variable("ASTREINTE_BLOCKED", "1"))
        chain = self.lookup(number, self.clock()) if NUMBER.match(number) else None
        if chain is None:
            log.info("FastAGI: call %s on %.30r: no team answers this number", request.uniqueid, number)
            self.served("unknown_number")
            return await link.command(set_variable("ASTREINTE_LEVELS", "0"))
        log.info("FastAGI: call %s on %s (%s): team %s, %d level(s): %s", request.uniqueid, number,
                 request.channel, chain.team, len(chain.levels), " | ".join(chain.levels) or "voicemail")
        for name, value in chain.variables():
            if not await link.command(set_variable(name, value)):
                return False
        self.served("chain")
        return await link.command(verbose(f"astreinte: chain of team {chain.team} set", 2))


class _Link:
    """One connection: items parsed but not consumed yet wait in ``pending``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = AgiParser()
        self.pending: deque[Item] = deque()

    async def next(self, kind: type[T]) -> T | None:
        """The next item of ``kind``; None on HANGUP or end of stream."""
        while True:
            while self.pending:
                item = self.pending.popleft()
                if isinstance(item, Hangup):
                    return None
                if isinstance(item, kind):
                    return item
            async with asyncio.timeout(READ_TIMEOUT):
                data = await self.reader.read(4096)
            if not data:
                return None
            self.pending.extend(self.parser.feed(data))

    async def command(self, command: bytes) -> bool:
        """Send one command, wait for its reply; False when the channel hung up."""
        return await self.ask(command) is not None

    async def ask(self, command: bytes) -> Reply | None:
        """Send one command and return its reply; None when the channel hung up."""
        self.writer.write(command)
        await self.writer.drain()
        reply = await self.next(Reply)
        if reply is not None and not reply.ok:
            log.warning("FastAGI: Asterisk refused %r: %s", command[:60], reply.text[:120])
        return reply
