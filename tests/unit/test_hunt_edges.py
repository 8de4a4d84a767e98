"""The hunt's documented behaviours that only a later step, or a later accept, shows (docs/hunt.md,
"Changes during a call" and the call log's results). Each was a surviving mutant of the mutation run
(docs/testing.md): the scenarios of test_hunt.py stopped one step too early to see it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from astreinte.domain.hunt import Hunt, HuntPolicy, Target
from astreinte.domain.hunt_events import (
    Cancel,
    Connect,
    Dial,
    DigitReceived,
    GreetingFinished,
    LegAnswered,
    LegFailed,
    LegHungUp,
    PersonEngaged,
    PersonReleased,
    PhoneUnregistered,
    PlayConfirmation,
    PlayConnecting,
    PromptFinished,
    StartHoldMusic,
    StopPrompt,
    TimerExpired,
)

T0 = datetime(2026, 11, 7, 20, 0, tzinfo=UTC)
ALICE = Target(1, "alice", "Alice", ("alice-mobile",))
BOB = Target(2, "bob", "Bob", ("bob-mobile",))
TWO_ROUNDS = HuntPolicy(ring_timeout=10, rounds=2, hold_message_every=None, on_no_answer="hangup")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def results(hunt: Hunt) -> list[tuple[int, str, str | None]]:
    return [(a.round, a.person, a.result) for a in hunt.attempts]


def test_a_phone_gone_offline_is_skipped_in_the_next_round_too() -> None:
    hunt = Hunt("c", (ALICE, BOB), TWO_ROUNDS)
    assert hunt.start(at(0)) == [Dial("c-L1", ALICE, "alice-mobile")]
    assert hunt.handle(PhoneUnregistered("alice-mobile"), at(1)) == [Cancel("c-L1"), Dial("c-L2", BOB, "bob-mobile")]
    # round 2: alice skipped at once, bob rung again
    assert hunt.handle(TimerExpired(), at(11)) == [Cancel("c-L2"), Dial("c-L3", BOB, "bob-mobile")]
    assert results(hunt) == [(1, "alice", "unreachable"), (1, "bob", "no_answer"), (2, "alice", "unreachable"),
                             (2, "bob", None)]


def test_a_person_on_another_call_is_skipped_until_that_call_ends() -> None:
    hunt = Hunt("c", (ALICE, BOB), TWO_ROUNDS)
    hunt.start(at(0))
    assert hunt.handle(PersonEngaged("alice"), at(1)) == [Cancel("c-L1"), Dial("c-L2", BOB, "bob-mobile")]
    hunt.handle(TimerExpired(), at(11))                                  # round 2: alice still talking
    assert results(hunt)[2] == (2, "alice", "busy")
    engaged = Hunt("d", (ALICE, BOB), TWO_ROUNDS, busy_people=frozenset({"alice"}))
    engaged.start(at(0))
    engaged.handle(PersonReleased("alice"), at(1))                        # her call ended
    assert engaged.handle(TimerExpired(), at(10)) == [Cancel("d-L1"), Dial("d-L2", ALICE, "alice-mobile")]


def test_a_phone_that_hangs_up_while_ringing_is_no_answer() -> None:
    hunt = Hunt("c", (ALICE, BOB), TWO_ROUNDS)
    hunt.start(at(0))
    assert hunt.handle(LegHungUp("c-L1"), at(2)) == [Dial("c-L2", BOB, "bob-mobile")]
    assert results(hunt)[0] == (1, "alice", "no_answer")


def test_a_failure_with_a_cause_the_hunt_does_not_know_is_no_answer() -> None:
    hunt = Hunt("c", (ALICE, BOB), TWO_ROUNDS)
    hunt.start(at(0))
    hunt.handle(LegFailed("c-L1", "weird"), at(2))  # type: ignore[arg-type]   # an adapter's unmapped cause
    assert results(hunt)[0] == (1, "alice", "no_answer")


def test_an_accept_after_the_prompt_ended_has_no_prompt_to_stop() -> None:
    policy = HuntPolicy(ring_timeout=30, confirm=True, confirm_timeout=20, hold_message_every=None)
    waiting = PlayConnecting("c-L1")                   # "connecting you" while the greeting ends
    for prompt_over, expected in ((False, [StopPrompt("c-L1"), waiting]), (True, [waiting])):
        hunt = Hunt("c", (ALICE,), policy)                                   # the greeting still plays
        hunt.start(at(0))
        assert hunt.handle(LegAnswered("c-L1"), at(1)) == [PlayConfirmation("c-L1", ALICE)]
        if prompt_over:
            assert hunt.handle(PromptFinished("c-L1"), at(5)) == []
        assert hunt.handle(DigitReceived("c-L1", "1"), at(6)) == expected
        assert hunt.handle(GreetingFinished(), at(8)) == [Connect("c-L1")]


def test_times_of_an_abandoned_and_of_a_finished_call() -> None:
    gone = Hunt("c", (ALICE,), TWO_ROUNDS)
    gone.abandon(at(3))
    assert (gone.started_at, gone.finished_at, gone.connected_at, gone.answered_by) == (at(3), at(3), None, None)
    unanswered = Hunt("d", (ALICE,), HuntPolicy(ring_timeout=10, on_no_answer="voicemail"), greeting_playing=False)
    assert unanswered.start(at(0)) == [Dial("d-L1", ALICE, "alice-mobile"), StartHoldMusic()]
    unanswered.handle(TimerExpired(), at(10))
    assert (unanswered.outcome, unanswered.finished_at, unanswered.connected_at, unanswered.answered_by) == (
        "voicemail", at(10), None, None)


def test_a_hunt_not_started_has_no_times_nor_outcome() -> None:
    hunt = Hunt("c", (ALICE,), TWO_ROUNDS)
    assert (hunt.started_at, hunt.connected_at, hunt.finished_at, hunt.answered_by, hunt.outcome) == (
        None, None, None, None, None)
    hunt.start(at(0))
    assert (hunt.started_at, hunt.finished_at, hunt.phase) == (at(0), None, "hunting")


def test_a_greeting_gives_way_once_it_played_its_minimum_exactly() -> None:
    """docs/hunt.md: a callee who accepts after the greeting has played `greeting_min` is connected at once."""
    policy = HuntPolicy(ring_timeout=30, greeting_min=2.0, hold_message_every=None)
    on_time = Hunt("c", (ALICE,), policy)
    on_time.start(at(0))
    assert on_time.handle(LegAnswered("c-L1"), at(2)) == [Connect("c-L1")], "at exactly the minimum: at once"
    early = Hunt("d", (ALICE,), policy)
    early.start(at(0))
    assert early.handle(LegAnswered("d-L1"), at(1.5)) == [PlayConnecting("d-L1")]
    assert early.deadline == at(2)
    assert early.handle(TimerExpired(), at(2)) == [Connect("d-L1")]
    assert early.handle(GreetingFinished(), at(6)) == [], "the greeting already gave way"
