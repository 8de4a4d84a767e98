"""What a call knows when it arrives: the line it came on, taken once, so that a reload of the
configuration mid-call never changes a live call's policy (its team, chain, prompts, timings)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from astreinte.domain.callers import Directory
from astreinte.domain.calls.play_lengths import PlayLengths

if TYPE_CHECKING:
    from astreinte.domain.calling import Menu
    from astreinte.domain.rota import Team
    from astreinte.domain.schedule import Schedule


@dataclass(frozen=True)
class PromptBook:
    """ARI media URIs, by purpose."""

    greetings: Mapping[str, str]      # team id -> media
    confirmations: Mapping[str, str]  # team id -> media
    voicemails: Mapping[str, str]     # team id -> media ("leave a message after the beep")
    menus: Mapping[str, str]          # menu number -> media
    please_hold: str
    nobody: str
    unknown_number: str
    blocked: str
    connecting: str                   # to an accepted callee waiting for the greeting to give way
    durations: Mapping[str, float] = field(default_factory=dict)   # media -> seconds (the rendered ones)
    announcement_choice: str = "sound:vm-press"   # "1: the person on call anyway, 2: a message"
    customer_pin: str = "sound:vm-password"       # "your customer code, then #" (``callers: pin``)
    customer_pin_wrong: str = "sound:vm-incorrect"
    language: str = "fr"                          # of the caller-facing prompts above
    languages: Mapping[str, PromptBook] = field(default_factory=dict)   # the same book, said to a caller in
    #   another language: greetings, voicemails, please_hold, nobody, announcement_choice (the rest is the same)
    learned: PlayLengths = field(default_factory=PlayLengths, compare=False)   # Asterisk's sounds, as played

    def spoken_in(self, language: str) -> PromptBook:
        """The book a caller of ``language`` hears (this one when it is ours or not rendered)."""
        return self.languages.get(language, self) if language != self.language else self

    def greeting(self, team: str) -> str:
        return self.greetings[team]

    def confirmation(self, team: str) -> str:
        return self.confirmations[team]

    def seconds(self, media: str, default: float = 10.0) -> float:
        """How long ``media`` plays: read from the files the daemon rendered, learned from the plays of
        Asterisk's own sounds (``play_lengths``), ``default`` for a sound not played yet."""
        if media in self.durations:
            return self.durations[media]
        learned = self.learned.seconds(media)
        return default if learned is None else learned


@dataclass(frozen=True)
class Timings:
    """The call's waits, in seconds (constructor arguments, so tests set them instead of patching)."""

    greeting_start: float = 0.5      # the first phones wait this long at most for the greeting to start
    short_message: float = 15.0      # a "blocked" or "nobody is available" message, then the hang-up
    unknown_number: float = 10.0     # the "number not in service" message, then the dialplan
    voicemail_prompt: float = 60.0   # "leave a message after the beep"
    recording_margin: float = 15.0   # after the recording's own limit, before giving up on its end
    closing: float = 30.0            # a message still playing when the call is over
    ring_margin: float = 10.0        # a leg's originate timeout: ring + confirmation + this
    menu_attempts: int = 2


@dataclass(frozen=True)
class Line:
    """The configuration one call sees. Built by the runtime from the live configuration at arrival."""

    number: str                               # the dialed number, as the trunk gave it
    caller: str                               # the caller's number, made safe; "" when withheld
    blocked: bool
    team: Team | None                         # the team the number reaches (None: a menu, or nobody)
    menu: Menu | None
    teams: Mapping[str, Team]                 # for the menu's choices
    schedule: Schedule
    prompts: PromptBook
    endpoint: Callable[[str], str]            # a person's phone -> the ARI endpoint to originate
    recordings: PurePath                      # where Asterisk writes the messages (shown in the log)
    line_number: str = ""                     # the dialed number made safe (caller ID ``show: line``)
    max_call_duration: float = 7200.0         # daemon.max_call_duration: the lease of a conversation
    timings: Timings = field(default_factory=Timings)
    announcements: Mapping[str, str] = field(default_factory=dict)   # team -> its live announcement's media
    directory: Directory = field(default_factory=Directory)          # the known callers (``callers:``)
    caller_key: str = ""                      # the caller's number in canonical form ("" when withheld)

    @property
    def caller_label(self) -> str:
        return self.caller or "anonymous"


def file_id(call_id: str) -> str:
    """A call id as a file name: only letters, digits and ``-`` (the one sanitiser of file names)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", call_id)
