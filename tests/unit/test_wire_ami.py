from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astreinte.wire.ami import AmiParser, AmiProtocolError, encode_action


def test_banner_then_messages_split_anywhere() -> None:
    stream = (b"Asterisk Call Manager/11.0.0\r\n"
              b"Response: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n"
              b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n")
    for cut in range(len(stream)):
        parser = AmiParser()
        messages = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert parser.banner == "Asterisk Call Manager/11.0.0"
        assert [m.response or m.event for m in messages] == ["Success", "FullyBooted"]
        assert messages[0].action_id == "a-1"
        assert messages[1].get("status") == "Fully Booted"


def test_repeated_keys_are_kept_in_order() -> None:
    parser = AmiParser()
    (msg,) = parser.feed(b"banner\r\nResponse: Success\r\nOutput: line 1\r\nOutput: line 2\r\n\r\n")
    assert msg.all("Output") == ["line 1", "line 2"]


def test_value_with_colon_is_kept_whole() -> None:
    parser = AmiParser()
    (msg,) = parser.feed(b"banner\r\nEvent: X\r\nUniqueid: 1.2\r\nTimestamp: 10:20:30\r\n\r\n")
    assert msg.get("Timestamp") == "10:20:30"


def test_endless_message_is_refused() -> None:
    parser = AmiParser()
    parser.feed(b"banner\r\n")
    with pytest.raises(AmiProtocolError):
        for _ in range(2000):
            parser.feed(b"Key: " + b"x" * 1000 + b"\r\n")


def test_encode_action_with_repeated_variable() -> None:
    data = encode_action("Originate", "id-7", {"Channel": "PJSIP/alice", "Variable": ["A=1", "B=2"]})
    assert data == (b"Action: Originate\r\nActionID: id-7\r\nChannel: PJSIP/alice\r\n"
                    b"Variable: A=1\r\nVariable: B=2\r\n\r\n")


@pytest.mark.parametrize("value", ["x\r\nAction: Command", "a\nb", "c\rd"])
def test_encode_action_refuses_line_breaks(value: str) -> None:
    with pytest.raises(AmiProtocolError):
        encode_action("DBPut", "id", {"Family": "astreinte", "Val": value})


@given(st.binary(max_size=2000))
def test_parser_never_crashes_on_garbage(data: bytes) -> None:
    parser = AmiParser()
    with contextlib.suppress(AmiProtocolError):
        parser.feed(data)
