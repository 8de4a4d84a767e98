"""Properties: shifts tile time with no gap or overlap, every instant is in exactly one shift per
layer, and ``who`` agrees with ``shifts`` — for any rotation, overrides and zone (DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from astreinte.domain.hunt import HuntPolicy
from astreinte.domain.rota import Layer, Override, Person, Rotation, Team
from astreinte.domain.schedule import Schedule

PEOPLE = {pid: Person(pid, pid, (f"PJSIP/{pid}",)) for pid in ("p0", "p1", "p2", "p3", "p4")}
ZONES = ("Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC")
LO, HI = datetime(2025, 6, 1, tzinfo=UTC), datetime(2029, 6, 1, tzinfo=UTC)

instants = st.datetimes(min_value=LO.replace(tzinfo=None), max_value=HI.replace(tzinfo=None)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    members = tuple(draw(st.lists(st.sampled_from(sorted(PEOPLE)), min_size=1, max_size=4)))
    weekly = draw(st.booleans())
    every = draw(st.integers(1, 3)) * 7 if weekly else draw(st.integers(1, 10))
    handoff = draw(st.sampled_from([time(9), time(0), time(2, 30), time(23, 59), time(3), time(1, 45)]))
    start = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 1, 1)))
    return Rotation(members, every, handoff, start, start.weekday() if weekly else None)


@st.composite
def overrides(draw: st.DrawFn, zone: ZoneInfo) -> tuple[Override, ...]:
    result = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(instants)
        length = timedelta(minutes=draw(st.integers(1, 60 * 24 * 20)))
        result.append(Override("t", "l", draw(st.sampled_from(sorted(PEOPLE))), start.astimezone(zone),
                               (start + length).astimezone(zone)))
    return tuple(result)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schedule, Rotation]:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    rotation = draw(rotations())
    team = Team("t", ("1",), "hi", None, None, HuntPolicy(), (Layer("l", rotation),))
    return Schedule({"t": team}, PEOPLE, zone, draw(overrides(zone))), rotation


@settings(max_examples=300, deadline=None)
@given(cases(), instants, st.integers(1, 24 * 120))
def test_shifts_tile_time_without_gap_or_overlap(case: tuple[Schedule, Rotation], start: datetime, hours: int) -> None:
    schedule, rotation = case
    end = start + timedelta(hours=hours)
    shifts = schedule.shifts("t", start, end)
    first = datetime.combine(rotation.start, rotation.handoff, tzinfo=schedule.zone).timestamp()
    for a, b in pairwise(shifts):
        assert a.end.timestamp() <= b.start.timestamp(), "overlap"
        if a.end.timestamp() >= first:
            assert a.end.timestamp() == b.start.timestamp(), "gap after the first hand-off"
    for shift in shifts:
        assert shift.start.timestamp() < shift.end.timestamp()
        assert shift.end.timestamp() > start.timestamp() and shift.start.timestamp() < end.timestamp()
    if start.timestamp() >= first:
        assert shifts and shifts[0].start.timestamp() <= start.timestamp()
        assert shifts[-1].end.timestamp() >= end.timestamp()


@settings(max_examples=300, deadline=None)
@given(cases(), instants)
def test_every_instant_is_in_exactly_one_shift_and_who_agrees(case: tuple[Schedule, Rotation],
                                                              moment: datetime) -> None:
    schedule, rotation = case
    around = schedule.shifts("t", moment - timedelta(days=70), moment + timedelta(days=70))
    holding = [s for s in around if s.start.timestamp() <= moment.timestamp() < s.end.timestamp()]
    status = schedule.who("t", moment)
    if not status.chain:
        assert holding == []
        assert moment.timestamp() < datetime.combine(
            rotation.start, rotation.handoff, tzinfo=schedule.zone
        ).timestamp()
        return
    assert len(holding) == 1
    (shift,), (responder,) = holding, status.chain
    assert responder.person == shift.person
    assert responder.override == shift.override
    assert moment.timestamp() < responder.until.timestamp() <= shift.end.timestamp()


@settings(max_examples=200, deadline=None)
@given(cases(), instants)
def test_until_is_the_next_change_point(case: tuple[Schedule, Rotation], moment: datetime) -> None:
    schedule, _ = case
    status = schedule.who("t", moment)
    if not status.chain:
        return
    until = status.chain[0].until
    just_before = schedule.who("t", until - timedelta(seconds=1))
    assert just_before.chain and just_before.chain[0].person == status.chain[0].person
    assert just_before.chain[0].until == until
