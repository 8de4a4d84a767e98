"""Publication notices reach people, through a real local SMTP server (aiosmtpd) and a real local HTTP
webhook: ``rota load`` of a change for two people sends exactly two notices, each with that
person's changes and a valid ``.ics``; ``rota log`` shows them delivered; an override added for
tomorrow says it is short notice and gives the reason. The daemon's path (``AsyncStore``) sends the
same notices."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from icalendar import Calendar

from astreinte.adapters.publication_notices import notify_publication
from astreinte.adapters.store.aio import AsyncStore
from astreinte.cli import main
from astreinte.config import load

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
# The example rota: alice, bob, carol take primary in turn, weekly from Monday 2 November 2026 09:00.
FIRST = "2026-10-01T09:00"          # the rota is published a month ahead
CHANGE = "2026-10-20T10:00"         # carol takes bob's week of 9 November: a change for two people
SWAP = """
  - team: support
    layer: primary
    person: carol
    from: 2026-11-09T09:00
    to: 2026-11-16T09:00
    reason: bob on training
"""


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name for it
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"

    def take(self) -> list[tuple[list[str], Message]]:
        mails, self.mails = self.mails, []
        return mails


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def config_file(tmp_path: Path, smtp: tuple[int, Mailbox], webhook: tuple[str, list[dict[str, Any]]]) -> Path:
    port, _ = smtp
    url, _ = webhook
    text = EXAMPLE.read_text(encoding="utf-8")
    for person in ("alice", "bob", "carol", "dave"):
        text = text.replace(f"  {person}:\n    name:", f"  {person}:\n    email: {person}@example.com\n    name:")
    text = text.replace("    name: David Moreau\n", "    name: David Moreau\n    language: en\n")
    text += f"""
notifications:
  webhook: {{url: "{url}"}}
  email: {{host: 127.0.0.1, port: {port}, from: astreinte@example.com, to: [leads@example.com]}}
