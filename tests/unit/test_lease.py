"""The call's lease (astreinte/domain/calls/lease.py): renewed while the daemon holds the caller,
extended for a conversation or a message, and what a late or taken-back call does. Pure; the lab
proves Asterisk's side (tests/e2e/test_lease.py)."""

from __future__ import annotations

from datetime import timedelta

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.flow import CallFlow
from astreinte.domain.calls.lease import FIRST_LEASE, RENEW_EVERY, TERM, arrival
from tests.helpers.calls import CALL, SATURDAY_NOON, CallScript, line

NOT_IN_STASIS = "ARI POST /channels/x/variable: HTTP 422 Channel not in Stasis application"


def leases(commands: list[c.Command]) -> list[tuple[str, int, bool]]:
    return [(x.channel, x.seconds, x.last) for x in commands if isinstance(x, c.Lease)]


def test_the_daemon_takes_the_call_then_renews_while_it_rings() -> None:
    call = CallScript(line())
    assert leases(call.last) == [], "no renewal on the call's start: the dialplan's 3 s last till the first"
    assert call.flow.deadline == call.now + timedelta(seconds=RENEW_EVERY)
    out = call.greeted()
    assert leases(call.sent)[0] == (CALL, TERM + 10, False), "moved past the greeting (10 s for sound:greeting)"
    assert out == call.last
    call.wait(10.0)
    renewals = leases(call.sent)[1:]
    assert len(renewals) == int(10.0 / RENEW_EVERY) and set(renewals) == {(CALL, TERM, False)}
    assert call.flow.lease.expires - call.now >= timedelta(seconds=TERM - RENEW_EVERY)


def test_an_answered_leg_is_leased_and_a_conversation_is_leased_for_the_rest_of_the_call() -> None:
    call = CallScript(line())
    call.greeted()
    leg = call.legs()[0]
    out = call.send(e.ChannelAnswered(leg), after=2.0)
    assert (leg, TERM, False) in leases(out), "a leg left by a dead daemon is hung up by Asterisk"
    call.wait(3.0)
    assert leases(call.sent).count((leg, TERM, False)) == 1 + 3, "held at once, then renewed with the caller"
    call.send(e.DigitPressed(leg, "1"), after=0.5)
    out = call.finished("sound:greeting", after=0.5)
    assert call.flow.bridge is not None
    rest = 7200 - 6
    assert sorted(leases(out)) == sorted([(CALL, rest, True), (leg, rest, True)]), "a dead daemon never cuts it"
    saved = [x for x in out if isinstance(x, c.SaveArrival)]
    assert saved and saved[0].record.answered_by == "alice" and saved[0].record.connected_at is not None
    before = len(call.of(c.Lease))
    call.wait(600.0)
    assert len(call.of(c.Lease)) == before, "no renewal once bridged"


def test_a_message_is_leased_for_its_recording_and_the_dialplan_gets_the_rest_of_the_call() -> None:
    call = CallScript(line())
    call.greeted()
    call.finished("sound:greeting", after=6.0)
    call.wait(4 * 20.0 + 1)
    out = call.finished("sound:leave-a-message", after=4.0)
    assert leases(out) == [(CALL, 120 + 15, False)], "the recording completes even if the daemon dies"
    unknown = CallScript(line(number="4242"))
    unknown.answered()
    out = unknown.finished("sound:unknown", after=1.5)
    assert [x for x in out if isinstance(x, c.ToDialplan)] == [c.ToDialplan("4242", "unknown-number", 7199)]


def test_a_call_seen_after_its_lease_lapsed_is_left_to_the_dialplan_untouched() -> None:
    """A frozen daemon wakes up to StasisStart events 30 s old: those callers are in the PBX tiers."""
    arrived = SATURDAY_NOON - timedelta(seconds=30)
    flow = CallFlow(CALL, line(), arrival(SATURDAY_NOON, arrived), answered=False)
    out = flow.start(SATURDAY_NOON)
    assert not [x for x in out if isinstance(x, (c.Answer, c.Lease, c.Originate, c.Hangup, c.Play))]
    assert flow.finished and flow.hearing == "nothing: handed to the dialplan"
    [saved] = [x for x in out if isinstance(x, c.SaveCall)]
    record = saved.record
    assert (record.outcome, record.reason, record.tier) == ("failed", "lease_expired", "dialplan")
    assert record.started_at == arrived and record.wait_seconds == FIRST_LEASE, \
        "the caller's wait, from the channel's creation to the lease's end (not the daemon's late look)"


def test_a_call_seen_within_its_first_lease_is_taken() -> None:
    arrived = SATURDAY_NOON - timedelta(seconds=FIRST_LEASE - 1)
    flow = CallFlow(CALL, line(), arrival(SATURDAY_NOON, arrived), answered=False)
    out = flow.start(SATURDAY_NOON)
    assert c.Answer() in out and c.Lease(CALL, TERM) in out
    assert flow.record.started_at == arrived


def test_the_arrival_is_asterisks_creation_time_unless_it_is_later_than_ours() -> None:
    assert arrival(SATURDAY_NOON, SATURDAY_NOON - timedelta(seconds=31)) == SATURDAY_NOON - timedelta(seconds=31)
    assert arrival(SATURDAY_NOON, SATURDAY_NOON + timedelta(seconds=2)) == SATURDAY_NOON, "a clock ahead of ours"
    assert arrival(SATURDAY_NOON, None) == SATURDAY_NOON


def test_a_caller_the_dialplan_took_back_mid_hunt_is_never_hunted_again() -> None:
    """After a freeze, the renewal answers 422: the channel left Stasis; the phones stop, nobody is rung."""
    call = CallScript(line())
    call.greeted()
    leg = call.legs()[0]
    out = call.send(e.RequestFailed(c.Lease(CALL, TERM), NOT_IN_STASIS, gone=True), after=10.0)
    assert c.Hangup(leg) in out, "the ringing phone stops"
    assert c.Hangup(CALL) not in out, "the caller is the dialplan's now: never hung up by us"
    assert not [x for x in out if isinstance(x, c.Originate)]
    assert call.flow.finished and call.flow.hearing == "nothing: handed to the dialplan"
    record = call.saved().record
    assert (record.outcome, record.reason, record.tier) == ("failed", "lease_expired", "dialplan")


def test_a_hang_up_while_the_lease_runs_is_a_hang_up_and_a_stasis_end_after_it_lapsed_is_not() -> None:
    hung_up = CallScript(line())
    hung_up.greeted()
    hung_up.wait(5.0)
    hung_up.caller_hangs_up()
    assert hung_up.saved().record.reason != "lease_expired"
    frozen = CallScript(line())
    frozen.greeted()
    frozen.caller_hangs_up(after=6.0)        # no timer fired for 6 s: the daemon was stopped
    assert (frozen.saved().record.reason, frozen.flow.handed_off) == ("lease_expired", True)
    assert "the lease lapsed" in " ".join(frozen.traces())


def test_a_gone_leg_is_no_longer_leased() -> None:
    call = CallScript(line())
    call.greeted()
    leg = call.legs()[0]
    call.send(e.ChannelAnswered(leg), after=1.0)
    call.send(e.RequestFailed(c.Lease(leg, TERM), "HTTP 404 Channel not found", gone=True), after=0.1)
    call.wait(3.0)
    assert leg not in call.flow.lease.held
    assert not call.flow.finished, "the caller is still ours"
    assert (leg, TERM, False) not in leases(call.flow.handle(h.TimerExpired(), call.now + timedelta(seconds=2)))
