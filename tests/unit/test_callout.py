"""A message called out (astreinte/domain/calls/callout.py), scripted without Asterisk.

The example configuration on Saturday 7 November 2026 at noon: support in service, alice at level 1
(PJSIP/alice), dave at level 2; 20 s per level. The message: 0611223344 on 1000, 42 s.
"""

from __future__ import annotations

from dataclasses import replace

from astreinte.domain.calling import MessagePolicy
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.callout_line import (
    Acknowledge,
    AcknowledgeDone,
    MarkHeard,
    MessageAcknowledged,
    StoreFailed,
)
from tests.helpers.callouts import CALLOUT, MESSAGE, CalloutScript, callout_line, names
from tests.helpers.calls import TUESDAY_NOON

ALICE = f"{CALLOUT}-s1-L1"


def listened(call: CalloutScript) -> None:
    """alice answers, presses 1 during the intro and hears the whole message: the menu plays."""
    call.answers(ALICE)
    call.presses(ALICE, "1", after=2.0)
    call.finished(MESSAGE.media or "", after=42.0)


def test_round_1_rings_level_1_only_showing_the_on_call_line() -> None:
    call = CalloutScript(callout_line())
    (leg,) = call.originated()
    assert (leg.leg, leg.endpoint, leg.timeout) == (ALICE, "PJSIP/alice", 30)
    assert leg.caller_id == '"Message support" <1000>'
    assert call.traces()[:2] == ["calling out message 7 from 0611223344 for team support: round 1 (message)",
                                 "ringing alice (level 1) on PJSIP/alice"]


def test_answer_listen_and_press_1_acknowledges_the_message() -> None:
    call = CalloutScript(callout_line())
    out = call.answers(ALICE)
    assert c.Engaged("alice", True) in out and call.played(out) == ["sound:intro"]
    out = call.presses(ALICE, "1", after=3.0)
    assert names(out) == ["StopPlayback", "Play"] and call.played(out) == [MESSAGE.media]
    assert not call.of(MarkHeard), "pressing 1 to listen is not having heard it"
    out = call.finished(MESSAGE.media or "", after=42.0)
    assert MarkHeard(7, "alice", "PJSIP/alice") in out and call.played(out) == ["sound:menu"]
    out = call.presses(ALICE, "1", after=4.0)
    assert Acknowledge(7, "alice", "PJSIP/alice", "key 1") in out
    out = call.send(AcknowledgeDone("alice", "phone", first=True), after=0.01)
    assert call.played(out) == ["sound:acked"]
    out = call.finished("sound:acked", after=2.0)
    assert c.Hangup(ALICE) in out and c.Engaged("alice", False) in out
    record = call.saved().record
    assert (record.outcome, record.reason, record.answered_by, record.tier) == \
        ("answered", "acknowledged", "alice", "callout")
    assert [(a.person, a.result, a.round) for a in record.attempts] == [("alice", "answered", 1)]
    assert call.flow.result.acknowledged and call.flow.result.heard_by == "alice"


def test_nobody_answers_the_round_is_over_after_the_ring_time() -> None:
    call = CalloutScript(callout_line())
    assert call.wait(19.9) == []
    out = call.wait(0.2)
    assert c.Hangup(ALICE) in out and call.flow.finished
    record = call.saved().record
    assert (record.outcome, record.reason) == ("failed", "nobody_available")
    assert [(a.person, a.result) for a in record.attempts] == [("alice", "no_answer")]
    assert not call.flow.result.acknowledged


def test_escalate_rings_the_next_level_in_the_next_round_else_level_1_again() -> None:
    assert [o.endpoint for o in CalloutScript(callout_line(round_=2)).originated()] == ["PJSIP/dave"]
    assert [o.endpoint for o in CalloutScript(callout_line(round_=5)).originated()] == ["PJSIP/dave"]
    flat = MessagePolicy(callout=True, escalate=False)
    assert [o.endpoint for o in CalloutScript(callout_line(round_=2, policy=flat)).originated()] == ["PJSIP/alice"]


def test_a_level_nobody_can_be_rung_at_gives_way_to_the_next_in_the_same_round() -> None:
    call = CalloutScript(callout_line(), unreachable=frozenset({"PJSIP/alice"}))
    assert [o.endpoint for o in call.originated()] == ["PJSIP/dave"]
    assert "level 1: nobody can be rung (phones offline or busy)" in call.traces()
    call.wait(21)
    assert [(a.person, a.result) for a in call.saved().record.attempts] == \
        [("alice", "unreachable"), ("dave", "no_answer")]


def test_nobody_reachable_at_all_ends_at_once() -> None:
    call = CalloutScript(callout_line(), unreachable=frozenset({"PJSIP/alice", "PJSIP/dave"}))
    assert call.originated() == [] and call.flow.finished
    assert call.saved().record.reason == "nobody_reachable"


def test_an_acknowledgement_elsewhere_cancels_the_ringing_leg_at_once() -> None:
    call = CalloutScript(callout_line())
    out = call.send(MessageAcknowledged("bob", "cli"), after=5.0)
    assert c.Hangup(ALICE) in out and call.flow.finished
    assert call.saved().record.reason == "acknowledged_elsewhere"
    assert call.flow.result.acknowledged, "no more rounds"


