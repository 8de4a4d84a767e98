"""The hunt, scenario by scenario, as a telecom admin would check it.

Each scenario is a script of (seconds since the call started, event, the exact
commands expected back) and the attempts the call log must show afterwards.
``START`` stands for ``hunt.start``.  A ``TimerExpired`` in a script must land
exactly on ``hunt.deadline``, so the scripts check the timers too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astreinte.domain.hunt import Hunt, HuntPolicy, Target
from astreinte.domain.hunt_events import (
    CallerHungUp,
    Cancel,
    Command,
    Connect,
    Dial,
    DigitReceived,
    Event,
    Finished,
    GreetingFinished,
    HangupCaller,
    LegAnswered,
    LegFailed,
    LegHungUp,
    LegRinging,
    PersonEngaged,
    PersonReleased,
    PhoneRegistered,
    PhoneUnregistered,
    PlayConfirmation,
    PlayConnecting,
    PlayHoldMessage,
    PromptFinished,
    StartHoldMusic,
    StartVoicemail,
    StopPrompt,
    TimerExpired,
)

T0 = datetime(2024, 12, 24, 19, 0, tzinfo=UTC)
START = None

ALICE = Target(1, "alice", "Alice Martin", ("alice-desk", "alice-mobile"))
BOB = Target(2, "bob", "Bob Durand", ("bob-mobile",))
CAROL = Target(3, "carol", "Carol Petit", ("carol-mobile",))
CHAIN = (ALICE, BOB, CAROL)
L1, L2, L3, L4, L5 = (f"c1-L{n}" for n in range(1, 6))

PLAIN = HuntPolicy(ring_timeout=20, hold_message_every=None)
CONFIRM = HuntPolicy(ring_timeout=20, confirm=True, confirm_timeout=10, hold_message_every=None)

@dataclass(frozen=True)
class StrayTimer(TimerExpired):
    """A ``TimerExpired`` that is not on the deadline: a spurious, early or repeated wake-up."""


Step = tuple[float, Event | None, list[Command]]
Row = tuple[int, str, str, str | None, float, float | None]    # level, person, phone, result, start, end


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def play(hunt: Hunt, script: list[Step]) -> None:
    for seconds, event, expected in script:
        if event is START:
            got = hunt.start(at(seconds))
        else:
            if type(event) is TimerExpired:
                assert hunt.deadline == at(seconds), f"timer at {seconds}s, hunt wanted {hunt.deadline}"
            got = hunt.handle(event, at(seconds))
        assert got == expected, f"at {seconds}s, {event}"


def rows(hunt: Hunt) -> list[Row]:
    def secs(when: datetime | None) -> float | None:
        return None if when is None else (when - T0).total_seconds()

    return [(a.level, a.person, a.phone, a.result, secs(a.started_at) or 0.0, secs(a.ended_at))
            for a in hunt.attempts]


@dataclass
class Scenario:
    script: list[Step]
    attempts: list[Row]
    policy: HuntPolicy = PLAIN
    chain: tuple[Target, ...] = CHAIN
    options: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


def dial_alice(t: float = 0) -> Step:
    return (t, START, [Dial(L1, ALICE, "alice-desk"), Dial(L2, ALICE, "alice-mobile")])


SCENARIOS = {
    "first level answers; the other phone of that level is cancelled": Scenario(
        [dial_alice(), (0.1, LegRinging(L1), []), (0.1, LegRinging(L2), []),
         (4.6, GreetingFinished(), [StartHoldMusic()]),
         (6, LegAnswered(L2), [Connect(L2), Cancel(L1)]),
         (60, LegHungUp(L2), [HangupCaller("call_completed"), Finished("answered", "alice")])],
        [(1, "alice", "alice-desk", "cancelled", 0, 6), (1, "alice", "alice-mobile", "answered", 0, 6)],
        outcome="answered"),
    "first level does not answer, the second does": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (20, TimerExpired(), [Cancel(L1), Cancel(L2), Dial(L3, BOB, "bob-mobile")]),
         (25, LegAnswered(L3), [Connect(L3)]),
         (90, CallerHungUp(), [Cancel(L3), Finished("answered", "bob")])],
        [(1, "alice", "alice-desk", "no_answer", 0, 20), (1, "alice", "alice-mobile", "no_answer", 0, 20),
         (2, "bob", "bob-mobile", "answered", 20, 25)],
        outcome="answered"),
    "486 on every phone of a level moves on at once": Scenario(
        [dial_alice(), (1, LegFailed(L1, "busy"), []),
         (1.5, LegFailed(L2, "busy"), [Dial(L3, BOB, "bob-mobile")]),
         (2, LegFailed(L3, "congestion"), [Dial(L4, CAROL, "carol-mobile")]),
         (3, LegFailed(L4, "rejected"), []),
         (4.6, GreetingFinished(), [StartVoicemail(), Finished("voicemail", None)])],
        [(1, "alice", "alice-desk", "busy", 0, 1), (1, "alice", "alice-mobile", "busy", 0, 1.5),
         (2, "bob", "bob-mobile", "unreachable", 1.5, 2), (3, "carol", "carol-mobile", "declined", 2, 3)],
        outcome="voicemail"),
    "DTMF 1 accepts and cancels every other leg": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (5, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]), (9, PromptFinished(L1), []),
         (11, DigitReceived(L1, "1"), [Connect(L1), Cancel(L2)])],
        [(1, "alice", "alice-desk", "answered", 0, 11), (1, "alice", "alice-mobile", "cancelled", 0, 11)],
        policy=CONFIRM),
    "DTMF 2 declines; the level's other phone rings on until the timeout": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (5, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (7, DigitReceived(L1, "2"), [Cancel(L1)]),
         (7.1, LegHungUp(L1), []),
         (20, TimerExpired(), [Cancel(L2), Dial(L3, BOB, "bob-mobile")])],
        [(1, "alice", "alice-desk", "declined", 0, 7), (1, "alice", "alice-mobile", "no_answer", 0, 20),
         (2, "bob", "bob-mobile", None, 20, None)],
        policy=CONFIRM),
    "answering and pressing nothing (a mobile's voicemail) is declined after confirm_timeout": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (5, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]), (9, PromptFinished(L1), []),
         (15, TimerExpired(), [Cancel(L1)]),
         (20, TimerExpired(), [Cancel(L2), Dial(L3, BOB, "bob-mobile")])],
        [(1, "alice", "alice-desk", "declined", 0, 15), (1, "alice", "alice-mobile", "no_answer", 0, 20),
         (2, "bob", "bob-mobile", None, 20, None)],
        policy=CONFIRM),
    "the ring timeout does not cut off a callee who is confirming": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (18, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (20, TimerExpired(), [Cancel(L2)]),
         (24, DigitReceived(L1, "1"), [Connect(L1)])],
        [(1, "alice", "alice-desk", "answered", 0, 24), (1, "alice", "alice-mobile", "no_answer", 0, 20)],
        policy=CONFIRM),
    "a confirming callee who stays silent past the ring timeout delays the next level by confirm_timeout":
    Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (18, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (20, TimerExpired(), [Cancel(L2)]),
         (28, TimerExpired(), [Cancel(L1), Dial(L3, BOB, "bob-mobile")])],
        [(1, "alice", "alice-desk", "declined", 0, 28), (1, "alice", "alice-mobile", "no_answer", 0, 20),
         (2, "bob", "bob-mobile", None, 28, None)],
        policy=CONFIRM),
    "a digit pressed during the prompt counts; digits before answer and odd digits are ignored": Scenario(
        [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (5, DigitReceived(L1, "1"), []),
         (6, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (6.5, DigitReceived(L1, "9"), []), (6.6, DigitReceived(L1, "12"), []),
         (6.7, DigitReceived(L1, ""), []), (6.8, DigitReceived(L1, "#"), []),
         (7, DigitReceived(L1, "1"), [Connect(L1), Cancel(L2)]),
         (7.2, DigitReceived(L1, "2"), [])],
        [(1, "alice", "alice-desk", "answered", 0, 7), (1, "alice", "alice-mobile", "cancelled", 0, 7)],
        policy=CONFIRM),
    "accepting during the greeting holds the callee until the greeting ends": Scenario(
        [dial_alice(), (1.5, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (2, DigitReceived(L1, "1"), [StopPrompt(L1), Cancel(L2), PlayConnecting(L1)]),
         (3, LegAnswered(L2), []),
         (4.6, GreetingFinished(), [Connect(L1)])],
        [(1, "alice", "alice-desk", "answered", 0, 4.6), (1, "alice", "alice-mobile", "cancelled", 0, 2)],
        policy=CONFIRM),
    "answering without confirmation during the greeting waits for it too": Scenario(
        [dial_alice(), (2, LegAnswered(L2), [Cancel(L1), PlayConnecting(L2)]),
         (4.6, GreetingFinished(), [Connect(L2)])],
        [(1, "alice", "alice-desk", "cancelled", 0, 2), (1, "alice", "alice-mobile", "answered", 0, 4.6)]),
    "a callee who accepted and hangs up before the greeting ends: the hunt goes on": Scenario(
        [dial_alice(), (2, LegAnswered(L2), [Cancel(L1), PlayConnecting(L2)]),
         (3, LegHungUp(L2), [Dial(L3, BOB, "bob-mobile")]),
         (4.6, GreetingFinished(), [StartHoldMusic()])],
        [(1, "alice", "alice-desk", "cancelled", 0, 2), (1, "alice", "alice-mobile", "declined", 0, 3),
         (2, "bob", "bob-mobile", None, 3, None)]),
    "unregistered phones are skipped at once, never rung": Scenario(
        [(0, START, [Dial(L1, ALICE, "alice-mobile")]),
         (1, LegFailed(L1, "unreachable"), [Dial(L2, CAROL, "carol-mobile")])],
        [(1, "alice", "alice-desk", "unreachable", 0, 0), (1, "alice", "alice-mobile", "unreachable", 0, 1),
         (2, "bob", "bob-mobile", "unreachable", 1, 1), (3, "carol", "carol-mobile", None, 1, None)],
        options={"unreachable": frozenset({"alice-desk", "bob-mobile"})}),
    "a person already talking on an astreinte call is skipped": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile")])],
        [(1, "alice", "alice-desk", "busy", 0, 0), (1, "alice", "alice-mobile", "busy", 0, 0),
         (2, "bob", "bob-mobile", None, 0, None)],
        options={"busy_people": frozenset({"alice"})}),
    "the caller abandons: every ringing and confirming leg is cancelled in the same step": Scenario(
        [dial_alice(), (3, LegAnswered(L1), [PlayConfirmation(L1, ALICE)]),
         (8, CallerHungUp(), [Cancel(L1), Cancel(L2), Finished("abandoned", None)]),
         (8.1, LegHungUp(L1), []), (8.2, DigitReceived(L1, "1"), []), (30, StrayTimer(), [])],
        [(1, "alice", "alice-desk", "cancelled", 0, 8), (1, "alice", "alice-mobile", "cancelled", 0, 8)],
        policy=CONFIRM, outcome="abandoned"),
    "the caller abandons while the accepted callee waits for the greeting": Scenario(
        [dial_alice(), (2, LegAnswered(L1), [Cancel(L2), PlayConnecting(L1)]),
         (3, CallerHungUp(), [Cancel(L1), Finished("abandoned", None)])],
        [(1, "alice", "alice-desk", "cancelled", 0, 3), (1, "alice", "alice-mobile", "cancelled", 0, 2)],
        outcome="abandoned"),
    "rounds=2 walks the chain twice, then voicemail": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile")]), (4, GreetingFinished(), [StartHoldMusic()]),
         (10, TimerExpired(), [Cancel(L1), Dial(L2, CAROL, "carol-mobile")]),
         (20, TimerExpired(), [Cancel(L2), Dial(L3, BOB, "bob-mobile")]),
         (30, TimerExpired(), [Cancel(L3), Dial(L4, CAROL, "carol-mobile")]),
         (40, TimerExpired(), [Cancel(L4), StartVoicemail(), Finished("voicemail", None)])],
        [(2, "bob", "bob-mobile", "no_answer", 0, 10), (3, "carol", "carol-mobile", "no_answer", 10, 20),
         (2, "bob", "bob-mobile", "no_answer", 20, 30), (3, "carol", "carol-mobile", "no_answer", 30, 40)],
        policy=HuntPolicy(ring_timeout=10, rounds=2, hold_message_every=None), chain=(BOB, CAROL),
        outcome="voicemail"),
    "ringall rings every level at once, ring_timeout for the whole set, then hangup": Scenario(
        [(0, START, [Dial(L1, ALICE, "alice-desk"), Dial(L2, ALICE, "alice-mobile"),
                     Dial(L3, BOB, "bob-mobile"), Dial(L4, CAROL, "carol-mobile")]),
         (1, LegFailed(L3, "busy"), []), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (30, TimerExpired(), [Cancel(L1), Cancel(L2), Cancel(L4), HangupCaller("nobody_available"),
                               Finished("failed", None)])],
        [(1, "alice", "alice-desk", "no_answer", 0, 30), (1, "alice", "alice-mobile", "no_answer", 0, 30),
         (2, "bob", "bob-mobile", "busy", 0, 1), (3, "carol", "carol-mobile", "no_answer", 0, 30)],
        policy=HuntPolicy(strategy="ringall", ring_timeout=30, on_no_answer="hangup",
                          hold_message_every=None),
        outcome="failed"),
    "ringall with confirmation: the first 1 wins, the other confirming callee is hung up": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile"), Dial(L2, CAROL, "carol-mobile")]),
         (4.6, GreetingFinished(), [StartHoldMusic()]),
         (5, LegAnswered(L1), [PlayConfirmation(L1, BOB)]),
         (5.5, LegAnswered(L2), [PlayConfirmation(L2, CAROL)]),
         (7, DigitReceived(L2, "1"), [Connect(L2), Cancel(L1)]),
         (7.1, DigitReceived(L1, "1"), []),
         (50, LegFailed(L2, "no_answer"), [HangupCaller("call_completed"), Finished("answered", "carol")])],
        [(2, "bob", "bob-mobile", "cancelled", 0, 7), (3, "carol", "carol-mobile", "answered", 0, 7)],
        policy=HuntPolicy(strategy="ringall", confirm=True, hold_message_every=None), chain=(BOB, CAROL),
        outcome="answered"),
    "nobody answers: voicemail, after the greeting when every phone is offline": Scenario(
        [(0, START, []), (4.6, GreetingFinished(), [StartVoicemail(), Finished("voicemail", None)])],
        [(2, "bob", "bob-mobile", "unreachable", 0, 0)],
        chain=(BOB,), options={"unreachable": frozenset({"bob-mobile"})}, outcome="voicemail"),
    "nobody answers: hang up with a message": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile")]), (4.6, GreetingFinished(), [StartHoldMusic()]),
         (20, TimerExpired(), [Cancel(L1), HangupCaller("nobody_available"), Finished("failed", None)])],
        [(2, "bob", "bob-mobile", "no_answer", 0, 20)],
        policy=HuntPolicy(ring_timeout=20, on_no_answer="hangup", hold_message_every=None), chain=(BOB,),
        outcome="failed"),
    "an empty chain goes straight to voicemail (no greeting playing)": Scenario(
        [(0, START, [StartVoicemail(), Finished("voicemail", None)])], [],
        chain=(), options={"greeting_playing": False}, outcome="voicemail"),
    "a level without phones is skipped; no greeting means hold music at once": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile"), StartHoldMusic()])],
        [(2, "bob", "bob-mobile", None, 0, None)],
        chain=(Target(1, "dave", "Dave", ()), BOB), options={"greeting_playing": False}),
    "the caller hears 'please hold' every N seconds until connected": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile")]), (5, GreetingFinished(), [StartHoldMusic()]),
         (20, TimerExpired(), [Cancel(L1), Dial(L2, CAROL, "carol-mobile")]),
         (20, LegHungUp(L1), []),
         (25, TimerExpired(), [PlayHoldMessage()]),
         (30, LegAnswered(L2), [Connect(L2)])],
        [(2, "bob", "bob-mobile", "no_answer", 0, 20), (3, "carol", "carol-mobile", "answered", 20, 30)],
        policy=HuntPolicy(ring_timeout=20, hold_message_every=20), chain=(BOB, CAROL)),
    "events about unknown legs, and stray events, are ignored": Scenario(
        [dial_alice(), (1, LegAnswered("c1-L99"), []), (1, LegFailed("x", "busy"), []),
         (1, DigitReceived("c2-L1", "1"), []), (1, PromptFinished("nope"), []), (1, LegHungUp(""), []),
         (1, LegRinging(L1), []), (1, LegRinging(L1), []), (1, PromptFinished(L1), []),
         (2, StrayTimer(), []),
         (4.6, GreetingFinished(), [StartHoldMusic()]), (5, GreetingFinished(), []),
         (6, LegAnswered(L1), [Connect(L1), Cancel(L2)]), (7, LegAnswered(L2), []),
         (8, LegFailed(L2, "no_answer"), []), (9, StrayTimer(), []),
         (10, CallerHungUp(), [Cancel(L1), Finished("answered", "alice")]),
         (11, CallerHungUp(), []), (12, LegHungUp(L1), [])],
        [(1, "alice", "alice-desk", "answered", 0, 6), (1, "alice", "alice-mobile", "cancelled", 0, 6)],
        outcome="answered"),
    "a person who takes another astreinte call stops ringing here": Scenario(
        [dial_alice(), (3, PersonEngaged("alice"), [Cancel(L1), Cancel(L2), Dial(L3, BOB, "bob-mobile")]),
         (4, PersonReleased("alice"), []), (4, PersonEngaged("zoe"), [])],
        [(1, "alice", "alice-desk", "busy", 0, 3), (1, "alice", "alice-mobile", "busy", 0, 3),
         (2, "bob", "bob-mobile", None, 3, None)]),
    "a phone that unregisters is cancelled and skipped; one that registers is rung": Scenario(
        [(0, START, [Dial(L1, BOB, "bob-mobile")]),
         (1, PhoneRegistered("carol-mobile"), []),
         (2, PhoneUnregistered("bob-mobile"), [Cancel(L1), Dial(L2, CAROL, "carol-mobile")]),
         (3, PhoneUnregistered("ghost"), [])],
        [(2, "bob", "bob-mobile", "unreachable", 0, 2), (3, "carol", "carol-mobile", None, 2, None)],
        chain=(BOB, CAROL), options={"unreachable": frozenset({"carol-mobile"})}),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_scenario(scenario: Scenario) -> None:
    hunt = Hunt("c1", scenario.chain, scenario.policy, **scenario.options)
    play(hunt, scenario.script)
    assert rows(hunt) == scenario.attempts
    assert hunt.outcome == scenario.outcome


def test_call_log_times() -> None:
    hunt = Hunt("c1", CHAIN, PLAIN)
    play(hunt, [dial_alice(), (4.6, GreetingFinished(), [StartHoldMusic()]),
                (20, TimerExpired(), [Cancel(L1), Cancel(L2), Dial(L3, BOB, "bob-mobile")]),
                (26, LegAnswered(L3), [Connect(L3)]),
                (86, LegHungUp(L3), [HangupCaller("call_completed"), Finished("answered", "bob")])])
    assert (hunt.started_at, hunt.connected_at, hunt.finished_at) == (at(0), at(26), at(86))
    assert (hunt.answered_by, hunt.phase, hunt.finished, hunt.deadline) == ("bob", "finished", True, None)
    assert [a.round for a in hunt.attempts] == [1, 1, 1]


def test_deadline_is_the_earliest_timer() -> None:
    hunt = Hunt("c1", CHAIN, CONFIRM)
    assert hunt.deadline is None
    hunt.start(at(0))
    assert hunt.deadline == at(20)
    hunt.handle(LegAnswered(L1), at(15))
    assert hunt.deadline == at(20)
    hunt.handle(TimerExpired(), at(20))
    assert hunt.deadline == at(25)
    hunt.handle(TimerExpired(), at(21))        # early: nothing due, nothing done
    assert hunt.deadline == at(25)
    # accepted while the greeting still plays: the prompt stops, the callee waits, no timer runs
    assert hunt.handle(DigitReceived(L1, "1"), at(24)) == [StopPrompt(L1), PlayConnecting(L1)]
    assert hunt.deadline is None


def test_a_late_timer_fires_everything_due() -> None:
    hunt = Hunt("c1", CHAIN, CONFIRM)
    hunt.start(at(0))
    hunt.handle(LegAnswered(L1), at(5))
    assert hunt.handle(TimerExpired(), at(21)) == [Cancel(L1), Cancel(L2), Dial(L3, BOB, "bob-mobile")]


def test_start_twice_or_handle_before_start_is_a_programming_error() -> None:
    hunt = Hunt("c1", CHAIN, PLAIN)
    with pytest.raises(RuntimeError, match="not started"):
        hunt.handle(GreetingFinished(), at(0))
    hunt.start(at(0))
    with pytest.raises(RuntimeError, match="already started"):
        hunt.start(at(1))


def test_a_caller_gone_before_the_first_ring_abandons_without_ringing_anyone() -> None:
    hunt = Hunt("c1", CHAIN, CONFIRM)
    assert hunt.abandon(at(0)) == [Finished("abandoned", None)]
    assert (hunt.outcome, hunt.finished, hunt.attempts) == ("abandoned", True, [])
    assert hunt.handle(CallerHungUp(), at(1)) == [], "the hang-up handled later changes nothing"
    with pytest.raises(RuntimeError, match="already started"):
        hunt.abandon(at(2))


def test_a_phone_listed_twice_in_a_step_is_rung_once() -> None:
    both = (Target(1, "alice", "Alice", ("shared-desk",)), Target(1, "bob", "Bob", ("shared-desk", "b")))
    hunt = Hunt("c1", both, PLAIN)
    assert hunt.start(at(0)) == [Dial(L1, both[0], "shared-desk"), Dial(L2, both[1], "b")]


def test_levels_are_walked_in_level_order_whatever_the_list_order() -> None:
    hunt = Hunt("c1", (CAROL, BOB), HuntPolicy(ring_timeout=5))
    assert hunt.start(at(0)) == [Dial(L1, BOB, "bob-mobile")]
    assert hunt.handle(TimerExpired(), at(5)) == [Cancel(L1), Dial(L2, CAROL, "carol-mobile")]


# ── issue 18: confirmation where it protects, a greeting that gives way ─────────

SOFTPHONES = (Target(1, "alice", "Alice Martin", ("PJSIP/alice", "+33611223344")),
              Target(2, "bob", "Bob Durand", ("Local/0612345678@from-internal", "PJSIP/0699@trunk-out")))
EXTERNAL = HuntPolicy(ring_timeout=20, confirm="external", confirm_timeout=10, hold_message_every=None)


def test_confirm_external_accepts_a_softphone_answer_and_asks_a_mobile_for_its_1() -> None:
    hunt = Hunt("c1", SOFTPHONES, EXTERNAL, greeting_playing=False)
    hunt.start(at(0))
    assert hunt.handle(LegAnswered(L2), at(2)) == [PlayConfirmation(L2, SOFTPHONES[0])], "the mobile confirms"
    assert hunt.handle(LegAnswered(L1), at(3)) == [Connect(L1), Cancel(L2)], "the softphone's answer accepts"
    assert hunt.answered_by == "alice"


def test_confirm_external_treats_local_channels_and_trunk_endpoints_as_external() -> None:
    assert [EXTERNAL.must_confirm(p) for p in ("PJSIP/alice", "+33611223344", "0611223344",
                                               "Local/0612345678@from-internal", "PJSIP/0699@trunk-out")] == [
        False, True, True, True, True]
    assert HuntPolicy(confirm=True).must_confirm("PJSIP/alice") and not HuntPolicy().must_confirm("+33611223344")


def test_a_greeting_with_a_minimum_gives_way_once_it_played_that_long() -> None:
    hunt = Hunt("c1", CHAIN, HuntPolicy(ring_timeout=20, greeting_min=2.0, hold_message_every=None))
    hunt.start(at(0))
    assert hunt.handle(LegAnswered(L1), at(1)) == [Cancel(L2), PlayConnecting(L1)], "too early: connecting..."
    assert hunt.deadline == at(2)
    assert hunt.handle(TimerExpired(), at(2)) == [Connect(L1)], "the greeting gives way at its minimum"
    assert hunt.handle(GreetingFinished(), at(2.1)) == []
    assert hunt.connected_at == at(2)


def test_an_interruptible_greeting_gives_way_at_once_after_its_minimum() -> None:
    hunt = Hunt("c1", CHAIN, HuntPolicy(ring_timeout=20, greeting_min=0.0, hold_message_every=None))
    hunt.start(at(0))
    assert hunt.handle(LegAnswered(L1), at(1.5)) == [Connect(L1), Cancel(L2)]
    assert hunt.connected_at == at(1.5)


def test_a_callee_hanging_up_while_waiting_for_the_greeting_minimum_cancels_its_timer() -> None:
    hunt = Hunt("c1", CHAIN, HuntPolicy(ring_timeout=20, greeting_min=3.0, hold_message_every=None))
    hunt.start(at(0))
    hunt.handle(LegAnswered(L1), at(1))
    assert hunt.handle(LegHungUp(L1), at(1.5)) == [Dial(L3, BOB, "bob-mobile")]
    assert hunt.deadline == at(21.5)
