"""ARI WebSocket events as typed values.

Only the events astreinte acts on get a class; everything else parses to
``OtherEvent`` so an unexpected or newer event never breaks the reader.
Field names keep Asterisk's meaning; see the ARI "Events" reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from astreinte.domain.hunt_events import FailCause

# Q.850 causes of a phone leg that ended before it was answered, as the hunt names them
FAILURE_CAUSES: dict[int, FailCause] = {
    17: "busy",
    18: "no_answer", 19: "no_answer",
    21: "rejected",
    1: "unreachable", 3: "unreachable", 20: "unreachable", 27: "unreachable", 31: "unreachable",
    34: "congestion", 38: "congestion", 41: "congestion", 42: "congestion", 44: "congestion",
}


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    state: str
    caller_number: str
    caller_name: str
    exten: str
    context: str
    created: datetime | None = None      # Asterisk's ``creationtime``: when the caller arrived

    @property
    def endpoint(self) -> str:
        """``PJSIP/alice-00000001`` -> ``PJSIP/alice``."""
        base, _, _ = self.name.rpartition("-")
        return base or self.name


@dataclass(frozen=True)
class Event:
    type: str
    timestamp: datetime | None
    application: str


@dataclass(frozen=True)
class StasisStart(Event):
    channel: Channel
    args: tuple[str, ...] = ()
    replace_channel: Channel | None = None


@dataclass(frozen=True)
class StasisEnd(Event):
    channel: Channel


@dataclass(frozen=True)
class ChannelStateChange(Event):
    channel: Channel


@dataclass(frozen=True)
class ChannelDestroyed(Event):
    channel: Channel
    cause: int
    cause_txt: str


@dataclass(frozen=True)
class ChannelHangupRequest(Event):
    channel: Channel
    cause: int | None


@dataclass(frozen=True)
class ChannelDtmfReceived(Event):
    channel: Channel
    digit: str
    duration_ms: int


@dataclass(frozen=True)
class Dial(Event):
    peer: Channel
    dialstatus: str


@dataclass(frozen=True)
class PlaybackStarted(Event):
    playback_id: str
    target_uri: str
    media_uri: str


@dataclass(frozen=True)
class PlaybackFinished(Event):
    playback_id: str
    target_uri: str
    media_uri: str
    state: str           # "done", "failed", "cancelled"...


@dataclass(frozen=True)
class RecordingFinished(Event):
    name: str
    target_uri: str
    duration: int | None
    state: str


@dataclass(frozen=True)
class RecordingFailed(Event):
    name: str
    target_uri: str
    cause: str


@dataclass(frozen=True)
class ChannelEnteredBridge(Event):
    bridge_id: str
    channel: Channel


@dataclass(frozen=True)
class ChannelLeftBridge(Event):
    bridge_id: str
    channel: Channel


@dataclass(frozen=True)
class EndpointStateChange(Event):
    technology: str
    resource: str
    state: str           # "online", "offline", "unknown"


@dataclass(frozen=True)
class PeerStatusChange(EndpointStateChange):
    """An endpoint went online or offline (``peer_status`` ``Reachable``, ``Unreachable``...).

    Asterisk sends it only when the endpoint's state changes, with the endpoint's new state, right
    after the ``EndpointStateChange`` of that change; ``EndpointStateChange`` also comes for every
    channel the endpoint opens or closes (two a leg), so the app asks for this one alone."""

    peer_status: str = ""


@dataclass(frozen=True)
class OtherEvent(Event):
    raw: Mapping[str, Any] = field(default_factory=dict)


def parse_channel(d: Mapping[str, Any]) -> Channel:
    caller = d.get("caller") or {}
    dialplan = d.get("dialplan") or {}
    return Channel(
        id=str(d.get("id", "")),
        name=str(d.get("name", "")),
        state=str(d.get("state", "")),
        caller_number=str(caller.get("number", "")),
        caller_name=str(caller.get("name", "")),
        exten=str(dialplan.get("exten", "")),
        context=str(dialplan.get("context", "")),
        created=_timestamp(d.get("creationtime")),
    )


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:  # Asterisk writes "2026-11-22T10:50:16.539+0000" (fromisoformat: 100x faster than strptime)
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_event(d: Mapping[str, Any]) -> Event:
    """Turn one decoded WebSocket message into an Event (never raises on well-formed JSON objects)."""
    kind = str(d.get("type", ""))
    base: dict[str, Any] = {
        "type": kind,
        "timestamp": _timestamp(d.get("timestamp")),
        "application": str(d.get("application", "")),
    }
    try:
        return _PARSERS[kind](d, base)
    except (KeyError, TypeError, ValueError, AttributeError):
        return OtherEvent(**base, raw=d)


def _playback(d: Mapping[str, Any]) -> dict[str, Any]:
    p = d["playback"]
    return {"playback_id": str(p["id"]), "target_uri": str(p.get("target_uri", "")),
            "media_uri": str(p.get("media_uri", ""))}


_PARSERS: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], Event]] = {
    "StasisStart": lambda d, b: StasisStart(
        **b, channel=parse_channel(d["channel"]), args=tuple(str(a) for a in d.get("args", ())),
        replace_channel=parse_channel(d["replace_channel"]) if d.get("replace_channel") else None),
    "StasisEnd": lambda d, b: StasisEnd(**b, channel=parse_channel(d["channel"])),
    "ChannelStateChange": lambda d, b: ChannelStateChange(**b, channel=parse_channel(d["channel"])),
    "ChannelDestroyed": lambda d, b: ChannelDestroyed(
        **b, channel=parse_channel(d["channel"]), cause=int(d.get("cause", 0)),
        cause_txt=str(d.get("cause_txt", ""))),
    "ChannelHangupRequest": lambda d, b: ChannelHangupRequest(
        **b, channel=parse_channel(d["channel"]),
        cause=int(d["cause"]) if d.get("cause") is not None else None),
    "ChannelDtmfReceived": lambda d, b: ChannelDtmfReceived(
        **b, channel=parse_channel(d["channel"]), digit=str(d["digit"]),
        duration_ms=int(d.get("duration_ms", 0))),
    "Dial": lambda d, b: Dial(**b, peer=parse_channel(d["peer"]), dialstatus=str(d.get("dialstatus", ""))),
    "PlaybackStarted": lambda d, b: PlaybackStarted(**b, **_playback(d)),
    "PlaybackFinished": lambda d, b: PlaybackFinished(
        **b, **_playback(d), state=str(d["playback"].get("state", ""))),
    "RecordingFinished": lambda d, b: RecordingFinished(
        **b, name=str(d["recording"]["name"]), target_uri=str(d["recording"].get("target_uri", "")),
        duration=d["recording"].get("duration"), state=str(d["recording"].get("state", ""))),
    "RecordingFailed": lambda d, b: RecordingFailed(
        **b, name=str(d["recording"]["name"]), target_uri=str(d["recording"].get("target_uri", "")),
        cause=str(d["recording"].get("cause", ""))),
    "ChannelEnteredBridge": lambda d, b: ChannelEnteredBridge(
        **b, bridge_id=str(d["bridge"]["id"]), channel=parse_channel(d["channel"])),
    "ChannelLeftBridge": lambda d, b: ChannelLeftBridge(
        **b, bridge_id=str(d["bridge"]["id"]), channel=parse_channel(d["channel"])),
    "EndpointStateChange": lambda d, b: EndpointStateChange(
        **b, technology=str(d["endpoint"]["technology"]), resource=str(d["endpoint"]["resource"]),
        state=str(d["endpoint"].get("state", "unknown"))),
    "PeerStatusChange": lambda d, b: PeerStatusChange(
        **b, technology=str(d["endpoint"]["technology"]), resource=str(d["endpoint"]["resource"]),
        state=str(d["endpoint"].get("state", "unknown")), peer_status=str(d.get("peer", {}).get("peer_status", ""))),
}