"""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(config_file: Path, now: str, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
    result = CliRunner().invoke(main, ["--config", str(config_file), "--now", now, *args], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def body_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain" and not p.get_filename())
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")


def ics_of(mail: Message) -> Calendar:
    (part,) = [p for p in mail.walk() if p.get_filename()]
    payload = part.get_payload(decode=True)
    assert part.get_content_type() == "text/calendar" and str(part.get_filename()).endswith(".ics")
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_change_for_two_people_sends_exactly_two_notices(config_file: Path, smtp: Any, webhook: Any) -> None:
    _, mailbox = smtp
    _, hooks = webhook
    first = run(config_file, FIRST, "rota", "load")
    assert len(mailbox.take()) == 4 and len(hooks) == 4, "a first publication tells everyone on call"
    assert "notice to dave" in first.output
    hooks.clear()
    config_file.write_text(config_file.read_text(encoding="utf-8").replace("    reason: swap with carol\n",
                                                                             "    reason: swap with carol\n" + SWAP))
    loaded = run(config_file, CHANGE, "rota", "load")

    mails = {recipients[0]: mail for recipients, mail in mailbox.take()}
    assert sorted(mails) == ["bob@example.com", "carol@example.com"], "exactly the two people concerned"
    bob, carol = body_of(mails["bob@example.com"]), body_of(mails["carol@example.com"])
    assert mails["bob@example.com"]["Subject"] == "[astreinte] Votre astreinte change, Bob Durand"
    assert "Retiré de votre astreinte :\n  - support, primary : du lundi 9 novembre 2026 à 09:00 au lundi " \
           "16 novembre 2026 à 09:00" in bob
    assert "Ajouté" not in bob and "Délai" not in bob, "20 days ahead: on time"
    assert "Ajouté à votre astreinte :\n  - support, primary : du lundi 9 novembre 2026 à 09:00 au lundi " \
           "16 novembre 2026 à 09:00" in carol
    assert "Retiré" not in carol

    # Each .ics is valid and holds that person's shifts, with the UIDs of the calendar feed.
    feed = Calendar.from_ical(run(config_file, CHANGE, "calendar", "--person", "carol").stdout_bytes)
    carol_events = ics_of(mails["carol@example.com"]).walk("VEVENT")
    assert carol_events and all("Carol Petit" in str(e["SUMMARY"]) for e in carol_events)
    assert {str(e["UID"]) for e in carol_events} <= {str(e["UID"]) for e in feed.walk("VEVENT")}
    swapped = next(e for e in carol_events if e.decoded("DTSTART") == datetime(2026, 11, 9, 9, tzinfo=PARIS))
    assert "[remplacement]" in str(swapped["SUMMARY"]) and "bob on training" in str(swapped["DESCRIPTION"])
    bob_events = ics_of(mails["bob@example.com"]).walk("VEVENT")
    cancelled = [e for e in bob_events if str(e["STATUS"]) == "CANCELLED"]
    assert [e.decoded("DTSTART") for e in cancelled] == [datetime(2026, 11, 9, 9, tzinfo=PARIS)]
    assert int(str(cancelled[0]["SEQUENCE"])) == 1, "bob's calendar drops the week he no longer holds"

    assert sorted(h["person"] for h in hooks) == ["bob", "carol"]
    assert all(h["kind"] == "publication" and h["publication"] == 2 for h in hooks)
    assert next(h for h in hooks if h["person"] == "carol")["to"] == ["carol@example.com"]

    assert "notice to bob" in loaded.output and "notice to carol" in loaded.output
    log = run(config_file, CHANGE, "rota", "log").output
    assert "#2  2026-10-20T10:00:00+02:00  rota load" in log
    delivered = [line.strip() for line in log.splitlines() if line.startswith("    notice to")][:2]
    assert delivered == [
        "notice to bob Tue 20 Oct 2026 10:00: webhook accepted (HTTP 200), email bob@example.com accepted "
        "(250 Message accepted for delivery)",
        "notice to carol Tue 20 Oct 2026 10:00: webhook accepted (HTTP 200), email carol@example.com accepted "
        "(250 Message accepted for delivery)"]


def test_an_override_for_tomorrow_is_short_notice_with_its_reason(config_file: Path, smtp: Any) -> None:
    _, mailbox = smtp
    run(config_file, "2026-11-10T09:00", "rota", "load")     # the same month: the window does not grow
    mailbox.take()
    run(config_file, "2026-11-10T16:00", "override", "add", "-t", "support", "-p", "dave", "--from",
        "2026-11-11T18:00", "--to", "2026-11-12T09:00", "--reason", "Bob is ill")
    mails = {recipients[0]: mail for recipients, mail in mailbox.take()}
    assert sorted(mails) == ["bob@example.com", "dave@example.com"]
    bob = flat(body_of(mails["bob@example.com"]))
    assert mails["bob@example.com"]["Subject"] == "[astreinte] Votre astreinte change, Bob Durand"
    assert "Retiré de votre astreinte" in bob and "Délai" not in bob, "time removed is not short notice"
    dave = body_of(mails["dave@example.com"])
    assert mails["dave@example.com"]["Subject"] == \
        "[astreinte] Short notice: your on-call schedule changes, David Moreau", "dave reads English"
    assert "Short notice: on-call time from Wednesday 11 November 2026 at 18:00 was published less than 15 " \
           "days ahead" in flat(dave)
    assert "Reason: Bob is ill" in dave
    log = run(config_file, "2026-11-10T16:00", "rota", "log").output
    assert "override add #1" in log and "reason: Bob is ill" in log
    assert "notice to dave [short notice] Tue 10 Nov 2026 16:00: webhook accepted" in log


async def test_the_daemon_path_sends_the_same_notices(config_file: Path, smtp: Any, webhook: Any) -> None:
    """``notify_publication`` through the daemon's store thread; an SMTP server that is down is recorded
    as a failed delivery, not lost, and the webhook still gets its notice."""
    _, mailbox = smtp
    config = load(config_file, environ={})
    at = datetime(2026, 10, 1, 9, tzinfo=PARIS)
    store = await AsyncStore.open(config.database)
    try:
        publication = await store.run(lambda s: s.publish(config, at, source="file changed", author="daemon"))
        assert publication is not None
        deliveries = await notify_publication(config, store, publication, at)
        assert sorted({d.person for d in deliveries}) == ["alice", "bob", "carol", "dave"]
        assert all(d.accepted for d in deliveries) and len(mailbox.take()) == 4
        number = publication.id
        recorded = await store.run(lambda s: s.deliveries([number]))
        assert sorted((d.person, d.channel) for d in recorded) == sorted((d.person, d.channel) for d in deliveries)

        smtp_port, _ = smtp
        text = config_file.read_text(encoding="utf-8").replace(f"port: {smtp_port}, from", f"port: {free_port()}, from")
        config_file.write_text(text.replace("    reason: swap with carol\n", "    reason: swap with carol\n" + SWAP))
        down = load(config_file, environ={})
        later = datetime(2026, 10, 2, 9, tzinfo=PARIS)
        publication = await store.run(lambda s: s.publish(down, later, source="file changed", author="daemon"))
        failed = await notify_publication(down, store, publication, later)
        email = [d for d in failed if d.channel == "email"]
        assert email and not any(d.accepted for d in email) and all(d.reply for d in email)
        assert all(d.accepted for d in failed if d.channel == "webhook")
    finally:
        await store.close()


def test_a_mail_server_that_is_down_is_logged_not_lost(config_file: Path, smtp: Any, webhook: Any) -> None:
    port, _ = smtp
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(f"port: {port}, from",
                                                                             f"port: {free_port()}, from"))
    loaded = run(config_file, FIRST, "rota", "load")
    assert "warning: the notice did not reach alice, bob, carol, dave by every channel" in loaded.stderr
    log = run(config_file, FIRST, "rota", "log").output
    bob = next(line for line in log.splitlines() if "notice to bob" in line)
    assert "webhook accepted (HTTP 200)" in bob and "email bob@example.com FAILED (" in bob
