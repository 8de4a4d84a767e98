"""Who is on call now or next with a softphone down, hand-off reminders, and the watch's memory."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from astreinte.config import Config, load
from astreinte.provision.duty import (
    Alert,
    PhoneState,
    Reminder,
    Watcher,
    alert_text,
    alerts,
    duties,
    log_line,
    reminder_text,
    states_of,
)
from astreinte.provision.pjsip import softphones
from astreinte.runtime.phones import round_of

PARIS = ZoneInfo("Europe/Paris")
CONFIG = """\
timezone: Europe/Paris
asterisk:
  ari: {url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}
  ami: {host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}
  outbound: "PJSIP/{number}@trunk-out"
people:
  alice: {name: Alice Martin, phones: [PJSIP/alice, "+33612345678"]}
  bob: {name: Bob Durand, phones: [PJSIP/bob]}
teams:
  support:
    numbers: ["1000"]
    greeting: "Bonjour."
    layers:
      - name: primary
        rotation: {members: [alice, bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
phones: {domain: pbx.example.com, remind_before: 1h, warn_after: 2m}
"""
# alice holds primary from Mon 16 Nov 09:00 to Mon 23 Nov 09:00, then bob
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=PARIS)
MONDAY_0830 = datetime(2026, 11, 23, 8, 30, tzinfo=PARIS)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return load(path, environ={})


def phones_of(config: Config, states: dict[str, str]) -> dict[str, list[PhoneState]]:
    assert config.phones is not None
    return states_of(softphones(config.people.values(), config.phones), states)


def test_duties_now_and_next(config: Config) -> None:
    found = duties(config.schedule(), ["support"], SUNDAY)
    assert [(d.person, d.current, d.shift.start.isoformat()) for d in found] == [
        ("alice", True, "2026-11-16T09:00:00+01:00"), ("bob", False, "2026-11-23T09:00:00+01:00")]


def test_alerts_for_down_softphones_of_people_on_call_now_or_next(config: Config) -> None:
    found = duties(config.schedule(), ["support"], SUNDAY)
    states = phones_of(config, {"PJSIP/alice": "offline"})          # bob's endpoint is not even loaded
    got = [(a.duty.person, a.phone.phone.phone, a.phone.state, a.duty.current) for a in alerts(found, states)]
    assert got == [("alice", "PJSIP/alice", "offline", True), ("bob", "PJSIP/bob", "missing", False)]
    online = phones_of(config, {"PJSIP/alice": "online", "PJSIP/bob": "online"})
    assert alerts(found, online) == []
    assert [a.duty.person for a in alerts(found, states, next_only_before=SUNDAY + timedelta(hours=1))] == ["alice"]


def test_texts_say_who_when_and_what_still_rings(config: Config) -> None:
    found = duties(config.schedule(), ["support"], SUNDAY)
    alert = alerts(found, phones_of(config, {"PJSIP/alice": "offline"}))[0]
    subject, body = alert_text(alert, PARIS)
    assert "Alice Martin" in subject and "hors ligne" in subject and "d'astreinte en ce moment" in subject
    assert "+33612345678" in body and "les appels le sautent sans le faire sonner" in body
    subject, body = reminder_text(found[1], phones_of(config, {"PJSIP/bob": "online"})["bob"], PARIS)
    assert subject == "astreinte : vous êtes d'astreinte support à partir du lun. 23 nov. 2026 09:00"
    assert body.startswith("Bonjour Bob Durand,\n\nVous prenez l'astreinte support/primary (niveau 1) "
                           "du lundi 23 novembre 2026 à 09:00 au lundi 30 novembre 2026 à 09:00.\n")
    assert "PJSIP/bob en ligne" in body and "Attention" not in body


def test_texts_in_english_for_who_asks(config: Config) -> None:
    found = duties(config.schedule(), ["support"], SUNDAY)
    subject, body = reminder_text(found[1], phones_of(config, {"PJSIP/bob": "online"})["bob"], PARIS, "en")
    assert subject == "astreinte: you are on call for support from Mon 23 Nov 2026 09:00"
    assert body.startswith("Hello Bob Durand,\n\nYou take over support/primary (level 1) from Monday 23 November "
                           "2026 at 09:00 to Monday 30 November 2026 at 09:00.\n")
    assert "PJSIP/bob online" in body
    alert = alerts(found, phones_of(config, {"PJSIP/alice": "offline"}))[0]
    subject, _body = alert_text(alert, PARIS, "en")
    assert subject == "astreinte: Alice Martin's softphone PJSIP/alice is offline (on call now)"
    assert log_line(alert, PARIS) == subject, "the daemon logs in English whatever people read"


def test_watch_alerts_once_per_episode_after_warn_after_and_reminds_once(config: Config) -> None:
    watcher = Watcher()
    down = {"PJSIP/alice": "offline", "PJSIP/bob": "online"}
    assert round_of(watcher, config, config.schedule(), down, SUNDAY) == []             # not down for 2 min yet
    later = round_of(watcher, config, config.schedule(), down, SUNDAY + timedelta(minutes=3))
    assert [(type(i).__name__, i.duty.person) for i in later] == [("Alert", "alice")]
    assert round_of(watcher, config, config.schedule(), down, SUNDAY + timedelta(minutes=4)) == []
    up = {"PJSIP/alice": "online", "PJSIP/bob": "online"}
    assert round_of(watcher, config, config.schedule(), up, SUNDAY + timedelta(minutes=5)) == []
    round_of(watcher, config, config.schedule(), down, SUNDAY + timedelta(minutes=6))
    again = round_of(watcher, config, config.schedule(), down, SUNDAY + timedelta(minutes=9))
    assert [type(i).__name__ for i in again] == ["Alert"]                                 # a new episode

    items = round_of(watcher, config, config.schedule(), up, MONDAY_0830)
    assert len(items) == 1 and isinstance(items[0], Reminder)
    reminder = items[0]
    assert reminder.duty.person == "bob" and [s.state for s in reminder.phones] == ["online"]
    assert round_of(watcher, config, config.schedule(), up, MONDAY_0830 + timedelta(minutes=10)) == []


def test_bob_offline_before_his_shift_is_warned_within_remind_before(config: Config) -> None:
    watcher = Watcher()
    bob_down = {"PJSIP/alice": "online", "PJSIP/bob": "offline"}
    assert round_of(watcher, config, config.schedule(), bob_down, SUNDAY) == []
    assert round_of(watcher, config, config.schedule(), bob_down, SUNDAY + timedelta(hours=1)) == []  # far off
    items = round_of(watcher, config, config.schedule(), bob_down, MONDAY_0830)
    kinds = sorted((type(i).__name__, i.duty.person) for i in items)
    assert kinds == [("Alert", "bob"), ("Reminder", "bob")]
    reminder = next(i for i in items if isinstance(i, Reminder))
    assert "Attention : un softphone n'est pas enregistré" in reminder_text(reminder.duty, reminder.phones, PARIS)[1]
    assert all(isinstance(i, Alert | Reminder) for i in items)
