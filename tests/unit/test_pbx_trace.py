"""The PBX tiers' trace of a call, read back from AstDB (astreinte/domain/calls/pbx_trace.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astreinte.dialplan import TRACE_FAMILY
from astreinte.dialplan_file import render
from astreinte.domain.calls import pbx_trace
from astreinte.domain.calls.pbx_trace import BadTrace, parse, record, traces
from tests.helpers.calls import example

START = 1794535200          # 2026-11-13 02:00 UTC
PEOPLE = {"PJSIP/alice": "alice", "PJSIP/bob": "bob", "+33611223344": "bob"}


def tree(uniqueid: str = "1794535200.12", **keys: str) -> dict[str, str]:
    base = {"start": str(START), "number": "1000", "caller": "0611223344", "reason": "daemon-restarted",
            "a1": f"1!PJSIP/alice!NOANSWER!{START + 15}!15!0!",
            "a2": f"2!PJSIP/bob&+33611223344!BUSY!{START + 16}!1!0!",
            "recording": f"{START + 18}!/var/spool/asterisk/astreinte/1000-{uniqueid}.wav",
            "tier": "voicemail", "end": str(START + 40)} | keys
    return {f"/{TRACE_FAMILY}/{uniqueid}/{name}": value for name, value in base.items() if value}


def test_the_keys_are_grouped_by_call_and_stray_ones_reported() -> None:
    calls, stray = traces({**tree(), **tree("1794535300.1"), f"/{TRACE_FAMILY}/orphan": "x"})
    assert sorted(calls) == ["1794535200.12", "1794535300.1"] and stray == [f"/{TRACE_FAMILY}/orphan"]


def test_a_voicemail_call_becomes_a_call_log_row_with_its_attempts() -> None:
    (keys,) = traces(tree())[0].values()
    trace = parse("1794535200.12", keys)
    assert (trace.tier, trace.reason, trace.number, trace.caller) == ("voicemail", "daemon-restarted", "1000",
                                                                      "0611223344")
    row = record(trace, "support", PEOPLE, duration=20.0)
    assert (row.id, row.outcome, row.tier, row.team, row.answered_by) == \
        ("1794535200.12", "voicemail", "voicemail", "support", None)
    assert [(a.level, a.person, a.phone, a.result) for a in row.attempts] == [
        (1, "alice", "PJSIP/alice", "no_answer"), (2, "bob", "PJSIP/bob", "busy"), (2, "bob", "+33611223344", "busy")]
    assert row.attempts[0].started_at == datetime.fromtimestamp(START, UTC)
    assert pbx_trace.has_message(trace, 20.0) and not pbx_trace.has_message(trace, 0.4)


def test_an_answered_call_names_the_phone_that_took_it() -> None:
    (keys,) = traces(tree(a2=f"2!PJSIP/bob&+33611223344!ANSWER!{START + 90}!70!60!PJSIP/bob-0000001a",
                          recording="", tier="astdb"))[0].values()
    row = record(parse("1794535200.12", keys), "support", PEOPLE, None)
    assert (row.outcome, row.answered_by) == ("answered", "bob")
    assert [a.result for a in row.attempts] == ["no_answer", "answered", "cancelled"]
    assert row.connected_at == datetime.fromtimestamp(START + 30, UTC)


def test_a_caller_who_hung_up_at_the_beep_left_no_message() -> None:
    (keys,) = traces(tree())[0].values()
    row = record(parse("1794535200.12", keys), "support", PEOPLE, duration=0.2)
    assert row.outcome == "abandoned"


def test_a_trace_without_end_is_complete_only_once_no_call_can_last_that_long() -> None:
    (keys,) = traces(tree(end=""))[0].values()
    trace = parse("1794535200.12", keys)
    began = datetime.fromtimestamp(START, UTC)
    assert not trace.complete(began + timedelta(minutes=5), timedelta(hours=2))
    assert trace.complete(began + timedelta(hours=2, seconds=1), timedelta(hours=2))
    assert "no end recorded: Asterisk stopped during the call" in [text for _, _, text in
                                                                     pbx_trace.steps(trace, began)]


@pytest.mark.parametrize(("key", "value"), [
    ("start", "yesterday"), ("a1", "1!PJSIP/alice,t!NOANSWER!1!1!0!"), ("a1", "1!PJSIP/alice"),
    ("recording", f"{START}!/etc/../passwd.wav"), ("caller", "06;rm"), ("tier", "stasis"),
])
def test_untrusted_values_are_refused_naming_the_key(key: str, value: str) -> None:
    keys = next(iter(traces(tree(**{key: value}))[0].values()))
    with pytest.raises(BadTrace, match=key):
        parse("1794535200.12", keys)


def test_the_generated_dialplan_writes_every_key_the_reader_reads() -> None:
    text = render(example())
    for name in ("start", "number", "caller", "reason", "a${I}", "recording", "tier", "end", "blocked"):
        assert f"DB({TRACE_FAMILY}/${{ASTREINTE_CALL}}/{name})" in text, name
    assert "Set(CHANNEL(hangup_handler_push)=astreinte-trace,end,1)" in text
