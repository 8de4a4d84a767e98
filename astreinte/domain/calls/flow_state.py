"""An inbound call's state, and what the runtime reads of it (``flow.CallFlow`` changes it). Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain.callers import Customer
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
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
        self._held: list[c.Command] = []            # decided while the answer travels, sent once it is done
        self._answer_over = False                   # AnswerDone, or the answer refused
        self._paused: timedelta | None = None       # the phase's timer, held with them
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

    # ── after each event ────────────────────────────────────────────────────

    def _settle(self, event: e.Event, callees: Callees | None, now: datetime, out: list[c.Command]) -> None:
        """The lease (renewed, moved past the prompts, extended once bridged), then the answer's hold."""
        if not self.finished and self.lease.follow(event, callees, now, out) and callees is not None:
            out.append(c.SaveArrival(replace(self.record.copy(), connected_at=callees.connected_at,
                                             answered_by=callees.engaged)))      # bridged: if we crash, log it
        self._answer_travels(event, now, out)

    # ── while the caller's answer travels ───────────────────────────────────

    def _answer_travels(self, event: e.Event, now: datetime, out: list[c.Command]) -> None:
        """On ``AnswerSent`` the flow decided what follows the answer: its leases (and step lines, the
        arrival's row) go now, beside the answer; what reaches the caller is held until ``AnswerDone``
        (Asterisk must not play before it answers), or a refusal of the answer that is not the caller
        gone (the call goes on, as after any refused answer). A caller gone meanwhile gets none of it.
        When the runtime queues them behind the answer (``AnswerSent.ordered``), nothing is held.
        The phase's timer waits too: it runs from the answer's end (the greeting's half second before
        the first phones ring, on a PBX slow to answer, must not run out before the greeting is asked)."""
        refused = isinstance(event, e.RequestFailed) and isinstance(event.command, c.Answer)
        if isinstance(event, e.AnswerDone) or refused:
            self._answer_over = True
            held, self._held = self._held, []
            if self._paused is not None and self._until is None:
                self._until = now + self._paused
            self._paused = None
            if not self.caller_gone:
                out += held
        elif isinstance(event, e.AnswerSent) and not self._answer_over:
            now_: list[c.Command] = []
            reaching: list[c.Command] = []
            for command in out:
                keep = isinstance(command, (c.Lease, c.Trace, c.SaveArrival))
                (now_ if keep else reaching).append(command)
            if not event.ordered:           # else they go now, and Asterisk carries them out after the answer
                out[:], self._held = now_, reaching
            if reaching and self._until is not None:
                self._paused, self._until = self._until - now, None

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

