"""What every request of the web console shares: the configuration, the store, the clock, and what
the running daemon and Asterisk say now.

    console = await Console.open(config_path, clock)
    config = console.config()                # reloaded when the file changed; a bad edit keeps the last good
    rows = await console.store.run(lambda s: s.calls(since))
    status = await console.daemon_status()   # the daemon's JSON /status, or None when it does not answer

The console reads the database the daemon and the CLI write (SQLite in WAL mode, one thread of
its own here) and asks the daemon for what only it knows (live calls, links) over its loopback
``/status``; it never talks to the daemon's calls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from astreinte.adapters.store.accounts import Accounts, User
from astreinte.adapters.store.aio import AsyncStore
from astreinte.domain.errors import AstreinteError, ConfigError, LinkError

if TYPE_CHECKING:
    from datetime import datetime

    from astreinte.adapters.clock import Clock
    from astreinte.adapters.store import Store
    from astreinte.config import Config

log = logging.getLogger("astreinte.web")

LIVE_TIMEOUT = 1.5           # seconds: the daemon and ARI answer on loopback, or they are down
LIVE_CACHE = 3.0             # seconds a reading of them is reused (pages refresh every 15 s)


@dataclass
class _Reading:
    value: Any = None
    at: float = -1e9


@dataclass
class Console:
    path: Path
    clock: Clock
    store: AsyncStore
    current: Config
    stamp: tuple[float, int] = (0.0, 0)
    problem: str | None = None          # why the last edit of the configuration was refused
    port: int | None = None             # the port actually bound
    _status: _Reading = field(default_factory=_Reading)
    _phones: _Reading = field(default_factory=_Reading)
    _http: aiohttp.ClientSession | None = None

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> Console:
        from astreinte.config import load

        config = load(path)
        store = await AsyncStore.open(config.database)
        return cls(path, clock, store, config, _stamp(path))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        await self.store.close()

    def now(self) -> datetime:
        return self.clock().astimezone(self.current.timezone)

    def config(self) -> Config:
        """The configuration, loaded again when its file changed (a refused edit keeps the running one)."""
        stamp = _stamp(self.path)
        if stamp != self.stamp:
            from astreinte.config import load

            self.stamp = stamp
            try:
                fresh = load(self.path)
            except ConfigError as exc:
                self.problem = "; ".join(str(p) for p in exc.problems)[:500]
                log.error("configuration edit refused, keeping the running one: %s", self.problem)
            else:
                if fresh.database != self.current.database:
                    self.problem = "database: changed, restart astreinte web to follow it"
                else:
                    self.current, self.problem = fresh, None
        return self.current

    async def accounts(self, job: Any) -> Any:
        """``job(Accounts)`` in the store's thread."""
        def run(store: Store) -> Any:
            return job(Accounts(store.db))

        return await self.store.run(run)

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=LIVE_TIMEOUT))
        return self._http

    async def daemon_status(self) -> dict[str, Any] | None:
        """The daemon's ``/status`` (links, live calls), or None when it does not answer."""
        reading = self._status
        if time.monotonic() - reading.at < LIVE_CACHE:
            return reading.value   # type: ignore[no-any-return]
        listen = self.current.daemon.metrics
        value: dict[str, Any] | None = None
        if listen.port:
            try:
                async with self.http.get(f"http://{listen.host}:{listen.port}/status") as resp:
                    data = await resp.json() if resp.status == 200 else None
                value = data if isinstance(data, dict) else None
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                log.debug("the daemon's /status does not answer: %s", exc)
        self._status = _Reading(value, time.monotonic())
        return value

    async def phone_states(self) -> dict[str, str] | None:
        """``PJSIP/alice`` -> ``online``/``offline``/``unknown`` as ARI says now, or None (ARI down)."""
        reading = self._phones
        if time.monotonic() - reading.at < LIVE_CACHE:
            return reading.value   # type: ignore[no-any-return]
        from astreinte.adapters.ari import Ari

        value: dict[str, str] | None = None
        try:
            async with asyncio.timeout(LIVE_TIMEOUT), Ari(self.current.asterisk.ari,
                                                          request_timeout=LIVE_TIMEOUT) as ari:
                value = {f"PJSIP/{e.get('resource')}": str(e.get("state")) for e in await ari.endpoints("PJSIP")}
        except (LinkError, AstreinteError, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("ARI endpoints unavailable: %s", exc)
        self._phones = _Reading(value, time.monotonic())
        return value


CONSOLE = aiohttp.web.AppKey("console", Console)     # the running console, in the aiohttp application
USER: aiohttp.web.RequestKey[User | None] = aiohttp.web.RequestKey("user")   # who signed in, per request
CSRF = aiohttp.web.RequestKey("csrf", str)           # the form token of the request's session


def _stamp(path: Path) -> tuple[float, int]:
    try:
        info = path.stat()
    except OSError:
        return (0.0, 0)
    return (info.st_mtime, info.st_size)