def test_an_acknowledgement_elsewhere_while_listening_says_so_then_hangs_up() -> None:
    call = CalloutScript(callout_line())
    call.answers(ALICE)
    call.presses(ALICE, "1")
    out = call.send(MessageAcknowledged("bob", "web"), after=3.0)
    assert names(out)[:2] == ["StopPlayback", "Play"] and call.played(out) == ["sound:acked-elsewhere"]
    out = call.finished("sound:acked-elsewhere", after=3.0)
    assert c.Hangup(ALICE) in out and call.saved().record.reason == "acknowledged_elsewhere"


def test_hanging_up_after_hearing_is_not_an_acknowledgement() -> None:
    call = CalloutScript(callout_line())
    listened(call)
    out = call.send(e.ChannelGone(ALICE, 16, "Normal Clearing"), after=2.0)
    assert not call.of(Acknowledge, out) and call.flow.finished
    assert c.Hangup(ALICE) not in out, "already gone"
    assert call.saved().record.reason == "heard_not_acknowledged"
    result = call.flow.result
    assert not result.acknowledged and result.heard_by == "alice"


def test_an_answering_machine_hears_the_intro_three_times_and_nothing_is_marked() -> None:
    call = CalloutScript(callout_line())
    call.answers(ALICE)
    for _ in range(3):
        call.finished("sound:intro", after=10.0)
        call.wait(8.0)
    assert call.played().count("sound:intro") == 3 and call.played()[-1] == "sound:not-acked"
    call.finished("sound:not-acked", after=4.0)
    assert not call.of(MarkHeard) and not call.of(Acknowledge)
    assert call.saved().record.reason == "not_acknowledged"


def test_keys_during_the_message_count_3_replays_and_1_acknowledges_having_heard() -> None:
    call = CalloutScript(callout_line())
    call.answers(ALICE)
    call.presses(ALICE, "1")
    out = call.presses(ALICE, "3", after=5.0)
    assert call.played(out) == [MESSAGE.media] and not call.of(MarkHeard)
    out = call.presses(ALICE, "1", after=5.0)
    assert names(out) == ["StopPlayback", "MarkHeard", "Acknowledge"]


def test_2_calls_the_caller_back_through_the_outbound_trunk_showing_the_line() -> None:
    call = CalloutScript(callout_line())
    listened(call)
    out = call.presses(ALICE, "2", after=1.0)
    assert call.played(out) == ["sound:calling-back"]
    (customer,) = [o for o in call.of(c.Originate, out) if isinstance(o, c.Originate)]
    assert (customer.endpoint, customer.caller_id) == ("PJSIP/0611223344@trunk-out", '"ASTREINTE support" <1000>')
    out = call.finished("sound:calling-back", after=2.0)
    assert call.played(out) == ["tone:ring;tonezone=fr"]
    out = call.answers(customer.leg, after=4.0)
    bridge = next(b for b in out if isinstance(b, c.Bridge))
    assert names(out)[:2] == ["StopPlayback", "Bridge"] and bridge.channels == (ALICE, customer.leg)
    assert Acknowledge(7, "alice", "PJSIP/alice", "callback") in out
    call.send(AcknowledgeDone("alice", "phone", first=True))
    assert not call.flow.finished, "the conversation goes on"
    out = call.send(e.ChannelGone(customer.leg, 16), after=60.0)
    assert c.Hangup(ALICE) in out and c.DestroyBridge(bridge.bridge) in out
    record = call.saved().record
    assert (record.reason, record.answered_by) == ("callback", "alice")
    assert "bridged alice with the caller 0611223344" in call.traces()


def test_a_callback_nobody_answers_goes_back_to_the_menu() -> None:
    call = CalloutScript(callout_line())
    listened(call)
    call.presses(ALICE, "2")
    customer = call.originated()[-1].leg
    out = call.send(e.ChannelGone(customer, 19, "No Answer"), after=45.0)
    assert call.played(out) == ["sound:callback-failed"]
    assert call.played(call.finished("sound:callback-failed", after=2.0)) == ["sound:menu"]
    assert not call.flow.finished


def test_a_withheld_number_cannot_be_called_back() -> None:
    call = CalloutScript(callout_line(message=replace(MESSAGE, caller="")))
    listened(call)
    out = call.presses(ALICE, "2")
    assert call.played(out) == ["sound:no-number"] and not call.of(c.Originate, out)
    assert call.played(call.finished("sound:no-number")) == ["sound:menu"]


def test_a_message_without_audio_is_heard_once_its_details_are() -> None:
    call = CalloutScript(callout_line(message=replace(MESSAGE, media=None)))
    call.answers(ALICE)
    out = call.presses(ALICE, "1")
    assert MarkHeard(7, "alice", "PJSIP/alice") in out and call.played(out) == ["sound:menu"]


def test_outside_service_the_round_goes_to_at_opening_or_nowhere() -> None:
    policy = MessagePolicy(callout=True, at_opening="PJSIP/reception")
    call = CalloutScript(callout_line(at=TUESDAY_NOON, policy=policy), TUESDAY_NOON)
    assert [o.endpoint for o in call.originated()] == ["PJSIP/reception"]
    nowhere = CalloutScript(callout_line(at=TUESDAY_NOON), TUESDAY_NOON)
    assert nowhere.originated() == [] and nowhere.saved().record.reason == "nobody_reachable"


def test_the_store_failing_to_acknowledge_says_not_acknowledged() -> None:
    call = CalloutScript(callout_line())
    listened(call)
    call.presses(ALICE, "1")
    ack = call.of(Acknowledge)[0]
    assert isinstance(ack, Acknowledge)
    out = call.send(StoreFailed(ack, "database is locked"))
    assert call.played(out) == ["sound:not-acked"]
    assert not call.flow.result.acknowledged
