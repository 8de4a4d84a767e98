"""A message left when nobody took the call: stored (to be called out, per the team's ``messages:``
policy), and announced at once by e-mail and webhook.

The flow decides when a message is filed (``FileMessage``); this is where it is written down and
told: to ``notifications`` (webhook, ``email.to``) and to the people the hunt rang
(``people.<id>.email``), with the recording attached when it is small enough. What happens to it
next (callouts, acknowledgement) is ``runtime.callouts``; the notices of its later states are
``runtime.message_notices``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from astreinte.adapters.clock import Clock
from astreinte.domain.errors import StoreError
from astreinte.runtime.message_notices import tell

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.calls.commands import FileMessage
    from astreinte.runtime.ports import StorePort

log = logging.getLogger("astreinte.call")


class MessageDesk:
    def __init__(self, store: StorePort | None, clock: Clock) -> None:
        self.store, self.clock = store, clock

    async def file(self, config: Config, message: FileMessage) -> dict[str, bool]:
        """Store the message (its first callout now when the team calls messages out), then announce it;
        channel -> accepted."""
        path = config.asterisk.recordings / f"{message.name}.wav"
        now = self.clock()
        team = config.teams.get(message.team)
        callout_at = now if team is not None and team.messages.callout else None
        row = {"id": None, "call_id": message.call_id, "team": message.team, "caller": message.caller,
               "number": message.number, "recorded_at": message.recorded_at.isoformat(),
               "duration": message.duration, "path": str(path), "state": "new", "source": "stasis"}
        if self.store is not None:
            try:
                row["id"] = await self.store.run(lambda st: st.add_message(
                    message.call_id, message.team, message.caller, message.recorded_at, message.duration,
                    str(path), {}, now=now, number=message.number, media=f"recording:{message.name}",
                    callout_at=callout_at))
            except StoreError as exc:
                log.error("call %s: could not store the message %s: %s", message.call_id, path, exc)
        notified = await tell(config, row, "new", list(message.tried))
        if self.store is not None and row["id"] is not None:
            message_id = int(row["id"])
            try:
                await self.store.run(lambda st: st.message_notified(message_id, notified))
            except StoreError as exc:
                log.warning("call %s: could not note the message's notices: %s", message.call_id, exc)
        return notified
