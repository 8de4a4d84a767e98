"""The service line's conversation: what it says and asks, and what the keys answer (``service.py``
drives it). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain.calls import commands as c
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls import service_text as t
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.service_line import Sentence
from astreinte.domain.calls.steps import Steps
from astreinte.domain.rota import Team

Phase = Literal["asking", "busy", "recording", "closing", "ended"]
Part = Sentence | str
Out = list[c.Command | s.Say | s.ServiceAction]
COLLECTED = ("pin", "hours", "minutes", "travel")   # questions answered by several keys and #
MAX_KEYS = 12


def say(text: str, **values: s.Spoken) -> Sentence:
    return Sentence(text, tuple(values.items()))


class Talk:
    def __init__(self, line: s.ServiceLine, now: datetime, *, answered: bool) -> None:
        self.line, self.id, self.started = line, line.call_id, now
        self.person = line.person.id if line.person is not None else None
        self.media = Media(self.id)
        self.phase: Phase = "asking"
        self.question = ""                   # what the keys answer (menu, pin, team, hours...)
        self.caller_gone = False
        self.announcements = dict(line.announcements)
        self._answered = answered
        self._greeted = False
        self._steps = Steps()
        self._keys = ""
        self._asked = 0
        self._repeat: tuple[Part, ...] = ()  # what is asked again after silence
        self._until: datetime | None = None
        self._pins = 0                       # wrong PINs so far
        self._action = ""                    # take, announce: what the team is chosen for
        self._team: Team | None = None
        self._layer = ""                     # take: the layer chosen (one of several of mine)
        self._minutes = 0
        self._messages: tuple[s.Pending, ...] = ()
        self._index = 0
        self._recording = ""

    # ── what the runtime reads ──────────────────────────────────────────────

    @property
    def finished(self) -> bool:
        return self.phase == "ended"

    @property
    def steps(self) -> list[tuple[datetime, str, str]]:
        return list(self._steps.items)

    @property
    def deadline(self) -> datetime | None:
        return None if self.finished else self._until

    # ── saying and asking ────────────────────────────────────────────────────

    def _say(self, parts: Sequence[Part], now: datetime, out: Out) -> None:
        out += self.media.stop()
        playback = self.media.next_id("service")
        self.media.playbacks[playback] = (self.id, self.question or self.phase)
        out.append(s.Say(self.id, playback, tuple(parts), self.line.language))
        self._until = now + timedelta(seconds=self.line.timings.prompt_margin)

    def _ask(self, question: str, parts: Sequence[Part], now: datetime, out: Out,
             before: Sequence[Part] = ()) -> None:
        """Ask ``parts`` (after ``before``, said once); the keys that follow answer ``question``."""
        self._asked = self._asked + 1 if question == self.question else 1
        self.phase, self.question, self._keys, self._repeat = "asking", question, "", tuple(parts)
        self._say([*before, *parts], now, out)

    def _menu(self, now: datetime, out: Out, before: Sequence[Part] = ()) -> None:
        self._ask("menu", [say(t.MENU)], now, out, before)

    def _close(self, parts: Sequence[Part], now: datetime, out: Out) -> None:
        self.phase, self.question = "closing", ""
        self._say([*parts, say(t.GOODBYE)], now, out)

    def _busy(self, command: s.ServiceAction, now: datetime, out: Out) -> None:
        """A store action: the caller waits for its answer (a moment)."""
        out += self.media.stop()
        self.phase, self.question = "busy", ""
        self._until = now + timedelta(seconds=self.line.timings.prompt_margin)
        out.append(command)

    # ── the end ──────────────────────────────────────────────────────────────

    def _end(self, now: datetime, out: Out) -> None:
        if self.finished:
            return
        self.phase, self._until = "ended", None
        out += self.media.stop()
        if not self.caller_gone:
            self.caller_gone = True
            out.append(c.Hangup(self.id))
        self._trace(f"service line: over after {(now - self.started).total_seconds():.1f} s", now, out)

    def _trace(self, text: str, now: datetime, out: Out, *, warning: bool = False) -> None:
        trace: list[c.Command] = []
        self._steps.trace(text, now, trace, "warning" if warning else "info")
        out += trace

