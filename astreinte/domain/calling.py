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
class Translation:
    """A team's caller-facing texts in another language (``teams.<id>.translations.<lang>``), heard by a
    known customer of that language (``domain/callers.py``); None: the team's own text."""

    greeting: str | None = None          # spoken text, or ``sound:NAME``
    voicemail: str | None = None         # the voicemail greeting


@dataclass(frozen=True)
class CallerIdPolicy:
    """What the callee's phone shows: the caller's number or the on-call line's, under a name."""

    show: ShowNumber = "caller"
    name: str | None = None             # default: "ASTREINTE <team>"

    def present(self, team: str, caller_number: str, line_number: str, caller: str | None = None) -> str:
        """``caller``: a known customer's name, shown instead of the team's (``domain/callers.py``)."""
        name = (caller or self.name or f"ASTREINTE {team}").replace('"', "")
        number = caller_number if self.show == "caller" else line_number
        return f'"{name}" <{number}>' if number else name


@dataclass(frozen=True)
class VoicemailPolicy:
    greeting: str = DEFAULT_VOICEMAIL_GREETING   # text (rendered to speech) or sound:NAME
    max_seconds: float = 120.0                   # a recording never runs longer
    max_silence: float = 10.0                    # seconds of silence that end a recording


@dataclass(frozen=True)
class MessagePolicy:
    """What happens to a message left on the team's line (the ``messages:`` block of a team).

    ``callout``: call the people on call back until one of them acknowledges it, ``rounds`` times at
    most, ``every`` seconds after the previous round ended; ``escalate``: round n rings level n (the
    last level once the chain is walked), else level 1 each time. ``at_opening``: where messages still
    open are called out when the on-call service hours end (business hours start); None: nowhere.
    """

    callout: bool = False
    every: float = 300.0
    rounds: int = 3
    escalate: bool = True
    at_opening: str | None = None

    @property
    def active(self) -> bool:
        """Does anything ever call a message of this team out?"""
        return self.callout or self.at_opening is not None


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
