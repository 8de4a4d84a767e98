"""Watch everything Asterisk does, through ARI, as a test would check it.

A separate ARI application (``labwatch-<random>``) subscribed to all event sources
sees the channels, playbacks and bridges of every call without touching them.

Each observer has an application name of its own: Asterisk 22 unregisters an
application when a WebSocket that held it closes, even if a newer WebSocket has
registered the same name meanwhile. A test's observer closing while the next
test's opened under the same name left the new one deaf (no event at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from astreinte.adapters.ari_http import basic_auth
from lab.phones import TIMEOUT_FACTOR


@dataclass(frozen=True)
class Seen:
    at: float           # time.time() when received
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.event.get("type", ""))


class Observer:
    def __init__(self, url: str = "http://127.0.0.1:8088", user: str = "astreinte", password: str = "secret",
                 app: str | None = None, subscribe_all: bool = True) -> None:
        self.url = url.rstrip("/") + "/ari"
        self.app = app or f"labwatch-{uuid.uuid4().hex[:8]}"
        self.subscribe_all = subscribe_all
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self.auth = basic_auth(user, password)
        self.seen: list[Seen] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Observer:
        # A bounded connect (aiohttp's default waits 5 minutes), and no session left to the
        # garbage collector when it fails: Python 3.11 before 3.11.8 can raise SystemError
        # from ast.parse when a ResourceWarning for an unclosed session is formatted while
        # the collector runs inside another parse, which aborts the whole pytest run.
        self._session = aiohttp.ClientSession(headers={"Authorization": self.auth})
        params = {"app": self.app, "subscribeAll": "true" if self.subscribe_all else "false"}
        try:
            async with asyncio.timeout(10 * TIMEOUT_FACTOR):
                self._ws = await self._session.ws_connect(self.url.replace("http", "ws", 1) + "/events", params=params)
        except BaseException:
            await self._session.close()
            raise
        self._task = asyncio.create_task(self._read(self._ws))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:         # a close handshake, not a dropped connection, for Asterisk
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with asyncio.timeout(5):
                    await self._ws.close()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session:
            await self._session.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.seen.append(Seen(time.time(), json.loads(msg.data)))
                    self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Seen], bool], timeout: float = 10.0,
                       what: str = "event") -> Seen:
        """The first event (already seen or to come) matching ``predicate``."""
        deadline = time.monotonic() + timeout * TIMEOUT_FACTOR
        async with self._changed:
            while True:
                for seen in self.seen:
                    if predicate(seen):
                        return seen
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = ", ".join(s.type for s in self.seen[-30:])
                    raise AssertionError(f"no {what} within {timeout} s; last events: {kinds}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    def of_type(self, kind: str) -> list[Seen]:
        return [s for s in self.seen if s.type == kind]

    async def get(self, path: str) -> Any:
        assert self._session is not None
        async with self._session.get(self.url + path) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def post(self, path: str, **params: str) -> Any:
        """An ARI request of the observer's own (a snoop channel, a recording): not on the daemon's channels."""
        assert self._session is not None
        async with self._session.post(self.url + path, params=params) as resp:
            resp.raise_for_status()
            return await resp.json() if resp.content_type == "application/json" else None


def channel_name(seen: Seen) -> str:
    return str((seen.event.get("channel") or {}).get("name", ""))
