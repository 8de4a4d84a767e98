"""Nobody answers: the caller leaves a message; it is stored, listed, and announced by webhook and e-mail
(a real local HTTP server and a real local SMTP server)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from lab import phones
from lab.observer import Observer
from tests.helpers.daemon import REPO, call_log, lab_config
from tests.helpers.lab import PORT, team
from tests.helpers.timing import wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append(envelope.original_content or envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


@pytest.fixture
def smtp() -> Any:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


async def test_voicemail_is_recorded_stored_and_notified(lab: Any, daemon: Any, observer: Observer,
                                                         tmp_path: Path, webhook: Any, smtp: Any) -> None:
    url, hooks = webhook
    smtp_port, mailbox = smtp
    extra = f"""
    notifications:
      webhook: {{url: "{url}"}}
      email: {{host: 127.0.0.1, port: {smtp_port}, from: astreinte@lab.test, to: [ops@lab.test]}}
    """
    voicemail = 'voicemail: {greeting: "Laissez un message.", max_length: 20s, max_silence: 15s}\n'
    people = """
      alice: {name: Alice Martin, phones: [PJSIP/alice], email: alice@lab.test}
    """
    config = lab_config(lab, tmp_path, team(("alice",), ring="3s", on_no_answer="voicemail", extra=voicemail),
                        people=people, extra=extra)
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    # the caller talks (RTP) and hangs up 12 s after being answered: greeting ~1 s, ring 3 s, prompt, message
    caller = await phones.call("1000", tmp_path, hold_ms=12000, media=True)
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    (row,) = await call_log(config, timeout=30)
    assert row["outcome"] == "voicemail" and row["answered_by"] is None
    assert [(a["person"], a["result"]) for a in row["attempts"]] == [("alice", "no_answer")]

    listing = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "astreinte", "--config", str(config), "messages", "--json"],
        capture_output=True, text=True, check=True, cwd=REPO)
    (message,) = json.loads(listing.stdout)
    audio = Path(message["path"])
    assert message["call_id"] == row["id"] and message["caller"] == "0611223344" and message["team"] == "support"
    assert audio.exists() and audio.stat().st_size > 8000, "the recording should hold a few seconds of audio"
    assert audio.read_bytes()[:4] == b"RIFF"
    assert message["notified"] == {"webhook": True, "email": True}

    # the daemon's start also told alice of her new shifts (a publication notice): keep the message's
    def about_the_message() -> list[int]:
        return [i for i, raw in enumerate(mailbox.messages) if "] message" in str(message_from_bytes(raw)["Subject"])]

    await wait_until(lambda: bool([h for h in hooks if h["kind"] == "voicemail"] and about_the_message()), 5,
                     "the webhook and the e-mail about the message")
    (hook,) = [h for h in hooks if h["kind"] == "voicemail"]
    assert hook["kind"] == "voicemail" and hook["call_id"] == row["id"] and hook["path"] == str(audio)
    assert hook["to"] == ["alice@lab.test"], "the webhook says who was told"
    (index,) = about_the_message()
    assert mailbox.recipients[index] == ["ops@lab.test", "alice@lab.test"], "the person rung gets the message too"
    mail = message_from_bytes(mailbox.messages[index])
    assert "support" in mail["Subject"] and "0611223344" in mail["Subject"]
    attachments = [part.get_filename() for part in mail.walk() if part.get_filename()]
    assert attachments == [audio.name]
