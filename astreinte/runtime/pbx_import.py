"""Nothing the PBX recorded is lost: the calls its tiers served while the daemon was away (their trace in
AstDB, written by the generated dialplan: ``domain.calls.pbx_trace``) come into the call log, and their
messages into the message lifecycle (notified, then called out per the team's policy).

    AMI login (the daemon starts, or AMI comes back), then every ``poll`` s:
      DBGetTree astreinte_calls ──▶ each complete trace ──▶ one store transaction (call + message +
      the trace's id in ``pbx_imports``) ──▶ DBDelTree of the trace

Exactly once, even across restarts: a trace whose id is already in ``pbx_imports`` (the daemon died
between the commit and the delete) is only deleted. A trace that does not parse is kept in AstDB and
reported once; a call still going on (no end yet) waits for the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import wave
from datetime import timedelta
from typing import TYPE_CHECKING

from astreinte.adapters.clock import Clock
from astreinte.adapters.store import PbxMessage
from astreinte.dialplan import NUMBER, TRACE_FAMILY, endpoint
from astreinte.domain.calls import pbx_trace
from astreinte.domain.errors import LinkError, StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from astreinte.config import Config
    from astreinte.runtime.ports import AmiPort, StorePort
    from astreinte.runtime.services import Services

log = logging.getLogger("astreinte.pbx_import")

POLL = 5.0
MARGIN = timedelta(minutes=1)       # after the longest call, a trace without end is taken as over


def wav_seconds(path: Path) -> float | None:
    """The length of a WAV recording; None when it cannot be read."""
    try:
        with wave.open(str(path), "rb") as audio:
            return audio.getnframes() / float(audio.getframerate() or 8000)
    except (OSError, EOFError, wave.Error):
        return None


def people_by_endpoint(config: Config) -> dict[str, str]:
    """``PJSIP/alice`` -> alice, ``PJSIP/+336...@trunk-out`` -> bob: who a dial string reaches."""
    return {endpoint(config, phone): person.id for person in config.people.values() for phone in person.phones}


class PbxImporter:
    def __init__(self, ami: AmiPort, live: Services, store: StorePort, clock: Clock, *, poll: float = POLL) -> None:
        self.ami, self.live, self.store, self.clock, self.poll = ami, live, store, clock, poll
        self.imported = 0
        self._bad: set[str] = set()
        self._wake = asyncio.Event()
        ami.on_login(self._after_login)

    async def _after_login(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()
            self._wake.clear()
            if not self.ami.connected:
                continue
            try:
                await self.once()
            except (LinkError, StoreError) as exc:
                log.warning("PBX traces not imported this time: %s", exc)

    async def once(self) -> int:
        """Import every complete trace; how many calls came in."""
        calls, stray = pbx_trace.traces(await self.ami.db_tree(TRACE_FAMILY))
        for key in stray:
            if key not in self._bad:
                self._bad.add(key)
                log.warning("AstDB %s is not a call trace: left alone", key)
        count = 0
        for uniqueid, keys in sorted(calls.items(), key=lambda item: item[1].get("start", "")):
            try:
                trace = pbx_trace.parse(uniqueid, keys)
            except pbx_trace.BadTrace as exc:
                if uniqueid not in self._bad:
                    self._bad.add(uniqueid)
                    log.error("the PBX trace of call %s is unreadable (%s): left in AstDB %s/%s", uniqueid, exc,
                              TRACE_FAMILY, uniqueid)
                continue
            if await self._import(trace):
                count += 1
        return count

    async def _import(self, trace: pbx_trace.PbxTrace) -> bool:
        config, now = self.live.config, self.clock()
        if not trace.complete(now, timedelta(seconds=config.daemon.max_call_duration) + MARGIN):
            return False
        uniqueid = trace.uniqueid
        if await self.store.run(lambda s: s.pbx_imported(uniqueid)):
            await self.ami.db_del(TRACE_FAMILY, uniqueid, tree=True)    # imported before a restart
            return False
        if await self.store.run(lambda s: s.call_in_progress(uniqueid)):
            return False        # begun by a daemon that died: runtime.recovery closes it first, then it is merged
        fallback = config.daemon.fallback
        local = fallback.local(trace.recording) if trace.recording else None
        duration = wav_seconds(local) if local is not None else None
        team = config.team_for_number(trace.number) if trace.number else None
        record = pbx_trace.record(trace, team.id if team else None, people_by_endpoint(config), duration)
        message = None
        if pbx_trace.has_message(trace, duration):
            calls_out = team is not None and team.messages.callout
            media = f"sound:{trace.recording.removesuffix('.wav')}" if trace.recording else None
            message = PbxMessage(trace.caller if NUMBER.match(trace.caller) else "",
                                 trace.recorded_at or trace.started_at, duration, str(local) if local else None,
                                 media, trace.mailbox, now if calls_out else None)
        steps = pbx_trace.steps(trace, now)
        message_id = await self.store.run(lambda s: s.import_pbx_call(record, steps, message, now))
        await self.ami.db_del(TRACE_FAMILY, uniqueid, tree=True)
        self.imported += 1
        log.info("imported call %s on %s from %s, served by the PBX (tier %s): %s%s", uniqueid,
                 trace.number or "-", trace.caller or "anonymous", trace.tier, record.outcome,
                 f", message #{message_id}" if message_id is not None else "")
        return True
