"""Resolution tables: hand-offs across DST, overrides, the first shift, the chain and ``until``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from astreinte.domain.hunt import HuntPolicy
from astreinte.domain.rota import Layer, Override, Person, Rotation, Team
from astreinte.domain.schedule import Schedule

PARIS = ZoneInfo("Europe/Paris")
PEOPLE = {pid: Person(pid, pid.title(), (f"PJSIP/{pid}",)) for pid in ("alice", "bob", "carol", "dave", "erin")}


def at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def layer(name: str, members: tuple[str, ...], start: date, handoff: time = time(9), every: int = 7) -> Layer:
    weekday = start.weekday() if every % 7 == 0 else None
    return Layer(name, Rotation(members, every, handoff, start, weekday))


PRIMARY = layer("primary", ("alice", "bob", "carol"), date(2026, 11, 2))
SECONDARY = layer("secondary", ("dave",), date(2026, 11, 2))
DAILY_MARCH = layer("daily", ("alice", "bob"), date(2027, 3, 1), every=1)
DAILY_OCTOBER = layer("daily", ("alice", "bob"), date(2026, 10, 1), every=1)
SUNDAY_0230 = layer("night", ("alice", "bob"), date(2027, 3, 21), handoff=time(2, 30))
SUNDAY_0230_AUTUMN = layer("night", ("alice", "bob"), date(2026, 10, 18), handoff=time(2, 30))


def schedule(*layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    team = Team("support", ("1000",), "hello", None, None, HuntPolicy(), layers)
    return Schedule({"support": team}, PEOPLE, PARIS, overrides)


def override(person: str, start: str, end: str, layer_name: str = "primary", reason: str = "") -> Override:
    return Override("support", layer_name, person, at(start), at(end), reason)


def holders(sched: Schedule, instant: str) -> list[tuple[str, str, str, bool]]:
    status = sched.who("support", at(instant))
    return [(r.layer, r.person.id, r.until.isoformat(), r.override) for r in status.chain]


# (case, layers, instant, expected chain as (layer, person, until, by override))
ROTATION_CASES = [
    ("before the first shift: nobody", (PRIMARY,), "2026-11-02T08:59", []),
    ("first shift starts at start + handoff", (PRIMARY,), "2026-11-02T09:00",
     [("primary", "alice", "2026-11-09T09:00:00+01:00", False)]),
    ("second shift", (PRIMARY,), "2026-11-09T09:00", [("primary", "bob", "2026-11-16T09:00:00+01:00", False)]),
    ("members wrap around", (PRIMARY,), "2026-11-23T10:00", [("primary", "alice", "2026-11-30T09:00:00+01:00", False)]),
    ("ten years later, still exact", (PRIMARY,), "2036-11-03T08:59",
     [("primary", "carol", "2036-11-03T09:00:00+01:00", False)]),
    ("spring DST: the week ending after the change hands off at 09:00 CEST", (PRIMARY,), "2027-03-29T08:59",
     [("primary", "carol", "2027-03-29T09:00:00+02:00", False)]),
    ("spring DST: 09:00 CEST starts the next shift", (PRIMARY,), "2027-03-29T09:00",
     [("primary", "alice", "2027-04-05T09:00:00+02:00", False)]),
    ("daily across 2027-03-28: 08:59 CEST is still the 27th's shift", (DAILY_MARCH,), "2027-03-28T08:59",
     [("daily", "alice", "2027-03-28T09:00:00+02:00", False)]),
    ("daily across 2027-03-28: 09:00 CEST hands off", (DAILY_MARCH,), "2027-03-28T09:00",
     [("daily", "bob", "2027-03-29T09:00:00+02:00", False)]),
    ("daily across 2026-10-25: 08:59 CET is still the 24th's shift", (DAILY_OCTOBER,), "2026-10-25T08:59",
     [("daily", "bob", "2026-10-25T09:00:00+01:00", False)]),
    ("daily across 2026-10-25: 09:00 CET hands off", (DAILY_OCTOBER,), "2026-10-25T09:00",
     [("daily", "alice", "2026-10-26T09:00:00+01:00", False)]),
    ("hand-off in the spring gap (02:30 missing) happens at 03:30 CEST", (SUNDAY_0230,), "2027-03-28T03:29+02:00",
     [("night", "alice", "2027-03-28T03:30:00+02:00", False)]),
    ("…and not before", (SUNDAY_0230,), "2027-03-28T03:30+02:00",
     [("night", "bob", "2027-04-04T02:30:00+02:00", False)]),
    ("ambiguous autumn hand-off (02:30 twice) happens at the first 02:30", (SUNDAY_0230_AUTUMN,),
     "2026-10-25T02:29+02:00", [("night", "alice", "2026-10-25T02:30:00+02:00", False)]),
    ("…the first 02:30 is the hand-off", (SUNDAY_0230_AUTUMN,), "2026-10-25T02:30+02:00",
     [("night", "bob", "2026-11-01T02:30:00+01:00", False)]),
    ("an instant given in UTC is resolved the same", (PRIMARY,), "2026-11-09T08:00+00:00",
     [("primary", "bob", "2026-11-16T09:00:00+01:00", False)]),
    ("two layers in order", (PRIMARY, SECONDARY), "2026-11-10T00:00",
     [("primary", "bob", "2026-11-16T09:00:00+01:00", False),
      ("secondary", "dave", "2026-11-16T09:00:00+01:00", False)]),
]


@pytest.mark.parametrize(("case", "layers", "instant", "expected"), ROTATION_CASES, ids=[c[0] for c in ROTATION_CASES])
def test_rotation(case: str, layers: tuple[Layer, ...], instant: str,
                  expected: list[tuple[str, str, str, bool]]) -> None:
    assert holders(schedule(*layers), instant) == expected


XMAS = override("dave", "2026-12-24T18:00", "2026-12-26T09:00", reason="swap with carol")
NESTED = override("carol", "2026-12-25T10:00", "2026-12-25T12:00")
ACROSS_HANDOFF = override("erin", "2026-12-27T20:00", "2026-12-29T08:00")

OVERRIDE_CASES = [
    ("just before an override: rotation person until it starts", (XMAS,), "2026-12-24T17:59",
     [("primary", "bob", "2026-12-24T18:00:00+01:00", False)]),
    ("an override starts at its from", (XMAS,), "2026-12-24T18:00",
     [("primary", "dave", "2026-12-26T09:00:00+01:00", True)]),
    ("an override ends at its to (excluded)", (XMAS,), "2026-12-26T09:00",
     [("primary", "bob", "2026-12-28T09:00:00+01:00", False)]),
    ("nested override, declared later, wins inside", (XMAS, NESTED), "2026-12-25T11:00",
     [("primary", "carol", "2026-12-25T12:00:00+01:00", True)]),
    ("outer override before the nested one", (XMAS, NESTED), "2026-12-25T09:00",
     [("primary", "dave", "2026-12-25T10:00:00+01:00", True)]),
    ("outer override resumes after the nested one", (XMAS, NESTED), "2026-12-25T12:00",
     [("primary", "dave", "2026-12-26T09:00:00+01:00", True)]),
    ("declared later wins over the whole earlier one", (NESTED, XMAS), "2026-12-25T11:00",
     [("primary", "dave", "2026-12-26T09:00:00+01:00", True)]),
    ("an override spanning a hand-off lasts until its end", (ACROSS_HANDOFF,), "2026-12-28T10:00",
     [("primary", "erin", "2026-12-29T08:00:00+01:00", True)]),
    ("after it, the new shift's person", (ACROSS_HANDOFF,), "2026-12-29T08:00",
     [("primary", "carol", "2027-01-04T09:00:00+01:00", False)]),
    ("an override before the rotation starts fills the layer",
     (override("erin", "2026-11-01T00:00", "2026-11-02T12:00"),), "2026-11-01T12:00",
     [("primary", "erin", "2026-11-02T12:00:00+01:00", True)]),
]


Chain = list[tuple[str, str, str, bool]]


@pytest.mark.parametrize(
    ("case", "overrides", "instant", "expected"), OVERRIDE_CASES, ids=[c[0] for c in OVERRIDE_CASES]
)
def test_overrides(case: str, overrides: tuple[Override, ...], instant: str, expected: Chain) -> None:
    assert holders(schedule(PRIMARY, overrides=overrides), instant) == expected


def test_a_person_at_two_levels_is_rung_once_at_the_first() -> None:
    sched = schedule(PRIMARY, SECONDARY, overrides=(XMAS,))
    assert holders(sched, "2026-12-24T19:00") == [("primary", "dave", "2026-12-26T09:00:00+01:00", True)]
    assert [r.level for r in sched.who("support", at("2026-12-24T19:00")).chain] == [1]


def test_levels_are_renumbered_when_a_layer_is_empty() -> None:
    late = layer("primary", ("alice",), date(2027, 1, 4))
    status = schedule(late, SECONDARY).who("support", at("2026-12-01T12:00"))
    assert [(r.level, r.layer, r.person.id) for r in status.chain] == [(1, "secondary", "dave")]


def test_in_service_and_outside_dial() -> None:
    from astreinte.domain.hours import HoursRule, WeekHours, Window

    hours = WeekHours((HoursRule("weekdays", (Window.parse("18:00-08:30"),)),))
    team = Team("support", ("1000",), "hi", hours, "PJSIP/reception", HuntPolicy(), (PRIMARY,))
    sched = Schedule({"support": team}, PEOPLE, PARIS)
    evening = sched.who("support", at("2026-11-03T19:00"))
    noon = sched.who("support", at("2026-11-03T12:00"))
    assert (evening.in_service, evening.outside_service_dial) == (True, None)
    assert (noon.in_service, noon.outside_service_dial) == (False, "PJSIP/reception")
    assert noon.chain, "the chain is still resolved outside service hours"
    assert noon.at.tzinfo is PARIS


def test_shifts_split_around_an_override() -> None:
    sched = schedule(PRIMARY, overrides=(XMAS, NESTED))
    pieces = [(s.person.id, s.start.isoformat(), s.end.isoformat(), s.override)
              for s in sched.shifts("support", at("2026-12-21T09:00"), at("2026-12-28T09:00"))]
    assert pieces == [
        ("bob", "2026-12-21T09:00:00+01:00", "2026-12-24T18:00:00+01:00", False),
        ("dave", "2026-12-24T18:00:00+01:00", "2026-12-25T10:00:00+01:00", True),
        ("carol", "2026-12-25T10:00:00+01:00", "2026-12-25T12:00:00+01:00", True),
        ("dave", "2026-12-25T12:00:00+01:00", "2026-12-26T09:00:00+01:00", True),
        ("bob", "2026-12-26T09:00:00+01:00", "2026-12-28T09:00:00+01:00", False),
    ]


def test_shifts_are_whole_and_last_23_or_25_hours_on_dst_days() -> None:
    march = schedule(DAILY_MARCH).shifts("support", at("2027-03-28T00:00"), at("2027-03-28T12:00"))
    assert [(s.start.isoformat(), s.duration) for s in march] == [
        ("2027-03-27T09:00:00+01:00", timedelta(hours=23)),
        ("2027-03-28T09:00:00+02:00", timedelta(hours=24)),
    ]
    october = schedule(DAILY_OCTOBER).shifts("support", at("2026-10-25T00:00"), at("2026-10-25T08:00"))
    assert [(s.start.isoformat(), s.duration) for s in october] == [
        ("2026-10-24T09:00:00+02:00", timedelta(hours=25)),
    ]


def test_unknown_override_targets_are_ignored_and_listed() -> None:
    stray = Override("support", "tertiary", "dave", at("2026-12-01T00:00"), at("2026-12-02T00:00"))
    sched = schedule(PRIMARY, overrides=(stray,))
    assert sched.ignored == (stray,)
    assert holders(sched, "2026-12-01T12:00")[0][1] == "bob"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        schedule(PRIMARY).who("support", datetime(2026, 12, 1))
