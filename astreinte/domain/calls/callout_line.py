"""What one callout knows when it starts (a snapshot, as ``line.Line`` is for an inbound call), and the
events and commands only a callout has.

    CalloutLine: the message, the team, the phones of this round (by level), the prompts, the timings
    events in:   MessageAcknowledged (someone else acknowledged it), AcknowledgeDone (our Acknowledge
                 was stored), StoreFailed, plus the call events of ``events.py``
    commands:    MarkHeard, Acknowledge, plus the call commands of ``commands.py``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from astreinte.domain.hunt import HuntPolicy, Target
from astreinte.domain.rota import Team

HOWS = ("phone", "cli", "web")      # how a message can be acknowledged


@dataclass(frozen=True)
class Message:
    """The message a callout is about, as the store holds it."""

    id: int
    team: str
    caller: str                     # digits and +; "" when withheld
    number: str                     # the on-call line it came on (what the caller called)
    recorded_at: datetime
    duration: float | None
    media: str | None               # the ARI media of the recording; None: no audio to play


@dataclass(frozen=True)
class CalloutPrompts:
    """ARI media URIs. ``intro`` names the caller, the time and the length: rendered per message."""

    intro: str
    menu: str
    acknowledged: str
    acknowledged_elsewhere: str
    calling_back: str
    callback_failed: str
    no_number: str
    not_acknowledged: str
    ringing: str = "tone:ring;tonezone=fr"


@dataclass(frozen=True)
class CalloutTimings:
    """Seconds (constructor arguments, so tests set them instead of patching)."""

    ring_margin: float = 10.0       # a leg's originate timeout: ring + this
    digit_wait: float = 8.0         # after a prompt, for a digit
    asks: int = 3                   # the intro, then the menu, are played this many times at most
    prompt_margin: float = 90.0     # a prompt (or the message) may play this long before its end is given up on
    callback_ring: int = 45         # the caller, rung back
    longest: float = 3 * 3600.0     # a callout (a callback conversation included) never lasts longer


@dataclass(frozen=True)
class CalloutLine:
    """Built by the runtime from the live configuration, the schedule and the store when a round starts."""

    callout_id: str
    message: Message
    team: Team
    round: int                                  # 1 for the first round
    steps: tuple[tuple[Target, ...], ...]       # the levels tried in turn until one has a phone to ring
    prompts: CalloutPrompts
    endpoint: Callable[[str], str]              # a phone -> the ARI endpoint to originate
    callback: str | None                        # the endpoint that calls the caller back (None: withheld)
    why: str = "message"                        # message, hand-off, opening: what the round is for
    timings: CalloutTimings = field(default_factory=CalloutTimings)

    @property
    def policy(self) -> HuntPolicy:
        """One level rung for the team's ring time, no confirmation: answering is the first step."""
        ring = self.team.hunt.ring_timeout
        return HuntPolicy(strategy="linear", ring_timeout=ring, rounds=1, confirm=False, on_no_answer="hangup",
                          hold_message_every=None)


# ── events: what a callout is told besides the call events ─────────────────


@dataclass(frozen=True)
class MessageAcknowledged:
    """The message was acknowledged elsewhere (CLI, web, another phone): stop."""

    by: str
    how: str


@dataclass(frozen=True)
class AcknowledgeDone:
    """Our ``Acknowledge`` is stored; ``first``: ours is the acknowledgement (else ``by`` was first)."""

    by: str
    how: str
    first: bool


@dataclass(frozen=True)
class StoreFailed:
    """``MarkHeard`` or ``Acknowledge`` could not be stored."""

    command: MarkHeard | Acknowledge
    error: str


# ── commands: what a callout asks for besides the call commands ────────────


@dataclass(frozen=True)
class MarkHeard:
    """``person`` listened to the message on ``phone``."""

    message_id: int
    person: str
    phone: str


@dataclass(frozen=True)
class Acknowledge:
    """``person`` acknowledged the message on ``phone`` (``detail``: the key, or the callback)."""

    message_id: int
    person: str
    phone: str
    detail: str = ""
