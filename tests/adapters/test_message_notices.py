"""The notices of a message's states (astreinte/runtime/message_notices.py) through a real local SMTP
server and a real local webhook: each change told once, the e-mail saying the state, the audio attached."""

from __future__ import annotations

import socket
import wave
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from astreinte.adapters.store import PbxMessage
from astreinte.config import load
from astreinte.domain.calls.record import AttemptRecord, CallRecord
from astreinte.runtime.message_notices import MessageNotifier
from astreinte.runtime.services import Services
from tests.helpers.calls import PROMPTS
from tests.helpers.fakes import FakeStore, LoopClock

T0 = datetime(2026, 11, 7, 2, 14, tzinfo=UTC)           # 03:14 in Paris


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name for it
        self.mails.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


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


def configured(tmp_path: Path, smtp_port: int, url: str) -> Path:
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
    greeting: "Astreinte."
    messages: {{callout: true}}
    layers:
      - name: l1
        rotation: {{members: [alice, bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}}
notifications:
  webhook: {{url: "{url}"}}
  email: {{host: 127.0.0.1, port: {smtp_port}, from: astreinte@example.com, to: [ops@example.com]}}
""")
    return path


def recording(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * int(8000 * seconds))
    return path


def text_of(mail: bytes) -> tuple[str, str, list[str]]:
    message = message_from_bytes(mail)
    body = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    files = [part.get_filename() or "" for part in message.walk() if part.get_filename()]
    payload = body.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(make_header(decode_header(message["Subject"]))), payload.decode(), files


async def test_a_pbx_message_then_its_expiry_are_told_once_each_with_the_state(tmp_path: Path, smtp: Any,
                                                                              webhook: Any) -> None:
    (smtp_port, mailbox), (url, hooks) = smtp, webhook
    config = load(configured(tmp_path, smtp_port, url), environ={})
    store = FakeStore(config.database)
    audio = recording(tmp_path / "1000-1794.7.wav", 6.0)
    call = CallRecord("1794.7", T0, did="1000", caller="0611223344", team="support", outcome="voicemail",
                      ended_at=T0 + timedelta(seconds=30), tier="voicemail")
    number = store.store.import_pbx_call(call, [], PbxMessage("0611223344", T0, 6.0, str(audio), "sound:/x", None, T0),
                                         T0)
    assert number is not None
    notifier = MessageNotifier(Services(config, config.schedule(), PROMPTS, store=store), store, LoopClock(T0))
    assert await notifier.once() == 1
    (first,) = hooks
    assert (first["kind"], first["state"], first["message_id"], first["source"]) == ("voicemail", "new", number, "pbx")
    ((to, mail),) = mailbox.mails
    assert to == ["ops@example.com"]
    subject, body, files = text_of(mail)
    assert subject == "[astreinte] message sur support de 0611223344"
    assert "samedi 7 novembre 2026 à 03:14" in body and "État : nouveau : personne ne l'a encore écouté." in body
    assert "servi par l'autocommutateur (voicemail)" in body and files == [audio.name]
    assert await notifier.once() == 0, "told once"

    store.store.callout_started(number, "c1", 1, "message", T0)
    store.store.finish_call(CallRecord("c1", T0, did="1000", caller="0611223344", team="support", tier="callout",
                                       attempts=[AttemptRecord(1, "bob", "PJSIP/bob", "answered", T0, T0)]))
    store.store.message_heard(number, "bob", "PJSIP/bob", T0 + timedelta(minutes=1))
    store.store.callout_finished(number, "c1", reason="heard_not_acknowledged", answered_by="bob", rounds_done=3,
                                 next_at=None, now=T0 + timedelta(minutes=20))
    assert await notifier.once() == 3
    assert [(h["kind"], h["state"]) for h in hooks[1:]] == [("message", "calling"), ("message", "heard"),
                                                            ("message", "expired")]
    assert hooks[2]["by"] == "bob" and hooks[2]["phone"] == "PJSIP/bob"
    assert len(mailbox.mails) == 2, "calling and heard go to the webhook only"
    subject, body, files = text_of(mailbox.mails[1][1])
    assert subject == "[astreinte] message sur support de 0611223344 NON ACQUITTÉ"
    assert "écouté par Bob Durand à 03:15 mais NON ACQUITTÉ après 3 tournées de rappel" in body
    assert files == [audio.name]
    assert mailbox.mails[1][0] == ["ops@example.com", "bob@example.com"], "the people called out are told"
