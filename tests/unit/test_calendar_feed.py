"""Calendar feeds that stay true, read with the ``icalendar`` parser the way a calendar client keeps
them: events by UID, an event replaced by a higher SEQUENCE, cancelled ones hidden. An override
updates the replaced person's event and cancels nothing; removing it gives the week back and
cancels what it had added. The feeds reach at least six months ahead."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from astreinte.cli import main
from astreinte.domain.agenda import Event, Revision, advance

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY_EVENING = datetime(2026, 11, 11, 20, tzinfo=PARIS)    # in bob's week (9 to 16 November)
WEEK = (datetime(2026, 11, 9, tzinfo=PARIS), datetime(2026, 11, 16, tzinfo=PARIS))


class Client:
    """What a calendar application keeps of the feeds it imported (RFC 5545 UID and SEQUENCE)."""

    def __init__(self) -> None:
        self.events: dict[str, tuple[int, dict[str, object]]] = {}

    def load(self, ics: bytes) -> None:
        for event in Calendar.from_ical(ics).walk("VEVENT"):
            uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
            if uid not in self.events or sequence >= self.events[uid][0]:
                self.events[uid] = (sequence, {"summary": str(event["SUMMARY"]), "status": str(event["STATUS"]),
                                               "start": event.decoded("DTSTART"), "end": event.decoded("DTEND")})

    def shown(self) -> list[dict[str, object]]:
        return sorted((e for _, e in self.events.values() if e["status"] != "CANCELLED"),
                      key=lambda e: (e["start"], e["summary"]))

    def at(self, moment: datetime) -> list[str]:
        return sorted(str(e["summary"]) for e in self.shown() if e["start"] <= moment < e["end"])  # type: ignore[operator]

    def week(self) -> list[tuple[str, str, str]]:
        lo, hi = WEEK
        return [(e["start"].strftime("%d %H:%M"), e["end"].strftime("%d %H:%M"), str(e["summary"]))  # type: ignore[attr-defined]
                for e in self.shown() if lo <= e["start"] < hi]  # type: ignore[operator]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def run(config_file: Path, now: str, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
    result = CliRunner().invoke(main, ["--config", str(config_file), "--now", now, *args], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


BOB = "Astreinte support, niveau 1 (primary) : Bob Durand"
CAROL = "Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]"
DAVE = "Astreinte support, niveau 2 (secondary) : David Moreau"


def test_an_override_updates_the_event_and_its_removal_cancels_what_it_added(config_file: Path) -> None:
    client = Client()
    run(config_file, "2026-10-20T09:00", "rota", "load")
    client.load(run(config_file, "2026-10-20T09:00", "calendar", "-t", "support").stdout_bytes)
    assert client.at(WEDNESDAY_EVENING) == [BOB, DAVE]
    assert client.week() == [("09 09:00", "16 09:00", BOB), ("09 09:00", "16 09:00", DAVE)]

    run(config_file, "2026-10-21T09:00", "override", "add", "-t", "support", "-p", "carol",
        "--from", "2026-11-11T18:00", "--to", "2026-11-12T09:00", "--reason", "dentist")
    client.load(run(config_file, "2026-10-21T09:00", "calendar", "-t", "support").stdout_bytes)
    assert client.at(WEDNESDAY_EVENING) == [CAROL, DAVE]
    assert client.week() == [("09 09:00", "11 18:00", BOB), ("09 09:00", "16 09:00", DAVE),
                             ("11 18:00", "12 09:00", CAROL), ("12 09:00", "16 09:00", BOB)]

    run(config_file, "2026-10-22T09:00", "override", "remove", "1")
    client.load(run(config_file, "2026-10-22T09:00", "calendar", "-t", "support").stdout_bytes)
    assert client.at(WEDNESDAY_EVENING) == [BOB, DAVE]
    assert client.week() == [("09 09:00", "16 09:00", BOB), ("09 09:00", "16 09:00", DAVE)]
    assert [sequence for sequence, e in client.events.values() if e["summary"] == BOB
            and e["start"] == datetime(2026, 11, 9, 9, tzinfo=PARIS)] == [2], "updated twice: cut, then given back"


def test_person_feeds_follow_their_person(config_file: Path) -> None:
    bob, carol = Client(), Client()
    run(config_file, "2026-10-20T09:00", "rota", "load")
    bob.load(run(config_file, "2026-10-20T09:00", "calendar", "-p", "bob").stdout_bytes)
    carol.load(run(config_file, "2026-10-20T09:00", "calendar", "-p", "carol").stdout_bytes)
    run(config_file, "2026-10-21T09:00", "override", "add", "-t", "support", "-p", "carol",
        "--from", "2026-11-09T09:00", "--to", "2026-11-16T09:00")          # carol takes bob's whole week
    bob.load(run(config_file, "2026-10-21T09:00", "calendar", "-p", "bob").stdout_bytes)
    carol.load(run(config_file, "2026-10-21T09:00", "calendar", "-p", "carol").stdout_bytes)
    assert bob.at(WEDNESDAY_EVENING) == [], "bob's calendar cancels the week he no longer holds"
    assert carol.at(WEDNESDAY_EVENING) == [CAROL]


def test_schedule_ics_is_numbered_like_the_feed_and_cancels_too(config_file: Path) -> None:
    client = Client()
    window = ("schedule", "-t", "support", "--from", "2026-11-01", "--to", "2026-12-01", "--ics")
    run(config_file, "2026-10-20T09:00", "rota", "load")
    client.load(run(config_file, "2026-10-20T09:00", *window).stdout_bytes)
    run(config_file, "2026-10-21T09:00", "override", "add", "-t", "support", "-p", "carol",
        "--from", "2026-11-11T18:00", "--to", "2026-11-12T09:00")
    client.load(run(config_file, "2026-10-21T09:00", *window).stdout_bytes)
    assert client.at(WEDNESDAY_EVENING) == [CAROL, DAVE]
    run(config_file, "2026-10-22T09:00", "override", "remove", "1")
    client.load(run(config_file, "2026-10-22T09:00", *window).stdout_bytes)
    assert client.at(WEDNESDAY_EVENING) == [BOB, DAVE]


def test_the_feed_reaches_six_months_ahead_and_repeats_itself(config_file: Path) -> None:
    run(config_file, "2026-12-31T23:00", "rota", "load")
    first = run(config_file, "2026-12-31T23:00", "calendar", "-t", "support").stdout_bytes
    events = Calendar.from_ical(first).walk("VEVENT")
    last_end = max(e.decoded("DTEND") for e in events)
    assert last_end - datetime(2026, 12, 31, 23, tzinfo=PARIS) >= timedelta(days=183)
    assert Calendar.from_ical(first).walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    # a load a month later changes nothing for these events: same UIDs, same SEQUENCE, same bytes
    run(config_file, "2027-01-02T09:00", "rota", "load")
    again = {str(e["UID"]): int(str(e["SEQUENCE"]))
             for e in Calendar.from_ical(run(config_file, "2026-12-31T23:00", "calendar", "-t", "support")
                                         .stdout_bytes).walk("VEVENT")}
    assert {str(e["UID"]): int(str(e["SEQUENCE"])) for e in events}.items() <= again.items()


def test_the_english_feed_of_someone_who_reads_english(config_file: Path) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        "    name: David Moreau\n", "    name: David Moreau\n    language: en\n"), encoding="utf-8")
    run(config_file, "2026-10-20T09:00", "rota", "load")
    calendar = Calendar.from_ical(run(config_file, "2026-10-20T09:00", "calendar", "-p", "dave").stdout_bytes)
    assert str(calendar["X-WR-CALNAME"]) == "On call: David Moreau"
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "On call support, level 2 (secondary): David Moreau"


def _event(uid: str, start: int, end: int, person: str = "bob") -> Event:
    day = datetime(2026, 11, 9, 9, tzinfo=PARIS)
    return Event(uid, "support", "primary", 1, person, day + timedelta(days=start), day + timedelta(days=end))


def test_advance_numbers_changes_and_keeps_vanished_events_as_cancelled() -> None:
    at = datetime(2026, 10, 20, tzinfo=PARIS)
    later = at + timedelta(days=1)
    first = advance([], [_event("a", 0, 7), _event("b", 7, 14)], at, at + timedelta(days=60), at)
    assert [(r.event.uid, r.sequence, r.cancelled) for r in first] == [("a", 0, False), ("b", 0, False)]
    moved = advance(first, [_event("a", 0, 2), _event("b", 7, 14), _event("c", 2, 3, "carol")], later,
                    at + timedelta(days=60), later)
    assert [(r.event.uid, r.sequence, r.cancelled) for r in moved] == [("a", 1, False), ("c", 0, False)]
    stored = {r.event.uid: r for r in [*first, *moved]}
    back = advance(list(stored.values()), [_event("a", 0, 7), _event("b", 7, 14)], later, at + timedelta(days=60),
                   later)
    assert [(r.event.uid, r.sequence, r.cancelled) for r in back] == [("a", 2, False), ("c", 1, True)]
    assert all(isinstance(r, Revision) and r.stamp == later for r in back)
    past = advance(first, [], at + timedelta(days=40), at + timedelta(days=60), later)
    assert past == [], "events that ended before the publication are history: left as they were"
