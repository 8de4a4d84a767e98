"""The daemon's notices (hand-off reminders) through a real SMTP server: they reach the person they
are about (``people.<id>.email``), and a restarted daemon does not send them twice."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from astreinte.adapters.store.aio import AsyncStore
from astreinte.config import load
from astreinte.runtime.phones import watch_phones
from tests.helpers.timing import wait_until

PARIS = ZoneInfo("Europe/Paris")
MONDAY_0830 = datetime(2026, 11, 23, 8, 30, tzinfo=PARIS)    # bob takes over at 09:00


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name for it
        self.mails.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


def write_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"""\
timezone: Europe/Paris
database: {tmp_path / "astreinte.db"}
asterisk:
  ari: {{url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}}
  ami: {{host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}}
  outbound: "PJSIP/{{number}}@trunk-out"
people:
  alice: {{name: Alice Martin, phones: [PJSIP/alice], email: alice@example.com}}
  bob: {{name: Bob Durand, phones: [PJSIP/bob], email: bob@example.com}}
teams:
  support:
    numbers: ["1000"]
    greeting: "Bonjour."
    layers:
      - name: primary
        rotation: {{members: [alice, bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}}
phones: {{domain: pbx.example.com, remind_before: 1h, warn_after: 2m}}
notifications:
  email: {{host: 127.0.0.1, port: {port}, from: astreinte@example.com, to: [leads@example.com]}}
""", encoding="utf-8")
    return path


async def watch_for_a_while(live: Any, now: datetime, mailbox: Mailbox, seconds: float = 5.0) -> None:
    """Run the daemon's watch at instant ``now`` until a mail arrives, or ``seconds`` (scaled) without one."""
    presence = SimpleNamespace(states={"PJSIP/alice": "online", "PJSIP/bob": "online"})
    before = len(mailbox.mails)
    task = asyncio.create_task(watch_phones(live, presence, interval=0.05, clock=lambda: now))
    try:
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: len(mailbox.mails) > before, seconds, "a mail")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_incoming_person_gets_the_hand_off_reminder_by_email(tmp_path: Path, smtp: Any) -> None:
    port, mailbox = smtp
    config = load(write_config(tmp_path, port), environ={})
    live = SimpleNamespace(config=config, schedule=config.schedule(), store=None)
    await watch_for_a_while(live, MONDAY_0830, mailbox, seconds=5)
    ((recipients, raw),) = mailbox.mails
    assert recipients == ["leads@example.com", "bob@example.com"], "bob takes over: he is told, alice is not"
    mail = message_from_bytes(raw)
    assert "bob@example.com" in mail["To"] and "Bob Durand" in mail.get_payload()


async def test_a_daemon_restarted_before_the_hand_off_does_not_remind_twice(tmp_path: Path, smtp: Any) -> None:
    port, mailbox = smtp
    config = load(write_config(tmp_path, port), environ={})

    async def daemon_run(now: datetime) -> list[dict[str, Any]]:
        """One life of the daemon: the database opened from its file, a watch at ``now``, the database closed."""
        store = await AsyncStore.open(config.database)
        try:
            live = SimpleNamespace(config=config, schedule=config.schedule(), store=store)
            await watch_for_a_while(live, now, mailbox)
            return await store.run(lambda s: s.notices())
        finally:
            await store.close()

    await daemon_run(MONDAY_0830)
    assert len(mailbox.mails) == 1
    # the daemon restarts ten minutes later: a new process reads the same file; it is given as long to
    # send a mail as the first one had
    (noted,) = await daemon_run(MONDAY_0830 + timedelta(minutes=10))
    assert len(mailbox.mails) == 1, "bob was reminded again after a restart"
    assert (noted["kind"], noted["person"], noted["results"]) == ("handoff_reminder", "bob", {"email": True})


async def test_a_reminder_being_noted_when_the_daemon_stops_is_noted_before_the_store_closes(
        tmp_path: Path, smtp: Any) -> None:
    # the mail is out, the store is slow to note it, the daemon stops (the watch is cancelled, then
    # the store closed): the watch's end waits for the note, or a restart would remind bob again
    port, mailbox = smtp
    config = load(write_config(tmp_path, port), environ={})
    store = await AsyncStore.open(config.database)
    noted = asyncio.Event()
    real_run = store.run

    async def slow_run(job: Any) -> Any:
        await asyncio.sleep(0.3)
        result = await real_run(job)
        noted.set()
        return result

    store.run = slow_run            # type: ignore[method-assign,assignment]
    try:
        live = SimpleNamespace(config=config, schedule=config.schedule(), store=store)
        presence = SimpleNamespace(states={"PJSIP/alice": "online", "PJSIP/bob": "online"})
        task = asyncio.create_task(watch_phones(live, presence, interval=0.05, clock=lambda: MONDAY_0830))
        await wait_until(lambda: len(mailbox.mails) == 1, 5, "bob's reminder")
        noted.clear()           # the read of the reminders already sent, at the watch's start
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert noted.is_set(), "the watch stopped before its reminder was noted"
        (notice,) = await real_run(lambda s: s.notices())
        assert (notice["kind"], notice["person"]) == ("handoff_reminder", "bob")
    finally:
        await store.close()
