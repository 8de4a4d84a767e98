"""Tell people when a link the daemon can live without stays broken, and when it is back.

AMI down or refused does not stop the hunts (ARI does the calls) but leaves the AstDB tier, the
one that rings the on-call person when the daemon itself is gone, as it was last written. The
daemon goes on, logs it, shows it in ``/status`` and the metrics, and after ``grace`` seconds sends
one notice (webhook, e-mail: ``notifications``); one more when the link is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from astreinte.adapters import notify
from astreinte.adapters.clock import Clock
from astreinte.i18n import DEFAULT_LANGUAGE
from astreinte.notices.links import link_down_text, link_up_text

if TYPE_CHECKING:
    from astreinte.config.notify import NotifySettings
    from astreinte.runtime.ports import AmiPort

log = logging.getLogger("astreinte.links")


class LinkAlarm:
    def __init__(self, ami: AmiPort, settings: Callable[[], NotifySettings], clock: Clock, *,
                 grace: float = 30.0, every: float = 1.0,
                 language: Callable[[], str] = lambda: DEFAULT_LANGUAGE) -> None:
        self.ami, self.settings, self.clock, self.language = ami, settings, clock, language
        self.grace, self.every = timedelta(seconds=grace), every
        self.down_since: datetime | None = None
        self.told = False           # the notice "down" went out for this incident
        self.sent: list[notify.Notice] = []

    async def run(self) -> None:
        while True:
            await self.check(self.clock())
            await asyncio.sleep(self.every)

    async def check(self, now: datetime) -> None:
        problem = None if self.ami.connected else (self.ami.problem or "not connected")
        if problem is None:
            if self.told:
                log.warning("AMI is back: the AstDB fallback is up to date again")
                await self._tell("link_up", *link_up_text(self.language(), where=self._where()), None, now)
            self.down_since, self.told = None, False
            return
        if self.down_since is None:
            self.down_since = now
        if not self.told and now - self.down_since >= self.grace:
            self.told = True
            minutes = (now - self.down_since).total_seconds() / 60
            log.warning("AMI unavailable for %.1f min (%s): the AstDB fallback is not kept up to date", minutes,
                        problem)
            subject, body = link_down_text(self.language(), where=self._where(), minutes=minutes, problem=problem)
            await self._tell("link_down", subject, body, problem, now)

    def _where(self) -> str:
        return f"{self.ami.settings.host}:{self.ami.settings.port}"

    async def _tell(self, kind: str, subject: str, body: str, problem: str | None, now: datetime) -> None:
        settings = self.settings()
        notice = notify.Notice(kind, subject, body, {"link": "ami", "problem": problem, "at": now.isoformat(),
                                                     "since": self.down_since.isoformat() if self.down_since else None})
        self.sent.append(notice)
        if settings.enabled:
            await notify.send(settings, notice)
