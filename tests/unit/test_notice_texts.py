"""What people read, built by the pure builders: the voicemail notice and the publication notice, in
French by default and in English for who asks."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from astreinte.config import Config, load
from astreinte.domain.agenda import current as revisions_of
from astreinte.domain.agenda import events, shifts_of
from astreinte.domain.publication import Change
from astreinte.notices.publication import person_notice, short_notice
from astreinte.notices.voicemail import voicemail_text

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 11, 10, 16, 0, tzinfo=PARIS)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    return load(path, environ={"ASTREINTE_ARI_PASSWORD": "x", "ASTREINTE_AMI_SECRET": "x"})


def test_the_voicemail_notice_in_french_and_in_english(config: Config) -> None:
    at = datetime(2026, 12, 24, 23, 5, tzinfo=PARIS)
    path = Path("/var/spool/asterisk/recording/astreinte-1.wav")
    subject, body = voicemail_text(config, "support", caller="0611223344", number="1000", at=at, duration=14.4,
                                   path=path)
    assert subject == "[astreinte] message sur support de 0611223344"
    assert body.splitlines() == [
        "0611223344 a appelé la ligne d'astreinte support (1000) le jeudi 24 décembre 2026 à 23:05 ; personne n'a "
        "répondu et un message de 14 secondes a été laissé.",
        f"Enregistrement : {path}",
        "Rappelez l'appelant, ou écoutez le message : astreinte messages."]
    subject, body = voicemail_text(config, "support", caller="", number="1000", at=at, duration=None, path=path,
                                   lang="en")
    assert subject == "[astreinte] message on support from an unknown number"
    assert body.startswith("an unknown number called the support on-call line (1000) on Thursday 24 December 2026 "
                           "at 23:05; nobody answered, and they left a message.\n")


class Published:
    def __init__(self, changes: tuple[Change, ...], reason: str = "") -> None:
        self.id, self.at, self.reason, self.changes = 7, AT, reason, changes


def change(person: str, kind: str, days: float, hours: float) -> Change:
    start = AT + timedelta(days=days)
    return Change(person, "support", "primary", kind, start, start + timedelta(hours=hours))  # type: ignore[arg-type]


def test_short_notice_is_time_added_less_than_notice_days_ahead(config: Config) -> None:
    soon, later = change("dave", "added", 1, 15), change("dave", "added", 20, 24)
    removed = change("bob", "removed", 1, 15)
    assert short_notice(config, AT, [soon, later, removed]) == [soon]


def test_a_notice_lists_the_changes_and_attaches_the_events(config: Config) -> None:
    schedule = config.schedule()
    mine = [r for r in revisions_of(events(shifts_of(schedule, ["support"], AT, AT + timedelta(days=60))), {}, AT)
            if r.event.person == "bob"]
    many = tuple(change("bob", "added", 20 + 7 * n, 12) for n in range(14))
    notice = person_notice(config, Published(many, "réorganisation"), "bob", many, mine)
    assert not notice.short_notice
    lines = notice.body.splitlines()
    assert lines[0] == "Bonjour Bob Durand,"
    assert lines[2] == "Votre programmation d'astreinte a changé (publication n° 7 du mardi 10 novembre 2026 à 16:00)."
    assert lines[4] == "Ajouté à votre astreinte :"
    assert lines[5] == "  - support, primary : du lundi 30 novembre 2026 à 16:00 au mardi 1 décembre 2026 à 04:00"
    assert "  et 2 autres créneaux, dans l'agenda joint." in lines
    assert "Cet avis vous parvient" not in notice.body, "bob has no e-mail, but no e-mail channel is configured"
    calendar = Calendar.from_ical(notice.ics)
    starts = sorted(e.decoded("DTSTART") for e in calendar.walk("VEVENT"))
    assert starts and all("Bob Durand" in str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert starts[0] == datetime(2026, 11, 9, 9, tzinfo=PARIS), "his shift of the notice period is attached"


def test_a_short_notice_in_english_gives_the_reason_or_says_there_is_none(config: Config) -> None:
    english = replace(config, language="en")
    soon = (change("dave", "added", 1, 15),)
    notice = person_notice(english, Published(soon), "dave", soon, [])
    assert notice.short_notice and notice.subject == "[astreinte] Short notice: your on-call schedule changes, " \
        "David Moreau"
    assert "Reason: no reason given" in notice.body
    assert "published less than 15 days ahead" in notice.body


def test_a_message_notice_says_its_state_in_french_and_in_english(config: Config) -> None:
    from astreinte.domain.calls.callout_text import MessageFacts, StateFacts
    from astreinte.notices.message import message_text

    at = datetime(2026, 11, 7, 3, 14, tzinfo=ZoneInfo("Europe/Paris"))
    message = MessageFacts("support", "0611223344", "1000", at, 42.0, "/spool/m.wav", tier="voicemail")
    heard = StateFacts("heard", "bob", at + timedelta(minutes=1))
    subject, body = message_text(config, message, heard)
    assert subject == "[astreinte] message sur support de 0611223344 : déjà écouté par Bob Durand à 03:15, " \
                      "pas encore acquitté"
    assert "État : déjà écouté par Bob Durand à 03:15, pas encore acquitté." in body
    assert "servi par l'autocommutateur (voicemail)" in body and "Enregistrement : /spool/m.wav" in body
    acked = StateFacts("acknowledged", "bob", at + timedelta(minutes=1), "alice", "cli", at + timedelta(minutes=6))
    subject, body = message_text(config, message, acked)
    assert subject == "[astreinte] message sur support de 0611223344 acquitté par Alice Martin"
    assert "écouté par Bob Durand à 03:15, acquitté par Alice Martin (en ligne de commande) à 03:20" in body
    expired = StateFacts("expired", rounds=1)
    assert message_text(config, message, expired)[0] == "[astreinte] message sur support de 0611223344 NON ACQUITTÉ"
    assert "NON ACQUITTÉ après 1 tournée de rappel" in message_text(config, message, expired)[1]
    subject, body = message_text(config, message, StateFacts("expired", "bob", at, rounds=3), lang="en")
    assert subject == "[astreinte] message on support from 0611223344 NOT ACKNOWLEDGED"
    assert "State: heard by Bob Durand at 03:14 but NOT ACKNOWLEDGED after 3 callout rounds." in body
    boxed = MessageFacts("support", "", "1000", at, None, None, "100@default")
    assert "Enregistrement : la boîte vocale 100@default" in message_text(config, boxed, StateFacts("new"))[1]
