"""The hunt: a pure state machine that walks the escalation chain (events in, commands out).

    hunt = Hunt(call_id, targets, policy, unreachable=..., busy_people=...)
    send(hunt.start(now))                        # Dials, while the greeting plays
    loop: event = next event, or TimerExpired() once hunt.deadline has passed
          send(hunt.handle(event, now))          # until a Finished command comes out

A *step* is what rings together: one level (every phone of every person on that
level) for ``linear``, the whole chain for ``ringall``; the steps are walked
``rounds`` times.  A step ends when none of its legs is still ringing or
confirming: at once when every phone failed or was skipped, otherwise at its
ring timeout, extended for a callee who is confirming.

    hunting ──accept, greeting still playing──▶ accepted ──GreetingFinished (or greeting_min)──▶ connected
       │  ╰──────────accept, greeting over────────────────────────────────────────▲  │
       │  ◀──accepted callee hangs up (next step)── accepted                          │
       ├──chain exhausted, greeting still playing──▶ exhausted ──GreetingFinished──┐  │
       ├──chain exhausted, greeting over──▶ StartVoicemail | HangupCaller ◀────────┘  │
       │                                         Finished(voicemail | failed)         │
       └──CallerHungUp (from any phase but connected)──▶ Finished(abandoned)          │
                          either side hangs up ──▶ Finished(answered) ◀───────────────┘

Accepting: ``confirm: true``, every callee presses 1; ``"external"``, only legs a voicemail may answer
(``HuntPolicy.must_confirm``). Accepted while the greeting plays: "connecting" (``PlayConnecting``) until
it ends, or until it played ``greeting_min`` seconds, when it gives way.

Timers: the hunt never reads a clock.  ``deadline`` is the next instant it needs
to be woken; the adapter sends ``TimerExpired()`` at (or after) it.  Only
``TimerExpired`` fires timers: an answer or digit handled before it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain import hunt_events as ev
from astreinte.domain.hunt_events import Target
from astreinte.domain.hunt_policy import HuntPolicy, Strategy

__all__ = ["Hunt", "HuntPolicy", "Target"]

Phase = Literal["new", "hunting", "accepted", "exhausted", "connected", "finished"]
LegState = Literal["dialing", "ringing", "confirming", "accepted", "connected", "ended"]

_UNANSWERED: frozenset[LegState] = frozenset({"dialing", "ringing"})
_IN_STEP: frozenset[LegState] = _UNANSWERED | {"confirming"}
_FAILURE_RESULT: dict[ev.FailCause, ev.AttemptResult] = {
    "busy": "busy", "unreachable": "unreachable", "congestion": "unreachable",
    "no_answer": "no_answer", "rejected": "declined",
}


@dataclass
class _Leg:
    id: str
    target: Target
    phone: str
    attempt: int                         # index in Hunt._attempts
    state: LegState = "dialing"
    prompt_playing: bool = False
    confirm_by: datetime | None = None


_LegFilter = Callable[[_Leg], bool]


def _steps(targets: Sequence[Target], strategy: Strategy) -> list[list[Target]]:
    if not targets:
        return []
    if strategy == "ringall":
        return [list(targets)]
    levels = sorted({t.level for t in targets})
    return [[t for t in targets if t.level == level] for level in levels]


class Hunt:
    """One call's hunt. Feed it events with the instant they happened; send the commands it returns."""

    def __init__(
        self,
        call_id: str,
        targets: Sequence[Target],
        policy: HuntPolicy,
        *,
        unreachable: frozenset[str] = frozenset(),
        busy_people: frozenset[str] = frozenset(),
        greeting_playing: bool = True,
    ) -> None:
        self.call_id = call_id
        self.policy = policy
        self.started_at: datetime | None = None
        self.connected_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.outcome: ev.Outcome | None = None
        self.answered_by: str | None = None
        self._steps = _steps(targets, policy.strategy)
        self._total_steps = len(self._steps) * max(1, policy.rounds)
        self._position = -1                   # index over rounds × steps
        self._unreachable = set(unreachable)
        self._busy = set(busy_people)
        self._greeting_playing = greeting_playing
        self._phase: Phase = "new"
        self._legs: dict[str, _Leg] = {}
        self._attempts: list[ev.Attempt] = []
        self._ring_until: datetime | None = None
        self._hold_message_at: datetime | None = None
        self._chosen: _Leg | None = None      # the accepted, then connected, leg
        self._interrupt_at: datetime | None = None   # when an accepted callee may interrupt the greeting

    # ── what the adapter and the call log read ──────────────────────────────

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def attempts(self) -> list[ev.Attempt]:
        """Every phone tried or skipped, in order; final once ``Finished`` was returned."""
        return list(self._attempts)

    @property
    def finished(self) -> bool:
        return self._phase == "finished"

    @property
    def deadline(self) -> datetime | None:
        """When to send ``TimerExpired()`` next; None: no timer (wait for events only)."""
        if self._phase == "accepted":
            return self._interrupt_at
        if self._phase != "hunting":
            return None
        due = [self._ring_until, self._hold_message_at]
        due += [leg.confirm_by for leg in self._legs.values() if leg.state == "confirming"]
        return min((at for at in due if at is not None), default=None)

    # ── entry points ─────────────────────────────────────────────────────────

    def start(self, now: datetime) -> list[ev.Command]:
        """Ring the first step. Call once, right after starting the greeting (if any)."""
        if self._phase != "new":
            raise RuntimeError(f"hunt {self.call_id} already started")
        self.started_at = now
        self._phase = "hunting"
        out: list[ev.Command] = []
        self._next_step(now, out)
        if self._phase == "hunting" and not self._greeting_playing:
            self._start_hold(now, out)
        return out

    def abandon(self, now: datetime) -> list[ev.Command]:
        """The caller left before the first ring: the hunt ends, nobody is rung."""
        if self._phase != "new":
            raise RuntimeError(f"hunt {self.call_id} already started")
        self.started_at = now
        out: list[ev.Command] = []
        self._finish("abandoned", now, out)
        return out

    def handle(self, event: ev.Event, now: datetime) -> list[ev.Command]:
        """Apply ``event`` (which happened at ``now``); return the commands to send, in order."""
        if self._phase == "new":
            raise RuntimeError(f"hunt {self.call_id} not started")
        out: list[ev.Command] = []
        if self._phase == "finished":
            return out
        match event:
            case ev.LegRinging(leg=leg_id):
                leg = self._live(leg_id, {"dialing"})
                if leg is not None:
                    leg.state = "ringing"
            case ev.LegAnswered(leg=leg_id):
                leg = self._live(leg_id, _UNANSWERED)
                if leg is not None:
                    self._answered(leg, now, out)
            case ev.DigitReceived(leg=leg_id, digit=digit):
                leg = self._live(leg_id, {"confirming"})
                if leg is not None and digit == "1":
                    self._accept(leg, now, out)
                elif leg is not None and digit == "2":
                    self._cancel(leg, "declined", now, out)
                    self._step_over_if_idle(now, out)
            case ev.PromptFinished(leg=leg_id):
                if (leg := self._legs.get(leg_id)) is not None:
                    leg.prompt_playing = False
            case ev.LegFailed(leg=leg_id, cause=cause):
                self._leg_gone(leg_id, _FAILURE_RESULT.get(cause, "no_answer"), now, out)
            case ev.LegHungUp(leg=leg_id):
                self._leg_gone(leg_id, "no_answer", now, out)
            case ev.GreetingFinished():
                self._greeting_finished(now, out)
            case ev.CallerHungUp():
                self._caller_hung_up(now, out)
            case ev.TimerExpired():
                self._timer_expired(now, out)
            case ev.PhoneRegistered(phone=phone):
                self._unreachable.discard(phone)
            case ev.PhoneUnregistered(phone=phone):
                self._unreachable.add(phone)
                self._drop_ringing(lambda leg: leg.phone == phone, "unreachable", now, out)
            case ev.PersonEngaged(person=person):
                self._busy.add(person)
                self._drop_ringing(lambda leg: leg.target.person == person, "busy", now, out)
            case ev.PersonReleased(person=person):
                self._busy.discard(person)
        return out

    # ── transitions ──────────────────────────────────────────────────────────

    def _answered(self, leg: _Leg, now: datetime, out: list[ev.Command]) -> None:
        if not self.policy.must_confirm(leg.phone):
            self._accept(leg, now, out)
            return
        leg.state = "confirming"
        leg.prompt_playing = True
        leg.confirm_by = now + timedelta(seconds=self.policy.confirm_timeout)
        out.append(ev.PlayConfirmation(leg.id, leg.target))

    def _accept(self, leg: _Leg, now: datetime, out: list[ev.Command]) -> None:
        self._chosen, self._ring_until, self._hold_message_at = leg, None, None
        minimum = self.policy.greeting_min
        due = None if minimum is None or self.started_at is None else self.started_at + timedelta(seconds=minimum)
        if self._greeting_playing and (due is None or now < due):
            self._phase, leg.state, self._interrupt_at = "accepted", "accepted", due
            if leg.prompt_playing:
                out.append(ev.StopPrompt(leg.id))
        else:
            self._greeting_playing = False       # it gives way (or is over): Connect stops it
            self._connect(leg, now, out)
        for other in self._legs.values():
            if other is not leg and other.state in _IN_STEP:
                self._cancel(other, "cancelled", now, out)
        if self._phase == "accepted":
            out.append(ev.PlayConnecting(leg.id))

    def _connect(self, leg: _Leg, now: datetime, out: list[ev.Command]) -> None:
        out.append(ev.Connect(leg.id))
        leg.state = "connected"
        self._phase = "connected"
        self.connected_at = now
        self.answered_by = leg.target.person
        self._end_attempt(leg, "answered", now)

    def _leg_gone(self, leg_id: str, result: ev.AttemptResult, now: datetime, out: list[ev.Command]) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.state == "ended":
            return
        if leg.state == "connected":
            leg.state = "ended"
            out.append(ev.HangupCaller("call_completed"))
            self._finish("answered", now, out)
            return
        was = leg.state
        self._end(leg, result if was in _UNANSWERED else "declined", now)
        if was == "accepted":                 # took the call, hung up before the greeting ended
            self._chosen = self._interrupt_at = None
            self._phase = "hunting"
            self._next_step(now, out)
        else:
            self._step_over_if_idle(now, out)

    def _greeting_finished(self, now: datetime, out: list[ev.Command]) -> None:
        if not self._greeting_playing:
            return
        self._greeting_playing = False
        if self._phase == "accepted" and self._chosen is not None:
            self._connect(self._chosen, now, out)
        elif self._phase == "exhausted":
            self._give_up(now, out)
        elif self._phase == "hunting":
            self._start_hold(now, out)

    def _caller_hung_up(self, now: datetime, out: list[ev.Command]) -> None:
        if self._phase == "connected" and self._chosen is not None:
            out.append(ev.Cancel(self._chosen.id))
            self._chosen.state = "ended"
            self._finish("answered", now, out)
            return
        for leg in self._legs.values():
            if leg.state in _IN_STEP or leg.state == "accepted":
                self._cancel(leg, "cancelled", now, out)
        self._finish("abandoned", now, out)

    def _timer_expired(self, now: datetime, out: list[ev.Command]) -> None:
        if self._phase == "accepted" and self._chosen is not None and self._interrupt_at is not None \
                and self._interrupt_at <= now:
            self._greeting_playing = False       # the greeting played its minimum: it gives way
            self._connect(self._chosen, now, out)
            return
        if self._phase != "hunting":
            return
        for leg in list(self._legs.values()):
            if leg.state == "confirming" and leg.confirm_by is not None and leg.confirm_by <= now:
                self._cancel(leg, "declined", now, out)
        if self._ring_until is not None and self._ring_until <= now:
            self._ring_until = None           # callees still confirming keep the step open
            self._drop_ringing(lambda leg: True, "no_answer", now, out)
        self._step_over_if_idle(now, out)
        if self._phase == "hunting" and self._hold_message_at is not None and self._hold_message_at <= now:
            out.append(ev.PlayHoldMessage())
            self._schedule_hold_message(now)

    def _drop_ringing(
        self, which: _LegFilter, result: ev.AttemptResult, now: datetime, out: list[ev.Command]
    ) -> None:
        if self._phase != "hunting":
            return
        for leg in list(self._legs.values()):
            if leg.state in _UNANSWERED and which(leg):
                self._cancel(leg, result, now, out)
        self._step_over_if_idle(now, out)

    # ── walking the chain ────────────────────────────────────────────────────

    def _step_over_if_idle(self, now: datetime, out: list[ev.Command]) -> None:
        if self._phase == "hunting" and not any(leg.state in _IN_STEP for leg in self._legs.values()):
            self._next_step(now, out)

    def _next_step(self, now: datetime, out: list[ev.Command]) -> None:
        """Ring the next step that has a phone to ring; skipped phones are logged on the way."""
        self._ring_until = None
        while self._position + 1 < self._total_steps:
            self._position += 1
            if self._ring_step(self._steps[self._position % len(self._steps)], now, out):
                self._ring_until = now + timedelta(seconds=self.policy.ring_timeout)
                return
        if self._greeting_playing:
            self._phase = "exhausted"         # let the greeting end before voicemail or goodbye
        else:
            self._give_up(now, out)

    def _ring_step(self, step: list[Target], now: datetime, out: list[ev.Command]) -> bool:
        round_ = self._position // len(self._steps) + 1
        seen: set[str] = set()
        dialed = False
        for target in step:
            for phone in target.phones:
                if phone in seen:
                    continue
                seen.add(phone)
                skipped: ev.AttemptResult | None = (
                    "busy" if target.person in self._busy
                    else "unreachable" if phone in self._unreachable
                    else None
                )
                leg_id = None if skipped else f"{self.call_id}-L{len(self._legs) + 1}"
                self._attempts.append(ev.Attempt(target.level, target.person, phone, skipped, now,
                                              now if skipped else None, round_, leg_id))
                if leg_id is not None:
                    self._legs[leg_id] = _Leg(leg_id, target, phone, len(self._attempts) - 1)
                    out.append(ev.Dial(leg_id, target, phone))
                    dialed = True
        return dialed

    def _give_up(self, now: datetime, out: list[ev.Command]) -> None:
        if self.policy.on_no_answer == "voicemail":
            out.append(ev.StartVoicemail())
            self._finish("voicemail", now, out)
        else:
            out.append(ev.HangupCaller("nobody_available"))
            self._finish("failed", now, out)

    def _finish(self, outcome: ev.Outcome, now: datetime, out: list[ev.Command]) -> None:
        self._phase = "finished"
        self.outcome = outcome
        self.finished_at = now
        self._ring_until = self._hold_message_at = None
        out.append(ev.Finished(outcome, self.answered_by if outcome == "answered" else None))

    # ── small pieces ─────────────────────────────────────────────────────────

    def _start_hold(self, now: datetime, out: list[ev.Command]) -> None:
        out.append(ev.StartHoldMusic())
        self._schedule_hold_message(now)

    def _schedule_hold_message(self, now: datetime) -> None:
        every = self.policy.hold_message_every
        self._hold_message_at = now + timedelta(seconds=every) if every else None

    def _live(self, leg_id: str, states: Collection[LegState]) -> _Leg | None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.state not in states or self._phase != "hunting":
            return None
        return leg

    def _cancel(self, leg: _Leg, result: ev.AttemptResult, now: datetime, out: list[ev.Command]) -> None:
        out.append(ev.Cancel(leg.id))
        self._end(leg, result, now)

    def _end(self, leg: _Leg, result: ev.AttemptResult, now: datetime) -> None:
        leg.state = "ended"
        leg.confirm_by = None
        self._end_attempt(leg, result, now)

    def _end_attempt(self, leg: _Leg, result: ev.AttemptResult, now: datetime) -> None:
        self._attempts[leg.attempt] = replace(self._attempts[leg.attempt], result=result, ended_at=now)
