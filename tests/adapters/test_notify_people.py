"""Notices about one person also reach that person (``people.<id>.email``), through a real SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from astreinte.config import load
from astreinte.watch.phones import watch_phones

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


async def test_the_incoming_person_gets_the_hand_off_reminder_by_email(tmp_path: Path, smtp: Any) -> None:
    port, mailbox = smtp
    path = tmp_path / "config.yaml"
    path.write_text(f"""\
timezone: Europe/Paris
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
    config = load(path, environ={})
    live = SimpleNamespace(config=config, schedule=config.schedule())
    presence = SimpleNamespace(states={"PJSIP/alice": "online", "PJSIP/bob": "online"})
    task = asyncio.create_task(watch_phones(live, presence, interval=0.05, clock=lambda: MONDAY_0830))
    try:
        for _ in range(100):
            if mailbox.mails:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    ((recipients, raw),) = mailbox.mails
    assert recipients == ["leads@example.com", "bob@example.com"], "bob takes over: he is told, alice is not"
    mail = message_from_bytes(raw)
    assert "bob@example.com" in mail["To"] and "Bob Durand" in mail.get_payload()
