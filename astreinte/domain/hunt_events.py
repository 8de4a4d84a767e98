"""The hunt's vocabulary: events it is told (past tense), commands it gives (imperative), attempts it logs.

    adapter ──Event──▶ Hunt.handle(event, now) ──▶ list[Command] ──▶ adapter

Leg ids are invented by the hunt (``f"{call_id}-L{n}"``) and arrive back in
events; an event naming a leg the hunt does not know, or a leg that is already
over, is ignored.  Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Target:
    """One level of the chain as the hunt sees it: a person and the phones rung together."""

    level: int
    person: str
    name: str
    phones: tuple[str, ...]


FailCause = Literal["busy", "unreachable", "no_answer", "rejected", "congestion"]
AttemptResult = Literal["answered", "declined", "no_answer", "busy", "unreachable", "cancelled"]
Outcome = Literal["answered", "voicemail", "abandoned", "failed"]
HangupReason = Literal["nobody_available", "call_completed"]


# ── events: what happened ────────────────────────────────────────────────────


@dataclass(frozen=True)
class LegRinging:
    """The phone behind ``leg`` is ringing (180/183)."""

    leg: str


@dataclass(frozen=True)
class LegAnswered:
    """The phone behind ``leg`` answered (200 OK). A mobile's voicemail answers too."""

    leg: str


@dataclass(frozen=True)
class LegFailed:
    """``leg`` ended without a conversation: 486 busy, 408/480 unreachable, 603 rejected, 503 congestion."""

    leg: str
    cause: FailCause


@dataclass(frozen=True)
class LegHungUp:
    """The callee's channel is gone (BYE, or hung up while ringing without a usable cause)."""

    leg: str


@dataclass(frozen=True)
class DigitReceived:
    """A DTMF digit (RFC 4733 or SIP INFO) arrived on ``leg``. Untrusted: any string."""

    leg: str
    digit: str


@dataclass(frozen=True)
class PromptFinished:
    """The confirmation prompt on ``leg`` stopped playing (finished or failed)."""

    leg: str


@dataclass(frozen=True)
class GreetingFinished:
    """The caller's greeting stopped playing (finished or failed: always send it)."""


@dataclass(frozen=True)
class CallerHungUp:
    """The caller's channel is gone."""


@dataclass(frozen=True)
class TimerExpired:
    """``Hunt.deadline`` was reached. Harmless when early or repeated: nothing due, nothing done."""


@dataclass(frozen=True)
class PhoneRegistered:
    """``phone`` came online (ARI endpoint state); it will be rung from the next level on."""

    phone: str


@dataclass(frozen=True)
class PhoneUnregistered:
    """``phone`` went offline: a leg still ringing it is cancelled, later levels skip it."""

    phone: str


@dataclass(frozen=True)
class PersonEngaged:
    """``person`` is now talking on another astreinte call: stop ringing them here."""

    person: str


@dataclass(frozen=True)
class PersonReleased:
    """``person``'s other astreinte call ended: later levels and rounds may ring them again."""

    person: str


Event = (
    LegRinging | LegAnswered | LegFailed | LegHungUp | DigitReceived | PromptFinished
    | GreetingFinished | CallerHungUp | TimerExpired
    | PhoneRegistered | PhoneUnregistered | PersonEngaged | PersonReleased
)


# ── commands: what the adapter must do, in list order ────────────────────────


@dataclass(frozen=True)
class Dial:
    """Originate a call to ``phone`` for ``target``; events about it carry ``leg``."""

    leg: str
    target: Target
    phone: str


@dataclass(frozen=True)
class Cancel:
    """Hang up ``leg``: CANCEL if still ringing, BYE if answered. Events about it afterwards are ignored."""

    leg: str


@dataclass(frozen=True)
class PlayConfirmation:
    """On ``leg``: "call for team X from Y, press 1 to accept, 2 to decline" (once)."""

    leg: str
    target: Target


@dataclass(frozen=True)
class PlayConnecting:
    """On ``leg``: a short "connecting you" while the accepted callee waits for the greeting to end."""

    leg: str


@dataclass(frozen=True)
class StopPrompt:
    """Stop the confirmation prompt on ``leg`` (the callee pressed 1 and waits for the greeting to end)."""

    leg: str


@dataclass(frozen=True)
class Connect:
    """Bridge the caller with ``leg``, after stopping the caller's greeting/hold music and its prompt."""

    leg: str


@dataclass(frozen=True)
class StartHoldMusic:
    """The greeting is over and nobody is connected yet: play music on hold (or ringback) to the caller."""


@dataclass(frozen=True)
class PlayHoldMessage:
    """Play the short "please hold" to the caller over/between the hold music, then resume it."""


@dataclass(frozen=True)
class StartVoicemail:
    """Nobody took the call: stop the hold music and send the caller to the voicemail prompt and recording."""


@dataclass(frozen=True)
class HangupCaller:
    """Hang up the caller. ``nobody_available``: play the short "nobody is available" message first."""

    reason: HangupReason


@dataclass(frozen=True)
class Finished:
    """The hunt is over; always the last command, exactly once. Log the call."""

    outcome: Outcome
    answered_by: str | None


Command = (
    Dial | Cancel | PlayConfirmation | PlayConnecting | StopPrompt | Connect
    | StartHoldMusic | PlayHoldMessage | StartVoicemail | HangupCaller | Finished
)


# ── the call log ─────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Attempt:
    """One phone tried (or skipped) at one level of one round, for ``astreinte calls``.

    ``result`` and ``ended_at`` are None while the phone is still ringing or confirming.
    Skipped phones (unreachable, person busy) have ``ended_at == started_at`` and no ``leg``.
    """

    level: int
    person: str
    phone: str
    result: AttemptResult | None
    started_at: datetime
    ended_at: datetime | None
    round: int = 1
    leg: str | None = None
