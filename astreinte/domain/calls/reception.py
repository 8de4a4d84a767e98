"""Before a team takes the call: a blocked caller is refused, an unknown number is told so and handed
to the dialplan, a menu number asks which team. Pure.

    blocked ──▶ "your call cannot be put through" ──over (or too long)──▶ hang up
    unknown ──▶ "this number is not assigned"     ──over (or too long)──▶ the dialplan
    menu    ──▶ prompt ──a digit (it counts while the prompt plays)──▶ that team (or the default)
                  └──over──▶ waits ``timeout`` ──silence──▶ the default team, or ask again
                after ``menu_attempts`` attempts without a choice: "nobody is available", hang up
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain.calls import commands as c
from astreinte.domain.calls.line import Line
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.steps import Steps

PROMPT_MARGIN = 60.0     # seconds a menu prompt may play before its end is given up on

Path = Literal["blocked", "unknown", "menu", "team"]


@dataclass(frozen=True)
class Chosen:
    """The caller chose a team (``team`` id)."""

    team: str


Decision = Chosen | Literal["hang up", "dialplan", "no choice"] | None


class Reception:
    def __init__(self, line: Line, media: Media, steps: Steps) -> None:
        self.line, self.media, self.steps = line, media, steps
        self.path: Path = "blocked" if line.blocked else "team" if line.team is not None else \
            "menu" if line.menu is not None else "unknown"
        self.until: datetime | None = None
        self.attempt = 0
        self.waiting_digit = False

    def arrive(self, now: datetime, out: list[c.Command]) -> None:
        """The arrival's line in the log (a team's call logs it once its first phones ring)."""
        where = f"{self.line.number} from {self.line.caller_label}"
        text = {"blocked": f"arrived on {where}: number blocked, refused", "menu": f"arrived on menu {where}",
                "unknown": f"arrived on unknown number {where}: dialplan fallback"}.get(self.path)
        if text is not None:
            self.steps.trace(text, now, out)

    def answered(self, now: datetime, out: list[c.Command]) -> None:
        """The caller is answered: their message, or the menu's prompt."""
        prompts, timings = self.line.prompts, self.line.timings
        if self.path == "blocked":
            out.append(self.media.to_caller(prompts.blocked, "message"))
            self.until = now + timedelta(seconds=timings.short_message)
        elif self.path == "unknown":
            out.append(self.media.to_caller(prompts.unknown_number, "message"))
            self.until = now + timedelta(seconds=timings.unknown_number)
        elif self.path == "menu":
            self._ask(now, out)

    def playback_over(self, purpose: str, now: datetime) -> Decision:
        if purpose == "menu" and self.path == "menu":
            assert self.line.menu is not None
            self.waiting_digit = True
            self.until = now + timedelta(seconds=self.line.menu.timeout)
            return None
        if purpose == "message" and not self.media.caller_playing:
            return self._message_over()
        return None

    def pressed(self, digit: str, now: datetime, out: list[c.Command]) -> Decision:
        if self.path != "menu" or self.line.menu is None:
            return None
        out += self.media.stop(lambda purpose: purpose == "menu")
        team = self.line.menu.choose(digit[:1])
        self.steps.trace(f"caller pressed {digit[:1]}: {team or 'no such choice'}", now, out)
        return self._chosen(team, now, out)

    def timer(self, now: datetime, out: list[c.Command]) -> Decision:
        if self.until is None or self.until > now:
            return None
        self.until = None
        if self.path != "menu":
            return self._message_over()
        assert self.line.menu is not None
        out += self.media.stop(lambda purpose: purpose == "menu")
        default = self.line.menu.default
        if default is not None:
            self.steps.trace(f"no choice: team {default} by default", now, out)
        return self._chosen(default, now, out)

    def _message_over(self) -> Decision:
        return "dialplan" if self.path == "unknown" else "hang up"

    def _chosen(self, team: str | None, now: datetime, out: list[c.Command]) -> Decision:
        self.until, self.waiting_digit = None, False
        if team is not None:
            self.path = "team"
            return Chosen(team)
        self.steps.trace(f"no choice (attempt {self.attempt})", now, out)
        return None if self._ask(now, out) else "no choice"

    def _ask(self, now: datetime, out: list[c.Command]) -> bool:
        """Play the menu's prompt (again); False when every attempt was used."""
        assert self.line.menu is not None
        if self.attempt >= self.line.timings.menu_attempts:
            return False
        self.attempt += 1
        self.waiting_digit = False
        out.append(self.media.to_caller(self.line.prompts.menus[self.line.menu.number], "menu"))
        self.until = now + timedelta(seconds=self.line.menu.timeout + PROMPT_MARGIN)
        return True
