"""How a team's calls are presented and what happens around the hunt: caller ID, voicemail, menus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ShowNumber = Literal["caller", "line"]

DEFAULT_VOICEMAIL_GREETING = (
    "Personne n'est disponible pour le moment. Laissez votre message après le bip, "
    "en précisant votre nom et votre numéro, puis raccrochez."
)


@dataclass(frozen=True)
class CallerIdPolicy:
    """What the callee's phone shows: the caller's number or the on-call line's, under a name."""

    show: ShowNumber = "caller"
    name: str | None = None             # default: "ASTREINTE <team>"

    def present(self, team: str, caller_number: str, line_number: str) -> str:
        name = (self.name or f"ASTREINTE {team}").replace('"', "")
        number = caller_number if self.show == "caller" else line_number
        return f'"{name}" <{number}>' if number else name


@dataclass(frozen=True)
class VoicemailPolicy:
    greeting: str = DEFAULT_VOICEMAIL_GREETING   # text (rendered to speech) or sound:NAME
    max_seconds: float = 120.0                   # a recording never runs longer
    max_silence: float = 10.0                    # seconds of silence that end a recording


@dataclass(frozen=True)
class Menu:
    """A number that asks the caller to choose a team ("press 1 for support, 2 for maintenance")."""

    number: str
    prompt: str                                  # text or sound:NAME
    options: Mapping[str, str] = field(default_factory=dict)   # digit -> team id
    default: str | None = None                   # team on silence or an unknown digit; None: ask again, then give up
    timeout: float = 6.0

    def choose(self, digit: str | None) -> str | None:
        if digit is not None and digit in self.options:
            return self.options[digit]
        return self.default
