"""Scripting a pure ``CallFlow`` as the runtime would drive it, with an instant the test moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import TypeVar
from zoneinfo import ZoneInfo

from astreinte.config import Config, load
from astreinte.dialplan import endpoint
from astreinte.domain import hunt_events as h
from astreinte.domain.calling import Menu
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.flow import CallFlow
from astreinte.domain.calls.line import Line, PromptBook, Timings

C = TypeVar("C", bound=c.Command)

DATA = Path(__file__).parent.parent / "data"
PARIS = ZoneInfo("Europe/Paris")
SATURDAY_NOON = datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)     # support in service: alice, then dave
TUESDAY_NOON = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)     # support outside service: PJSIP/reception
CALL = "1795000000.1"
MENU = Menu("1500", "sound:menu", {"1": "support"}, default=None, timeout=6.0)

PROMPTS = PromptBook(greetings={"support": "sound:greeting"}, confirmations={"support": "sound:confirm"},
                     voicemails={"support": "sound:leave-a-message"}, menus={"1500": "sound:menu"},
                     please_hold="sound:hold", nobody="sound:nobody", unknown_number="sound:unknown",
                     blocked="sound:blocked", connecting="sound:connecting")


def example() -> Config:
    return load(DATA / "config.example.yaml", environ={})


def line(config: Config | None = None, number: str = "1000", caller: str = "0611223344", *,
         blocked: bool = False, menu: Menu | None = None, timings: Timings | None = None) -> Line:
    config = config or example()
    return Line(number=number, caller=caller, blocked=blocked, team=config.team_for_number(number),
                menu=menu if menu is not None and menu.number == number else None, teams=config.teams,
                schedule=config.schedule(), prompts=PROMPTS, endpoint=lambda phone: endpoint(config, phone),
                recordings=PurePath("/var/spool/asterisk/recording"), line_number=number,
                timings=timings or Timings())


class CallScript:
    """Feeds a flow its events at instants the test chooses and keeps every command it returned."""

    def __init__(self, call_line: Line, at: datetime = SATURDAY_NOON, *, answered: bool = False) -> None:
        self.now = at
        self.flow = CallFlow(CALL, call_line, at, answered=answered)
        self.sent: list[c.Command] = []
        self.last = self._keep(self.flow.start(at))
        self.heard = [self.flow.hearing]

    def _keep(self, commands: list[c.Command]) -> list[c.Command]:
        self.sent += commands
        self.last = commands
        return commands

    def send(self, event: e.Event, after: float = 0.0) -> list[c.Command]:
        self.now += timedelta(seconds=after)
        out = self._keep(self.flow.handle(event, self.now))
        self.heard.append(self.flow.hearing)
        return out

    def wait(self, seconds: float) -> list[c.Command]:
        """Let ``seconds`` pass, firing the flow's timers as the runtime would; what they asked for but the
        lease renewals (kept in ``sent``: ``of(c.Lease)``)."""
        end, out = self.now + timedelta(seconds=seconds), []
        while (due := self.flow.deadline) is not None and due <= end and not self.flow.finished:
            self.now = max(self.now, due)
            out += self.flow.handle(h.TimerExpired(), self.now)
            self.heard.append(self.flow.hearing)
        self.now = end
        return [command for command in self._keep(out) if not isinstance(command, c.Lease)]

    # what was asked
    def of(self, kind: type[C], commands: list[c.Command] | None = None) -> list[C]:
        return [command for command in (self.sent if commands is None else commands) if isinstance(command, kind)]

    def playback(self, media: str) -> str:
        """The id of the last playback of ``media``."""
        return next(p.playback for p in reversed(self.of(c.Play)) if p.media == media)

    def legs(self) -> list[str]:
        return [o.leg for o in self.of(c.Originate)]

    def saved(self) -> c.SaveCall:
        calls = [s for s in self.sent if isinstance(s, c.SaveCall)]
        assert len(calls) == 1, f"the call was saved {len(calls)} times"
        return calls[0]

    def hears(self) -> str:
        return self.flow.hearing

    def traces(self) -> list[str]:
        return [t.text for t in self.of(c.Trace)]

    # the usual replies
    def answered(self) -> list[c.Command]:
        return self.send(e.AnswerDone(), after=0.01)

    def started(self, media: str, after: float = 0.01) -> list[c.Command]:
        return self.send(e.PlaybackStarted(self.playback(media)), after=after)

    def finished(self, media: str, after: float = 0.0, failed: bool = False) -> list[c.Command]:
        return self.send(e.PlaybackFinished(self.playback(media), failed=failed), after=after)

    def greeted(self) -> list[c.Command]:
        """Answer the caller and start the greeting: the first phones ring."""
        self.answered()
        return self.started("sound:greeting")

    def caller_hangs_up(self, after: float = 0.0) -> list[c.Command]:
        return self.send(e.ChannelLeft(CALL), after=after)


def kinds(commands: list[c.Command], keep: Callable[[c.Command], bool] = lambda _: True) -> list[str]:
    """The commands' names, but the log lines and the lease renewals."""
    return [type(command).__name__ for command in commands
            if not isinstance(command, (c.Trace, c.Lease)) and keep(command)]
