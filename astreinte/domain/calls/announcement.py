"""A team's announcement (recorded by phone on the service line) before anyone is rung. Pure.

    greeting ──▶ the announcement ──▶ "1: the person on call anyway, 2: a message" ──▶ waits for a key
    1 (at any point) ──▶ the hunt          2 ──▶ the message          silence, ``asks`` times ──▶ the hunt

Nobody is rung while the caller listens: the announcement may be all they needed ("we know about the
outage at the Rennes site"). Silence reaches a person: a caller is never left without one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.media import Media

Decision = Literal["hunt", "message"] | None
PURPOSES = ("announced-greeting", "announcement", "announcement-choice")
PROMPT_MARGIN = 120.0        # a prompt (the recording) may play this long before its end is given up on


class Announcing:
    def __init__(self, caller: str, media: Media, greeting: str, announcement: str, choice: str, *,
                 wait: float = 8.0, asks: int = 2) -> None:
        self.caller, self.media, self.wait, self.asks = caller, media, wait, asks
        self._queue = [(greeting, PURPOSES[0]), (announcement, PURPOSES[1]), (choice, PURPOSES[2])]
        self.choice = choice
        self.asked = 0
        self.waiting = False                     # for a key, after the prompt
        self.until: datetime | None = None

    def start(self, now: datetime, out: list[c.Command]) -> None:
        self._next(now, out)

    def takes(self, event: object) -> bool:
        """Whether ``event`` is this sub-machine's (the caller's keys, its playbacks, the timer)."""
        return self.media.asks(event, self.caller, PURPOSES)

    def handle(self, event: object, now: datetime, out: list[c.Command]) -> Decision:
        match event:
            case e.DigitPressed(digit=digit) if digit[:1] in ("1", "2"):
                out += self.media.stop(lambda purpose: purpose in PURPOSES)
                self.until, self.waiting = None, False
                return "hunt" if digit[:1] == "1" else "message"
            case e.PlaybackFinished(playback=playback) | e.RequestFailed(command=c.Play(playback=playback)):
                self.media.finished(playback)
                if not self.media.caller_playing:
                    self._next(now, out)
            case h.TimerExpired() if self.until is not None and self.until <= now:
                out += self.media.stop(lambda purpose: purpose in PURPOSES)
                if self.waiting and self.asked >= self.asks:
                    self.until, self.waiting = None, False
                    return "hunt"
                if self.waiting:
                    self._queue.append((self.choice, PURPOSES[2]))
                self._next(now, out)
        return None

    def _next(self, now: datetime, out: list[c.Command]) -> None:
        """Play what comes next, or wait for a key once the choice was asked."""
        if not self._queue:
            self.waiting, self.until = True, now + timedelta(seconds=self.wait)
            return
        media, purpose = self._queue.pop(0)
        self.asked += purpose == PURPOSES[2]
        self.waiting = False
        out.append(self.media.to_caller(media, purpose))
        self.until = now + timedelta(seconds=PROMPT_MARGIN)
