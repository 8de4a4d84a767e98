"""Scripting a pure ``CalloutFlow`` as the runtime would drive it, with an instant the test moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from astreinte.config import Config
from astreinte.dialplan import endpoint
from astreinte.domain import hunt_events as h
from astreinte.domain.calling import MessagePolicy
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.callout import CalloutCommand, CalloutEvent, CalloutFlow
from astreinte.domain.calls.callout_line import CalloutLine, CalloutPrompts, CalloutTimings, Message
from astreinte.domain.calls.callout_plan import round_steps
from tests.helpers.calls import SATURDAY_NOON, example

PROMPTS = CalloutPrompts(intro="sound:intro", menu="sound:menu", acknowledged="sound:acked",
                         acknowledged_elsewhere="sound:acked-elsewhere", calling_back="sound:calling-back",
                         callback_failed="sound:callback-failed", no_number="sound:no-number",
                         not_acknowledged="sound:not-acked")
RECORDED = SATURDAY_NOON - timedelta(minutes=2)
MESSAGE = Message(7, "support", "0611223344", "1000", RECORDED, 42.0, "recording:astreinte-1795000000-1")
CALLOUT = "callout-7-1"


def callout_line(config: Config | None = None, *, message: Message = MESSAGE, round_: int = 1,
                 at: datetime = SATURDAY_NOON, policy: MessagePolicy | None = None,
                 timings: CalloutTimings | None = None) -> CalloutLine:
    config = config or example()
    team = config.teams["support"]
    policy = policy or MessagePolicy(callout=True, every=300, rounds=3, escalate=True)
    steps = round_steps(config.schedule().who("support", at), policy, round_, config.people)
    callback = endpoint(config, message.caller) if message.caller else None
    return CalloutLine(CALLOUT, message, replace(team, messages=policy), round_, steps, PROMPTS,
                       lambda phone: endpoint(config, phone), callback, timings=timings or CalloutTimings())


class CalloutScript:
    def __init__(self, line: CalloutLine, at: datetime = SATURDAY_NOON, *,
                 unreachable: frozenset[str] = frozenset()) -> None:
        self.now = at
        self.flow = CalloutFlow(line, at, unreachable=unreachable)
        self.sent: list[CalloutCommand] = []
        self.last = self._keep(self.flow.start(at))

    def _keep(self, commands: list[CalloutCommand]) -> list[CalloutCommand]:
        self.sent += commands
        self.last = commands
        return commands

    def send(self, event: CalloutEvent, after: float = 0.0) -> list[CalloutCommand]:
        self.now += timedelta(seconds=after)
        return self._keep(self.flow.handle(event, self.now))

    def wait(self, seconds: float) -> list[CalloutCommand]:
        end, out = self.now + timedelta(seconds=seconds), []
        while (due := self.flow.deadline) is not None and due <= end and not self.flow.finished:
            self.now = max(self.now, due)
            out += self.flow.handle(h.TimerExpired(), self.now)
        self.now = end
        return self._keep(out)

    def of(self, kind: type, commands: list[CalloutCommand] | None = None) -> list[CalloutCommand]:
        return [command for command in (self.sent if commands is None else commands) if isinstance(command, kind)]

    def originated(self) -> list[c.Originate]:
        return [o for o in self.sent if isinstance(o, c.Originate)]

    def playback(self, media: str) -> str:
        return next(p.playback for p in reversed(self.sent) if isinstance(p, c.Play) and p.media == media)

    def played(self, commands: list[CalloutCommand] | None = None) -> list[str]:
        return [p.media for p in self.of(c.Play, commands) if isinstance(p, c.Play)]

    def traces(self) -> list[str]:
        return [t.text for t in self.sent if isinstance(t, c.Trace)]

    def saved(self) -> c.SaveCall:
        calls = [s for s in self.sent if isinstance(s, c.SaveCall)]
        assert len(calls) == 1, f"the callout was saved {len(calls)} times"
        return calls[0]

    # the usual replies
    def answers(self, leg: str, after: float = 1.0) -> list[CalloutCommand]:
        return self.send(e.ChannelAnswered(leg), after=after)

    def finished(self, media: str, after: float = 0.0, failed: bool = False) -> list[CalloutCommand]:
        return self.send(e.PlaybackFinished(self.playback(media), failed=failed), after=after)

    def presses(self, leg: str, digit: str, after: float = 0.5) -> list[CalloutCommand]:
        return self.send(e.DigitPressed(leg, digit), after=after)


def names(commands: list[CalloutCommand]) -> list[str]:
    return [type(command).__name__ for command in commands if not isinstance(command, c.Trace)]
