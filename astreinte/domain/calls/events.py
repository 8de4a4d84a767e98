"""What a call is told (past tense): facts about its channels, and the completions of what it asked for.

    ARI event ──from_ari()──▶ Event ──CallFlow.handle(event, now)──▶ list[Command]
    a command's completion (answer done, request failed, prompt rendered) ──▶ Event ──▶ ...

``from_ari`` is stateless: it names the channel, the playback or the recording an event is about;
the flow knows which of its channels is the caller and which are phone legs. Presence facts
(``PhoneRegistered``...) and ``TimerExpired`` are the hunt's own events, passed through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from astreinte.domain import hunt_events as hunt
from astreinte.wire import ari_events as ari

if TYPE_CHECKING:
    from astreinte.domain.calls.commands import Command


@dataclass(frozen=True)
class ChannelAnswered:
    """A phone leg entered the app: its callee picked up (a mobile's voicemail does too)."""

    channel: str


@dataclass(frozen=True)
class ChannelRinging:
    channel: str


@dataclass(frozen=True)
class ChannelLeft:
    """The channel left the app (StasisEnd): hung up, or taken by the dialplan."""

    channel: str


@dataclass(frozen=True)
class ChannelGone:
    """The channel is destroyed, with its Q.850 cause."""

    channel: str
    cause: int = 0
    cause_txt: str = ""


@dataclass(frozen=True)
class DigitPressed:
    """A DTMF digit on a channel. Untrusted: any string."""

    channel: str
    digit: str


@dataclass(frozen=True)
class PlaybackStarted:
    playback: str


@dataclass(frozen=True)
class PlaybackFinished:
    playback: str
    failed: bool = False        # Asterisk could not play the file (missing, wrong format)


@dataclass(frozen=True)
class RecordingFinished:
    name: str
    duration: float | None


@dataclass(frozen=True)
class RecordingFailed:
    name: str
    cause: str


@dataclass(frozen=True)
class AnswerSent:
    """The ``Answer`` request is on its way (its ``AnswerDone``, or its ``RequestFailed``, follows): the
    flow decides what follows meanwhile, sends the leases at once and holds the rest until then.
    ``ordered``: what the flow asks about the caller's channel from now on reaches Asterisk after the
    answer (the runtime queues it behind the answer): nothing is held."""

    ordered: bool = False


@dataclass(frozen=True)
class AnswerDone:
    """The caller's channel is answered (the ``Answer`` command completed)."""


@dataclass(frozen=True)
class RequestFailed:
    """A command could not be carried out (Asterisk refused, the channel is gone, the link is down).

    ``gone``: Asterisk answered 404 or 422 (``Channel not in Stasis application``) for the channel
    the command acts on (``commands.channel_of``): it is no longer in the app (hung up, or taken
    back by the dialplan when the lease lapsed)."""

    command: Command
    error: str
    gone: bool = False


@dataclass(frozen=True)
class CustomerPinChecked:
    """The answer to ``CheckCustomerPin``: the customer whose PIN it is (None: nobody's)."""

    customer: str | None


@dataclass(frozen=True)
class PromptRendered:
    """The per-call confirmation prompt (it names the caller) is ready to play."""

    media: str
    seconds: float | None = None        # how long it plays
    text: str = ""                      # what it says (the call's steps keep it when it names a customer)


@dataclass(frozen=True)
class MessageFiled:
    """The message is stored and announced (``FileMessage`` done): channel -> accepted."""

    notified: tuple[tuple[str, bool], ...] = ()


Event = (
    ChannelAnswered | ChannelRinging | ChannelLeft | ChannelGone | DigitPressed
    | PlaybackStarted | PlaybackFinished | RecordingFinished | RecordingFailed
    | AnswerSent | AnswerDone | RequestFailed | PromptRendered | CustomerPinChecked | MessageFiled
    | hunt.TimerExpired | hunt.PhoneRegistered | hunt.PhoneUnregistered | hunt.PersonEngaged | hunt.PersonReleased
)


def from_ari(event: ari.Event) -> Event | None:
    """The fact an ARI event states for a call; None for what no call acts on."""
    match event:
        case ari.StasisStart(channel=channel):
            return ChannelAnswered(channel.id)
        case ari.StasisEnd(channel=channel):
            return ChannelLeft(channel.id)
        case ari.ChannelDestroyed(channel=channel, cause=cause, cause_txt=text):
            return ChannelGone(channel.id, cause, text)
        case ari.ChannelStateChange(channel=channel) if channel.state == "Ringing":
            return ChannelRinging(channel.id)
        case ari.ChannelDtmfReceived(channel=channel, digit=digit):
            return DigitPressed(channel.id, digit)
        case ari.PlaybackStarted(playback_id=playback):
            return PlaybackStarted(playback)
        case ari.PlaybackFinished(playback_id=playback, state=state):
            return PlaybackFinished(playback, failed=state == "failed")
        case ari.RecordingFinished(name=name, duration=duration):
            return RecordingFinished(name, float(duration) if duration else None)
        case ari.RecordingFailed(name=name, cause=cause):
            return RecordingFailed(name, cause)
    return None
