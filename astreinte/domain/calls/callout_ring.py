"""The phones a callout round rings: a ``Hunt`` of one level, or of the next one when nobody there can
be rung (every phone offline, the person talking on another call). Pure.

It turns the legs' call events into hunt events and the hunt's commands into ``Originate``/``Hangup``,
and hands back to the callout what concerns it: someone answered (``h.Connect``), or the level is
over (``h.Finished``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from astreinte.domain import hunt_events as h
from astreinte.domain.calling import CallerIdPolicy
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.callees import Presence
from astreinte.domain.calls.callout_line import CalloutLine
from astreinte.domain.calls.callout_text import CALLER_ID_NAME
from astreinte.domain.hunt import Hunt
from astreinte.wire.ari_events import FAILURE_CAUSES

Trace = Callable[[str, datetime, list[Any]], None]
Outcome = h.Connect | h.Finished


class Ringing:
    def __init__(self, line: CalloutLine, trace: Trace, presence: Presence) -> None:
        self.line, self.trace, self.presence = line, trace, presence
        self.hunt: Hunt | None = None
        self.legs: dict[str, h.Dial] = {}
        self.answered: set[str] = set()
        self.done: set[str] = set()                 # legs gone, or hung up by us
        self._step = -1
        self._given_up: list[h.Attempt] = []         # attempts of the levels nobody could be rung at

    @property
    def attempts(self) -> list[h.Attempt]:
        return self._given_up + (self.hunt.attempts if self.hunt is not None else [])

    @property
    def deadline(self) -> datetime | None:
        return self.hunt.deadline if self.hunt is not None else None

    def knows(self, channel: str) -> bool:
        return channel in self.legs

    def start(self, now: datetime, out: list[Any]) -> list[Outcome]:
        """Ring the first level that has a phone to ring; [] with nothing rung when none has."""
        steps = self.line.steps
        while self._step + 1 < len(steps):
            self._step += 1
            if self.hunt is not None:
                self._given_up += self.hunt.attempts
            presence = self.presence
            self.hunt = Hunt(f"{self.line.callout_id}-s{self._step + 1}", steps[self._step], self.line.policy,
                             unreachable=frozenset(presence.unreachable), busy_people=frozenset(presence.busy),
                             greeting_playing=False)
            commands = self.hunt.start(now)
            if any(isinstance(command, h.Dial) for command in commands):
                return self._apply(commands, now, out)
            self.trace(f"level {steps[self._step][0].level}: nobody can be rung (phones offline or busy)", now, out)
        return []

    def handle(self, event: h.Event, now: datetime, out: list[Any]) -> list[Outcome]:
        if isinstance(event, (h.PhoneRegistered, h.PhoneUnregistered, h.PersonEngaged, h.PersonReleased)):
            self.presence.update(event)
        return [] if self.hunt is None else self._apply(self.hunt.handle(event, now), now, out)

    def leg_event(self, event: e.Event, now: datetime, out: list[Any]) -> list[Outcome]:
        match event:
            case e.ChannelAnswered(channel=leg):
                self.answered.add(leg)
                return self.handle(h.LegAnswered(leg), now, out)
            case e.ChannelRinging(channel=leg):
                return self.handle(h.LegRinging(leg), now, out)
            case e.ChannelGone(channel=leg, cause=cause, cause_txt=text) if leg not in self.done:
                self.done.add(leg)
                dial = self.legs[leg]
                if leg in self.answered:
                    self.trace(f"{dial.target.person} hung up", now, out)
                    return self.handle(h.LegHungUp(leg), now, out)
                fail = FAILURE_CAUSES.get(cause, "no_answer")
                self.trace(f"{dial.target.person} on {dial.phone}: {fail} (cause {cause} {text})", now, out)
                return self.handle(h.LegFailed(leg, fail), now, out)
        return []

    def originate_failed(self, leg: str, error: str, now: datetime, out: list[Any]) -> list[Outcome]:
        if leg not in self.legs or leg in self.done:
            return []
        self.done.add(leg)
        self.trace(f"could not ring {self.legs[leg].phone}: {error}", now, out)
        return self.handle(h.LegFailed(leg, "unreachable"), now, out)

    def hang_up(self, out: list[Any], legs: Sequence[str] | None = None) -> None:
        """Hang up the legs still up (every one by default)."""
        for leg in self.legs if legs is None else legs:
            if leg not in self.done:
                self.done.add(leg)
                out.append(c.Hangup(leg))

    def _apply(self, commands: list[h.Command], now: datetime, out: list[Any]) -> list[Outcome]:
        line, found = self.line, []
        for command in commands:
            match command:
                case h.Dial(leg=leg, target=target, phone=phone):
                    self.legs[leg] = command
                    name = CALLER_ID_NAME % {"team": line.team.id}
                    caller_id = CallerIdPolicy("line", name).present(line.team.id, "", line.message.number)
                    timeout = int(line.policy.ring_timeout + line.timings.ring_margin)
                    out.append(c.Originate(leg, line.endpoint(phone), caller_id, timeout))
                    self.trace(f"ringing {target.person} (level {target.level}) on {phone}", now, out)
                case h.Cancel(leg=leg) if leg not in self.done:
                    if leg not in self.answered:
                        self.trace(f"stop ringing {self.legs[leg].target.person} on {self.legs[leg].phone}", now, out)
                    self.hang_up(out, [leg])
                case h.Connect() | h.Finished():
                    found.append(command)
        return found
