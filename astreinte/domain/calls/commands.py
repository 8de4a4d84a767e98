"""What a call asks for (imperative), in list order. The runtime's call driver carries each out
through ARI (or the store, or the notifier) and feeds back its completion or ``RequestFailed``.

Requests that complete with an event: ``Answer`` (``AnswerDone``), ``Play`` (``PlaybackStarted``,
``PlaybackFinished``), ``Record`` (``RecordingFinished``/``Failed``), ``RenderConfirmation``
(``PromptRendered``), ``FileMessage`` (``MessageFiled``). Any request may fail: ``RequestFailed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from astreinte.domain.calls.record import CallRecord


@dataclass(frozen=True)
class Answer:
    """Answer the caller."""


@dataclass(frozen=True)
class Play:
    """Play ``media`` on ``channel`` (the caller, or a phone leg), as ``playback``."""

    channel: str
    media: str
    playback: str


@dataclass(frozen=True)
class StopPlayback:
    playback: str


@dataclass(frozen=True)
class Ringback:
    """Ringing tone to the caller on (music while the hunt goes on) or off."""

    on: bool


@dataclass(frozen=True)
class Originate:
    """Call ``endpoint`` into the app as channel ``leg``, showing ``caller_id``, for at most ``timeout`` s."""

    leg: str
    endpoint: str
    caller_id: str
    timeout: int


@dataclass(frozen=True)
class Hangup:
    channel: str


@dataclass(frozen=True)
class Bridge:
    """Create bridge ``bridge`` and put ``channels`` in it: the conversation."""

    bridge: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class DestroyBridge:
    bridge: str


@dataclass(frozen=True)
class Record:
    """Record the caller as ``name`` (a file name made of the call id only) until silence or the limit."""

    name: str
    max_seconds: int
    max_silence: int


@dataclass(frozen=True)
class ToDialplan:
    """Hand the caller to the PBX's fallback tiers (``ASTREINTE_REASON=reason``), under extension ``exten``,
    with ``lease`` seconds left of the call (``TIMEOUT(absolute)``, set first). If the hand-off fails, the
    short lease (``lease.TERM``) is put back: Asterisk then takes the caller to the tiers by itself."""

    exten: str
    reason: str
    lease: int = 7200


@dataclass(frozen=True)
class Lease:
    """Move ``channel``'s ``TIMEOUT(absolute)`` to ``seconds`` from now: unless renewed, Asterisk then
    takes it out of the app (the caller: to the PBX tiers; a leg: hung up). Never 0 (no timeout).
    ``last``: the end of the call's time (``max_call_duration``): when it comes, the call ends."""

    channel: str
    seconds: int
    last: bool = False


@dataclass(frozen=True)
class CheckCustomerPin:
    """Find the customer of ``team`` whose PIN the caller typed (hashes: slow, off the event loop);
    ``CustomerPinChecked`` says who. The digits are never shown."""

    team: str
    keys: str = field(repr=False)


@dataclass(frozen=True)
class RenderConfirmation:
    """Render the callee's prompt naming ``caller`` (in the background, while the phones ring)."""

    team: str
    caller: str
    customer: str = ""                  # a known caller's name and site: the prompt names them instead
    site: str = ""
    language: str | None = None         # the callees' (``callers.callee_language``); None: the configuration's


@dataclass(frozen=True)
class Engaged:
    """``person`` starts (or stops) talking on this call: other calls skip (or may ring) them."""

    person: str
    talking: bool


@dataclass(frozen=True)
class SaveArrival:
    """Write the call's first row now: it is in the call log even if the daemon dies mid-call."""

    record: CallRecord


@dataclass(frozen=True)
class SaveCall:
    """The call is over: write its record and its steps."""

    record: CallRecord
    steps: tuple[tuple[datetime, str, str], ...]


@dataclass(frozen=True)
class FileMessage:
    """Store the message left and announce it (e-mail, webhook) to ``to`` and the configured addresses."""

    call_id: str
    team: str
    caller: str
    number: str
    recorded_at: datetime
    duration: float | None
    name: str                           # the recording's name (its file is NAME.wav in the recordings folder)
    tried: tuple[str, ...]              # the people the hunt rang, in order


@dataclass(frozen=True)
class Trace:
    """One readable line for the operator's log (it is also a step of the call log)."""

    text: str
    level: Literal["info", "warning"] = "info"


Command = (
    Answer | Play | StopPlayback | Ringback | Originate | Hangup | Bridge | DestroyBridge | Record
    | ToDialplan | Lease | RenderConfirmation | CheckCustomerPin | Engaged | SaveArrival | SaveCall | FileMessage
    | Trace
)


def channel_of(command: Command, caller: str) -> str | None:
    """The one channel a request acts on (``caller``: the call's own), None when it is about no single
    channel: a 404 or 422 answer to it then means that channel is no longer in the app."""
    match command:
        case Answer() | Ringback() | Record() | ToDialplan():
            return caller
        case Play(channel=channel) | Lease(channel=channel):
            return channel
    return None
