"""When a message is called out and to whom (astreinte/domain/calls/callout_plan.py): rounds, hand-offs,
the end of the service hours. The example configuration: support's primary layer hands off on Mondays
at 09:00 (alice the week of 2 November 2026, bob the next), service hours weekdays 18:00-08:30 and
weekends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from astreinte.domain.calling import MessagePolicy
from astreinte.domain.calls.callout_plan import Watch, after_round, change, round_steps, started_since, watch
from tests.helpers.calls import PARIS, SATURDAY_NOON, example

MONDAY_9 = datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)
POLICY = MessagePolicy(callout=True, every=300, rounds=3, escalate=True)


def people_of(steps: tuple[tuple[object, ...], ...]) -> list[list[str]]:
    return [[t.person for t in step] for step in steps]  # type: ignore[attr-defined]


def test_the_rounds_come_every_after_the_previous_one_then_the_message_expires() -> None:
    ended = SATURDAY_NOON
    assert after_round(POLICY, 1, ended) == ended + timedelta(minutes=5)
    assert after_round(POLICY, 2, ended) == ended + timedelta(minutes=5)
    assert after_round(POLICY, 3, ended) is None


@pytest.mark.parametrize(("round_", "escalate", "expected"), [
    (1, True, [["alice"], ["dave"]]),
    (2, True, [["dave"], ["alice"]]),
    (3, True, [["dave"], ["alice"]]),          # past the last level: the last level again
    (2, False, [["alice"], ["dave"]]),
])
def test_each_round_starts_at_its_level(round_: int, escalate: bool, expected: list[list[str]]) -> None:
    config = example()
    status = config.schedule().who("support", SATURDAY_NOON)
    policy = MessagePolicy(callout=True, escalate=escalate)
    assert people_of(round_steps(status, policy, round_, config.people)) == expected


def test_outside_service_a_round_goes_to_at_opening_a_person_or_a_plain_destination() -> None:
    config = example()
    tuesday = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)
    status = config.schedule().who("support", tuesday)
    assert round_steps(status, POLICY, 1, config.people) == ()
    steps = round_steps(status, MessagePolicy(at_opening="PJSIP/carol"), 1, config.people)
    assert [(t.person, t.phones) for t in steps[0]] == [("carol", ("PJSIP/carol",))]
    steps = round_steps(status, MessagePolicy(at_opening="PJSIP/reception"), 1, config.people)
    assert [(t.person, t.phones) for t in steps[0]] == [("PJSIP/reception", ("PJSIP/reception",))]


def test_a_hand_off_in_service_and_the_end_of_the_service_hours_are_seen() -> None:
    schedule = example().schedule()
    night = watch(schedule.who("support", datetime(2026, 11, 10, 8, 29, tzinfo=PARIS)))
    morning = watch(schedule.who("support", datetime(2026, 11, 10, 8, 31, tzinfo=PARIS)))
    assert night == Watch(True, "bob") and morning == Watch(False, "bob")
    assert change(night, morning) == "opening"
    assert change(morning, night) is None, "service starting is no change: due messages are called then"
    assert change(Watch(True, "alice"), Watch(True, "bob")) == "hand-off"
    assert change(Watch(False, "alice"), Watch(False, "bob")) is None, "nobody to call out of service"
    before = watch(schedule.who("support", MONDAY_9 - timedelta(minutes=1)))
    assert change(before, watch(schedule.who("support", MONDAY_9))) is None, "Monday 09:00 is out of service"


def test_what_starts_over_is_what_the_ending_shift_or_service_period_received() -> None:
    schedule = example().schedule()
    tuesday_830 = datetime(2026, 11, 10, 8, 30, tzinfo=PARIS)
    assert started_since("opening", schedule, "support", Watch(True, "bob"), tuesday_830) == \
        datetime(2026, 11, 9, 18, 0, tzinfo=PARIS), "the night's service began Monday 18:00"
    assert started_since("hand-off", schedule, "support", Watch(True, "alice"), MONDAY_9) == \
        datetime(2026, 11, 2, 9, 0, tzinfo=PARIS), "alice's week began Monday 2 November 09:00"
