"""An inbound call's state, and what the runtime reads of it (``flow.CallFlow`` changes it). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from astreinte.domain.callers import Customer
from astreinte.domain.calls.admission import PinAsking
from astreinte.domain.calls.announcement import Announcing
from astreinte.domain.calls.callees import Callees, Presence
from astreinte.domain.calls.lease import Lease
from astreinte.domain.calls.line import Line
from astreinte.domain.calls.media import Hearing, Media
from astreinte.domain.calls.message import MessageTaking
from astreinte.domain.calls.reception import Reception
from astreinte.domain.calls.record import CallRecord
from astreinte.domain.calls.steps import Steps
from astreinte.domain.hunt import Hunt
from astreinte.domain.rota import Team
from astreinte.domain.schedule import TeamStatus

Phase = Literal["reception", "admission", "greeting", "announcement", "hunting", "message", "closing", "ended"]


class FlowState:
    def __init__(self, call_id: str, line: Line, now: datetime, *, answered: bool,
                 unreachable: frozenset[str] = frozenset(), busy_people: frozenset[str] = frozenset()) -> None:
        self.id, self.line, self.started = call_id, line, now
        self.record = CallRecord(call_id, now, did=line.number, caller=line.caller_label)
        self.phase: Phase = "reception"
        self.team: Team | None = None
        self.callees: Callees | None = None
        self.media = Media(call_id)
        self.caller_gone = False                    # hung up, hung up by us, or handed to the dialplan
        self.handed_off = False
        self._steps = Steps()
        self._answered = answered
        self._greeted = False                       # what follows the answer was asked for
        self._presence = Presence(unreachable, busy_people)
        self._until: datetime | None = None         # the current phase's timer
        self._reception = Reception(line, self.media, self._steps)
        self._message: MessageTaking | None = None
        self._announcing: Announcing | None = None  # the team's announcement, before anyone is rung
        self._asking: PinAsking | None = None       # a customer PIN asked before anyone is rung
        self._admitted = False                      # the team's ``callers:`` policy was applied
        self.customer: Customer | None = None       # the known caller (``domain/callers.py``)
        self._confirmation: str | None = None       # the rendered prompt naming the caller
        self._status: TeamStatus | None = None      # who is on call, when the greeting starts
        self.lease = Lease(call_id, now, line.max_call_duration, line.prompts)    # ``now``: the arrival

    # ── what the runtime reads ──────────────────────────────────────────────

    @property
    def finished(self) -> bool:
        return self.phase == "ended"

    @property
    def hunt(self) -> Hunt | None:
        return self.callees.hunt if self.callees is not None else None

    @property
    def bridge(self) -> str | None:
        return self.callees.bridge if self.callees is not None else None

    @property
    def steps(self) -> list[tuple[datetime, str, str]]:
        return list(self._steps.items)

    @property
    def deadline(self) -> datetime | None:
        """When to send ``TimerExpired()`` next; None: wait for events only."""
        hunt = self.hunt.deadline if self.hunt is not None and self.phase == "hunting" else None
        own = self._reception.until if self.phase == "reception" else self._until
        return min((at for at in (own, hunt, self.lease.deadline) if at is not None), default=None)

    @property
    def hearing(self) -> Hearing:
        """What the caller hears once the commands last returned are carried out."""
        return self.media.heard(handed_off=self.handed_off, gone=self.caller_gone, answered=self._answered,
                                bridged=self.bridge is not None, waiting_digit=self._reception.waiting_digit
                                or (self._announcing is not None and self._announcing.waiting)
                                or (self._asking is not None and self.phase == "admission" and self._asking.waiting),
                                recording=self._message is not None and self._message.phase == "recording")

