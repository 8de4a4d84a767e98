"""What plays on a call's channels, and what the caller hears: the flow's media bookkeeping.

Every playback the flow asks for is registered here with its channel and purpose until its
``PlaybackFinished`` (or its failure) comes back; the caller's ringback is on or off. Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import events as e
from astreinte.domain.calls.commands import Play, Ringback, StopPlayback

Hearing = Literal["ringing", "prompt", "ringback", "conversation", "waiting for a digit", "recording",
                  "nothing: gone", "nothing: handed to the dialplan", "silence"]


class Media:
    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.playbacks: dict[str, tuple[str, str]] = {}   # playback id -> (channel, purpose)
        self.ringing = False
        self._seq = 0

    def next_id(self, what: str) -> str:
        self._seq += 1
        return f"{self.call_id}-{what}{self._seq}"

    def play(self, channel: str, media: str, purpose: str) -> Play:
        playback = self.next_id(purpose if channel == self.call_id else "prompt")
        self.playbacks[playback] = (channel, purpose)
        return Play(channel, media, playback)

    def to_caller(self, media: str, purpose: str) -> Play:
        return self.play(self.call_id, media, purpose)

    def finished(self, playback: str) -> str | None:
        """The purpose of a playback that ended (None: not ours, or already over)."""
        entry = self.playbacks.pop(playback, None)
        return None if entry is None else entry[1]

    def purpose(self, playback: str) -> str | None:
        entry = self.playbacks.get(playback)
        return None if entry is None else entry[1]

    def asks(self, event: object, caller: str, purposes: tuple[str, ...]) -> bool:
        """Whether ``event`` belongs to a sub-machine asking the caller something with prompts of
        ``purposes``: the caller's keys, those prompts' end or failure, the flow's timer."""
        match event:
            case e.DigitPressed(channel=channel):
                return channel == caller
            case e.PlaybackFinished(playback=playback) | e.RequestFailed(command=Play(playback=playback)):
                return self.purpose(playback) in purposes
            case h.TimerExpired():
                return True
        return False

    def stop(self, which: Callable[[str], bool] = lambda purpose: True) -> list[StopPlayback]:
        """Stop the playbacks whose purpose ``which`` selects (every one by default)."""
        chosen = [playback for playback, (_, purpose) in self.playbacks.items() if which(purpose)]
        for playback in chosen:
            del self.playbacks[playback]
        return [StopPlayback(playback) for playback in chosen]

    def ringback(self, on: bool) -> list[Ringback]:
        if on == self.ringing:
            return []
        self.ringing = on
        return [Ringback(on)]

    def playing(self, purpose: str) -> bool:
        return any(p == purpose for _, p in self.playbacks.values())

    @property
    def caller_playing(self) -> bool:
        return any(channel == self.call_id for channel, _ in self.playbacks.values())

    def heard(self, *, handed_off: bool, gone: bool, answered: bool, bridged: bool, waiting_digit: bool,
              recording: bool) -> Hearing:
        """What the caller hears, from the call's state and what plays (never "silence" for a live call)."""
        states: tuple[tuple[bool, Hearing], ...] = (
            (handed_off, "nothing: handed to the dialplan"), (gone, "nothing: gone"), (not answered, "ringing"),
            (bridged, "conversation"), (self.caller_playing, "prompt"), (self.ringing, "ringback"),
            (waiting_digit, "waiting for a digit"), (recording, "recording"))
        return next((hearing for true, hearing in states if true), "silence")
