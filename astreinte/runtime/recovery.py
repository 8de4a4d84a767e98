"""What a stopped daemon left of its call log, put right by the next one.

- the journal (``store/journal.py``): call-log writes SQLite refused (a full disk) are replayed as
  soon as it can write, then every ``every`` seconds while it cannot;
- calls left ``in_progress`` (``kill -9``, a crash, a power cut) are closed with the outcome what is
  left of them says (``record.after_restart``); a message the caller was recording (the lease lets a
  recording finish without the daemon) is filed like any other, once its file stops growing.
"""

from __future__ import annotations

import asyncio
import logging
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astreinte.adapters.clock import Clock
from astreinte.domain.calls.commands import FileMessage
from astreinte.domain.calls.line import file_id
from astreinte.domain.calls.record import after_restart
from astreinte.domain.errors import StoreError

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.runtime.driver import FileMessage as FileDesk
    from astreinte.runtime.ports import StorePort

log = logging.getLogger("astreinte.recovery")


def seconds_of(path: Path) -> float | None:
    try:
        with wave.open(str(path), "rb") as audio:
            return round(audio.getnframes() / float(audio.getframerate() or 8000), 1)
    except (OSError, EOFError, wave.Error):
        return None


class Recovery:
    def __init__(self, store: StorePort, config: Config, file_message: FileDesk, clock: Clock, *,
                 every: float = 5.0, settle: float = 2.0) -> None:
        self.store, self.config, self.file_message, self.clock = store, config, file_message, clock
        self.every, self.settle = every, settle
        self.closed: list[str] = []

    async def run(self) -> None:
        """At start: replay the journal, close the dangling calls; then keep replaying what comes."""
        await self.replay()
        try:
            rows = await self.store.run(lambda s: s.dangling_calls())
        except StoreError as exc:
            log.error("could not read the calls left in progress: %s", exc)
            rows = []
        closing = [asyncio.create_task(self._close(row)) for row in rows]
        try:
            while True:
                await asyncio.sleep(self.every)
                await self.replay()
        finally:
            for task in closing:
                task.cancel()

    async def replay(self) -> None:
        try:
            replayed = await self.store.run(lambda s: s.replay_journal())
        except StoreError as exc:
            log.debug("journal not replayed yet: %s", exc)
            return
        if replayed:
            log.warning("call log: %d write(s) kept in the journal while the database refused them are now in it",
                        replayed)

    async def _close(self, row: dict[str, Any]) -> None:
        call_id = str(row["id"])
        recording = self.config.asterisk.recordings / f"astreinte-{file_id(call_id)}.wav"
        recorded = await self._settled(recording)
        outcome, reason, tier = after_restart(row.get("connected_at") is not None, recorded)
        now = self.clock()
        earlier = await self._message_of(call_id) if recorded else None
        if earlier is not None:         # the PBX tiers took the caller's message first (runtime.pbx_import)
            step = (f"closed after a daemon restart: {outcome} (its first seconds, recorded before the PBX "
                    f"took the caller: {recording}; the message is #{earlier})")
        elif recorded:
            seconds = seconds_of(recording)
            ended = datetime.fromtimestamp(recording.stat().st_mtime, UTC)
            await self.file_message(self.config, FileMessage(
                call_id, str(row.get("team") or ""), str(row.get("caller") or ""), str(row.get("did") or ""),
                ended - timedelta(seconds=seconds or 0), seconds, recording.stem, ()))
        if earlier is None:
            step = (f"closed after a daemon restart: {outcome}" + (
                f" (message {recording})" if recorded else " (the PBX tiers or the next daemon had the caller)"))
        try:
            await self.store.run(lambda s: s.close_call(call_id, outcome, reason, tier, now, step))
        except StoreError as exc:
            log.error("call %s: could not close it in the call log: %s", call_id, exc)
            return
        self.closed.append(call_id)
        log.warning("call %s was left in progress by a stopped daemon: %s", call_id, step)

    async def _message_of(self, call_id: str) -> int | None:
        try:
            return await self.store.run(lambda s: s.call_message(call_id))
        except StoreError:
            return None

    async def _settled(self, path: Path) -> bool:
        """The recording exists, holds sound, and has stopped growing (the caller may still speak)."""
        longest = max((team.voicemail.max_seconds for team in self.config.teams.values()), default=120.0)
        limit = self.clock() + timedelta(seconds=longest + 30)
        last = -1
        while True:
            try:
                size = path.stat().st_size
            except OSError:
                return False
            if size == last or self.clock() > limit:
                return size > 44
            last = size
            await asyncio.sleep(self.settle)
