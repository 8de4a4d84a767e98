from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from astreinte.wire import ari_events as a

CHANNEL = {"id": "1795345009.0", "name": "PJSIP/trunk-00000001", "state": "Up",
           "caller": {"name": "caller", "number": "0611223344"},
           "dialplan": {"context": "from-trunk", "exten": "1000", "priority": 2}}


def test_stasis_start_with_args() -> None:
    event = a.parse_event({"type": "StasisStart", "timestamp": "2026-11-22T10:56:49.218+0000",
                           "application": "astreinte", "args": ["1000"], "channel": CHANNEL})
    assert isinstance(event, a.StasisStart)
    assert event.args == ("1000",)
    assert event.channel.caller_number == "0611223344"
    assert event.channel.endpoint == "PJSIP/trunk"
    assert event.timestamp is not None and event.timestamp.microsecond == 218000


def test_channel_destroyed_cause() -> None:
    event = a.parse_event({"type": "ChannelDestroyed", "cause": 17, "cause_txt": "User busy", "channel": CHANNEL})
    assert isinstance(event, a.ChannelDestroyed) and event.cause == 17


def test_playback_finished_state() -> None:
    event = a.parse_event({"type": "PlaybackFinished", "playback": {
        "id": "p1", "target_uri": "channel:1795345009.0", "media_uri": "sound:x", "state": "failed"}})
    assert isinstance(event, a.PlaybackFinished) and event.state == "failed"
    assert event.target_uri == "channel:1795345009.0"


def test_peer_status_change_says_the_endpoints_new_state() -> None:
    """As Asterisk 22 sends it when a softphone unregisters (seen in the lab, tests/e2e/test_softphone.py)."""
    event = a.parse_event({"type": "PeerStatusChange", "application": "astreinte",
                           "peer": {"peer_status": "Unreachable"},
                           "endpoint": {"technology": "PJSIP", "resource": "zoe", "state": "offline",
                                        "channel_ids": []}})
    assert isinstance(event, a.PeerStatusChange) and isinstance(event, a.EndpointStateChange)
    assert (event.technology, event.resource, event.state, event.peer_status) == ("PJSIP", "zoe", "offline",
                                                                                 "Unreachable")


def test_unknown_and_malformed_events_do_not_raise() -> None:
    assert isinstance(a.parse_event({"type": "BridgeVideoSourceChanged"}), a.OtherEvent)
    assert isinstance(a.parse_event({"type": "StasisStart"}), a.OtherEvent)       # no channel
    assert isinstance(a.parse_event({"type": "ChannelDtmfReceived", "channel": "oops"}), a.OtherEvent)


json_values: Any = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                lambda inner: st.lists(inner, max_size=3)
                                | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


@given(st.sampled_from(["StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelDtmfReceived", "Dial",
                        "PlaybackFinished", "EndpointStateChange", "PeerStatusChange", "ChannelEnteredBridge",
                        "RecordingFinished"]),
       st.dictionaries(st.sampled_from(["channel", "peer", "playback", "endpoint", "bridge", "recording",
                                        "args", "digit", "cause", "timestamp"]), json_values, max_size=6))
def test_parse_event_never_raises(kind: str, fields: dict[str, Any]) -> None:
    assert isinstance(a.parse_event({"type": kind, **fields}), a.Event)
