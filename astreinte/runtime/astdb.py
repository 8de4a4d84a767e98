"""Keep AstDB holding what the dialplan's third tier dials when the daemon is gone.

When both the daemon and its FastAGI server are away, the dialplan reads, for the dialed
number, the chains the daemon stored ahead (``dialplan.Timeline``: the current one, then each
hand-off and service-hours change of the next days, with the instant it applies from), and
refuses the callers stored under ``astreinte_blocked``. This task writes them (AMI):

- at start, and after every AMI (re)login (``ami.on_login``): AMI may have been down;
- whenever what AstDB should hold changes: a reload (new config, schedule or block list), or a
  change coming into the stored horizon. Recomputed every second, written only when it differs.

Each number (and the block list) is written as a whole *generation*, ``a`` or ``b``: the one calls
do not read is deleted and rewritten, then ``current`` is flipped to it, so a call never reads
half a rewrite. A number removed from the configuration is deleted. If AMI is down the write is
skipped and done again after the next login.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from astreinte.adapters.clock import Clock
from astreinte.dialplan import ASTDB_BLOCKED, ASTDB_FAMILY, blocked_entries, next_handoff, timelines
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.runtime.ports import AmiPort
    from astreinte.runtime.services import Services

log = logging.getLogger("astreinte.astdb")

POLL = 1.0                      # how often the plan is checked (reloads, hand-offs, service hours)
REPLAN = timedelta(minutes=1)   # and recomputed at the latest

Entries = list[tuple[str, str]]
Place = tuple[str, str]          # (family, key under which the generations live; "" for the family itself)
BLOCKED: Place = (ASTDB_BLOCKED, "")


class AstDbWriter:
    def __init__(self, ami: AmiPort, services: Services, *, clock: Clock, poll: float = POLL) -> None:
        self.ami = ami
        self.services = services
        self.clock = clock
        self.poll = poll
        self.written_at: datetime | None = None
        self.next_handoff: datetime | None = None
        self._written: dict[Place, Entries] = {}     # what AstDB holds, as far as we know
        self._generation: dict[Place, str] = {}      # the generation ``current`` names
        self._stale = True                            # rewrite even if nothing changed
        self._wake = asyncio.Event()
        self._state: tuple[int, int] = self._identity()
        self._plan: tuple[tuple[int, int], datetime, dict[Place, Entries]] | None = None
        ami.on_login(self._after_login)

    async def _after_login(self) -> None:
        self._stale = True            # AstDB may have been wiped (Asterisk restarted with a fresh astdb)
        self._wake.set()

    def _identity(self) -> tuple[int, int]:
        return id(self.services.config), id(self.services.schedule)

    def plan(self, now: datetime) -> dict[Place, Entries]:
        """What AstDB should hold: each number's timeline, and the block list. Recomputed after a
        reload, when a stored change comes due, and every REPLAN seconds (the horizon's far end)."""
        if self._plan is not None and self._plan[0] == self._identity() and now < self._plan[1]:
            return self._plan[2]
        s = self.services
        self.next_handoff = next_handoff(s.config, s.schedule, now)
        found = timelines(s.config, s.schedule, now)
        out: dict[Place, Entries] = {(ASTDB_FAMILY, t.number): t.astdb() for t in found}
        out[BLOCKED] = blocked_entries(s.config)
        due = [t.segments[1][0] for t in found if len(t.segments) > 1]
        self._plan = (self._identity(), min([now + REPLAN, *due]), out)
        return out

    async def write(self, why: str, plan: dict[Place, Entries] | None = None) -> bool:
        """Write what changed (everything after a login); False (logged) when AMI is not available."""
        now = self.clock()
        plan = self.plan(now) if plan is None else plan
        if not self.ami.connected:
            log.info("AstDB not updated (%s): AMI is down; will write after the next login", why)
            return False
        fresh = self._stale
        keys, numbers = 0, 0
        try:
            for place, entries in plan.items():
                if fresh or self._written.get(place) != entries:
                    await self._publish(place, entries, ask=fresh)
                    self._written[place] = entries
                    keys, numbers = keys + len(entries), numbers + (place[0] == ASTDB_FAMILY)
            for place in sorted(set(self._written) - set(plan)):     # a number removed from the configuration
                await self.ami.db_del(place[0], place[1], tree=True)
                del self._written[place]
                self._generation.pop(place, None)
        except LinkError as exc:
            log.warning("AstDB update (%s) interrupted: %s; will retry after the next login", why, exc)
            return False
        self.written_at, self._stale = now, False
        if not keys:
            log.info("AstDB: already up to date (%s)", why)
            return True
        log.info("AstDB: wrote %d key(s) for %d number(s) (%s); next hand-off %s", keys, numbers, why,
                 self.next_handoff.isoformat(timespec="seconds") if self.next_handoff else "none")
        return True

    async def _publish(self, place: Place, entries: Entries, *, ask: bool) -> None:
        """Rewrite the generation calls do not read, then point ``current`` at it."""
        family, base = place
        at = f"{base}/" if base else ""
        current = self._generation.get(place)
        if current is None or ask:        # a new daemon, or AstDB may have changed while AMI was away
            current = await self.ami.db_get(family, f"{at}current")
        target = "b" if current == "a" else "a"
        await self.ami.db_del(family, f"{at}{target}", tree=True)
        for key, value in entries:
            await self.ami.db_put(family, f"{at}{target}/{key}", value)
        await self.ami.db_put(family, f"{at}current", target)
        self._generation[place] = target

    async def run(self) -> None:
        """Forever: write when AMI logs in, or when what AstDB should hold changes (reload, hand-off,
        service hours starting or ending), checked every second."""
        up = await self.ami.wait_connected(timeout=5.0)     # the first login usually comes within milliseconds
        why = "start" if up else "AMI login"
        while True:
            if self._wake.is_set():
                self._wake.clear()
                why = why or "AMI login"
            plan = self.plan(self.clock())
            changed = any(self._written.get(place) != entries for place, entries in plan.items())
            if (self._stale or changed or self._identity() != self._state) and self.ami.connected:
                if not why:
                    why = "reload" if self._identity() != self._state else "hand-off"
                self._state = self._identity()
                await self.write(why, plan)
                why = ""
            await self._sleep()

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll):
                await self._wake.wait()
