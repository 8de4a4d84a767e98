"""Keep AstDB holding the current chain of every team number: the dialplan's third tier.

When both the daemon and its FastAGI server are gone, the dialplan reads
``${DB(astreinte/NUMBER/levels)}`` and ``.../dialN``. This task writes them (AMI ``DBPut``):

- at start, and after every AMI (re)login (``ami.on_login``): AMI may have been down;
- whenever what AstDB should hold changes: a reload (new config or schedule), a hand-off
  (the ``until`` of ``Schedule.who``), service hours starting or ending. The chains are
  recomputed every second (a few ``who()`` calls) and written only when they differ.

A number removed from the configuration is deleted (``DBDelTree``). If AMI is down the
write is skipped and done again after the next login.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from astreinte.dialplan import ASTDB_FAMILY, chains, next_handoff
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.adapters.ami import Ami
    from astreinte.services import Services

log = logging.getLogger("astreinte.astdb")

POLL = 1.0          # how often the chains are recomputed (reloads, hand-offs, service hours)


class AstDbWriter:
    def __init__(self, ami: Ami, services: Services,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ami = ami
        self.services = services
        self.clock = clock
        self.written_at: datetime | None = None
        self.next_handoff: datetime | None = None
        self._written: list[tuple[str, str]] | None = None     # what AstDB holds, as far as we know
        self._stale = True                                      # rewrite even if nothing changed
        self._wake = asyncio.Event()
        self._state: tuple[int, int] = self._identity()
        ami.on_login(self._after_login)

    async def _after_login(self) -> None:
        self._stale = True            # AstDB may have been wiped (Asterisk restarted with a fresh astdb)
        self._wake.set()

    def _identity(self) -> tuple[int, int]:
        return id(self.services.config), id(self.services.schedule)

    def entries(self, now: datetime) -> list[tuple[str, str]]:
        s = self.services
        self.next_handoff = next_handoff(s.config, s.schedule, now)
        return [(key, value) for chain in chains(s.config, s.schedule, now) for key, value in chain.astdb()]

    async def write(self, why: str, entries: list[tuple[str, str]] | None = None) -> bool:
        """Write every chain now; False (logged) when AMI is not available."""
        now = self.clock()
        entries = self.entries(now) if entries is None else entries
        if not self.ami.connected:
            log.info("AstDB not updated (%s): AMI is down; will write after the next login", why)
            return False
        gone = _numbers(self._written or []) - _numbers(entries)
        try:
            for key, value in entries:
                await self.ami.db_put(ASTDB_FAMILY, key, value)
            for number in sorted(gone):           # a number removed from the configuration
                await self.ami.action("DBDelTree", Family=ASTDB_FAMILY, Key=number)
        except LinkError as exc:
            log.warning("AstDB update (%s) interrupted: %s; will retry after the next login", why, exc)
            return False
        self.written_at, self._written, self._stale = now, entries, False
        log.info("AstDB: wrote %d key(s) for %d number(s) (%s); next hand-off %s", len(entries),
                 len(_numbers(entries)), why,
                 self.next_handoff.isoformat(timespec="seconds") if self.next_handoff else "none")
        return True

    async def run(self) -> None:
        """Forever: write when AMI logs in, or when what AstDB should hold changes (reload, hand-off,
        service hours starting or ending), checked every second."""
        up = await self.ami.wait_connected(timeout=5.0)     # the first login usually comes within milliseconds
        why = "start" if up else "AMI login"
        while True:
            if self._wake.is_set():
                self._wake.clear()
                why = why or "AMI login"
            entries = self.entries(self.clock())
            if (self._stale or entries != self._written or self._identity() != self._state) and self.ami.connected:
                if not why:
                    why = "reload" if self._identity() != self._state else "hand-off"
                self._state = self._identity()
                await self.write(why, entries)
                why = ""
            await self._sleep()

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(POLL):
                await self._wake.wait()


def _numbers(entries: list[tuple[str, str]]) -> set[str]:
    return {key.split("/", 1)[0] for key, _ in entries}
