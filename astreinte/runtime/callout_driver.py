"""One callout round's driver: it pumps the pure ``CalloutFlow`` (``runtime.pump``) and carries out what
only a callout asks for: "heard" and "acknowledged" into the store, the round into the call log.

    feed(ARI events of its legs, presence) ──▶ flow ──▶ Originate/Play/Hangup/Bridge (the pump)
                                                   ──▶ MarkHeard, Acknowledge, SaveCall (here) ──▶ completions
    acknowledged(by, how) from the scheduler ──▶ MessageAcknowledged: every leg still ringing is cancelled
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from astreinte.adapters.clock import Clock
from astreinte.domain.calls import commands as c
from astreinte.domain.calls.callout import CalloutFlow
from astreinte.domain.calls.callout_line import (
    Acknowledge,
    AcknowledgeDone,
    MarkHeard,
    MessageAcknowledged,
    StoreFailed,
)
from astreinte.domain.errors import StoreError
from astreinte.runtime.pump import Engaged, Pump, Register

if TYPE_CHECKING:
    from astreinte.runtime.ports import CallAri, StorePort

log = logging.getLogger("astreinte.callout")


class CalloutDriver(Pump[CalloutFlow]):
    failed = "callout %s: failed (%s); its legs are hung up"

    def __init__(self, flow: CalloutFlow, *, ari: CallAri, clock: Clock, store: StorePort, register: Register,
                 engaged: Engaged) -> None:
        super().__init__(flow, ari=ari, clock=clock, register=register, engaged=engaged)
        self.store = store

    def acknowledged(self, by: str, how: str) -> None:
        """Someone acknowledged the message elsewhere (CLI, web console, another phone)."""
        self.queue.put_nowait(MessageAcknowledged(by, how))

    async def _do(self, command: Any) -> None:
        store, now = self.store, self.clock()
        match command:
            case MarkHeard(message_id=message, person=person, phone=phone):
                try:
                    await store.run(lambda s: s.message_heard(message, person, phone, now))
                except StoreError as exc:
                    self.queue.put_nowait(StoreFailed(command, str(exc)))
            case Acknowledge(message_id=message, person=person, phone=phone, detail=detail):
                try:
                    done = await store.run(lambda s: s.acknowledge(message, person, "phone", now, phone=phone,
                                                                   detail=detail))
                except StoreError as exc:
                    self.queue.put_nowait(StoreFailed(command, str(exc)))
                    return
                found = done.message
                self.queue.put_nowait(AcknowledgeDone(str(found["acknowledged_by"]), str(found["acknowledged_how"]),
                                                      done.first))
            case c.SaveCall(record=record, steps=steps):
                try:
                    await store.log_row(lambda s: s.finish_call(record, list(steps)))
                except Exception:
                    log.exception("callout %s: could not write the call log", self.id)
            case _:
                await super()._do(command)

    def channels(self) -> Sequence[str]:
        return self.flow.legs
