"""The FastAGI codec: what Asterisk sends is parsed, what we send cannot smuggle a second command."""

from __future__ import annotations

import pytest

from astreinte.wire.agi import (
    MAX_LINE,
    AgiParser,
    AgiProtocolError,
    Hangup,
    Reply,
    Request,
    quote,
    set_variable,
    verbose,
)

ENV = (b"agi_network: yes\nagi_network_script: chain\nagi_request: agi://127.0.0.1:4573/chain\n"
       b"agi_channel: PJSIP/trunk-00000002\nagi_uniqueid: 1795346096.2\nagi_extension: 1000\n"
       b"agi_callerid: 0611223344\nagi_arg_1: x\n\n")


def test_environment_then_replies() -> None:
    parser = AgiParser()
    (request,) = parser.feed(ENV)
    assert isinstance(request, Request)
    assert (request.script, request.extension, request.channel, request.uniqueid, request.arg(1)) == (
        "chain", "1000", "PJSIP/trunk-00000002", "1795346096.2", "x")
    assert parser.feed(b"200 result=1\n") == [Reply(200, 1, "", "200 result=1")]
    assert parser.feed(b"200 result=0 (timeout)\r\n") == [Reply(200, 0, "timeout", "200 result=0 (timeout)")]
    (bad,) = parser.feed(b"510 Invalid or unknown command\n")
    assert isinstance(bad, Reply) and not bad.ok and bad.result is None
    assert parser.feed(b"HANGUP\n") == [Hangup()]


def test_bytes_can_arrive_one_at_a_time() -> None:
    parser = AgiParser()
    items = [item for byte in ENV + b"200 result=1\n" for item in parser.feed(bytes([byte]))]
    assert [type(i) for i in items] == [Request, Reply]


def test_a_multi_line_usage_reply_is_one_reply() -> None:
    parser = AgiParser()
    parser.feed(ENV)
    items = parser.feed(b"520-Invalid command syntax.  Proper usage follows:\nUsage: SET VARIABLE\n"
                        b"520 End of proper usage.\n")
    assert len(items) == 1 and isinstance(items[0], Reply) and items[0].code == 520 and "Usage" in items[0].text


def test_script_path_drops_query_and_slashes() -> None:
    parser = AgiParser()
    (request,) = parser.feed(b"agi_network_script: /chain?x=1\n\n")
    assert isinstance(request, Request) and request.script == "chain"


@pytest.mark.parametrize("garbage", [
    b"\n",                                   # empty environment
    b"GET / HTTP/1.1\n",                     # not an AGI environment line
    b"agi_ext ension: 1\n",
    b"x" * (MAX_LINE + 1) + b"\n",           # overlong line
    b"x" * (MAX_LINE + 1),                   # overlong, never ended
    b"agi_a: b\n" * 201,                     # environment too long
])
def test_garbage_is_a_protocol_error(garbage: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        AgiParser().feed(garbage)


def test_garbage_reply_is_a_protocol_error() -> None:
    parser = AgiParser()
    parser.feed(ENV)
    with pytest.raises(AgiProtocolError):
        parser.feed(b"hello\n")


def test_set_variable_quotes_and_refuses_line_breaks() -> None:
    assert set_variable("ASTREINTE_DIAL_1", "PJSIP/alice&PJSIP/bob") == \
        b'SET VARIABLE ASTREINTE_DIAL_1 "PJSIP/alice&PJSIP/bob"\n'
    assert quote('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert verbose("hi", 2) == b'VERBOSE "hi" 2\n'
    for value in ("a\nHANGUP", "a\rb", "a\x00b"):
        with pytest.raises(AgiProtocolError):
            set_variable("X", value)
    for name in ("X Y", "X\n", "${X}", "1X", ""):
        with pytest.raises(AgiProtocolError):
            set_variable(name, "v")
