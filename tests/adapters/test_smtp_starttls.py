"""E-mail notices through an SMTP server that requires STARTTLS and a login (README: `notifications.email`
with `username`, `password_file`, `starttls`), against a real SMTP server (aiosmtpd) with a certificate
from a throw-away CA (trustme) that the client is made to trust through SSL_CERT_FILE, as an operator
would add their company's CA."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from astreinte.adapters.notify import Notice, send
from astreinte.config import load

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PASSWORD = "s3cret-smtp-password"


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes, bool, Any]] = []     # recipients, content, over TLS, login

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name for it
        self.mails.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                           session.ssl is not None, session.auth_data))
        return "250 Message accepted for delivery"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"astreinte", PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    authority = trustme.CA()
    bundle = tmp_path / "company-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))       # OpenSSL's default trust store for this process
    return authority


def server(mailbox: Mailbox, tls: ssl.SSLContext | None) -> Controller:
    return Controller(mailbox, hostname="127.0.0.1", port=free_port(), tls_context=tls,
                      require_starttls=tls is not None, auth_required=True, auth_require_tls=True,
                      authenticator=check_login)


@pytest.fixture
def tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def settings(tmp_path: Path, port: int, password: str = PASSWORD) -> Any:
    secret = tmp_path / "smtp-password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + f"""
notifications:
  email: {{host: 127.0.0.1, port: {port}, from: astreinte@example.com, to: [ops@example.com],
          username: astreinte, password_file: {secret}, starttls: true}}
""", encoding="utf-8")
    return load(path, environ={}).notifications


NOTICE = Notice("voicemail", "Message de 0611223344 pour support", "Un message a été laissé.", {"call_id": "c1"})


@pytest.fixture
def smtp(tls: ssl.SSLContext) -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = server(mailbox, tls)
    controller.start()
    yield controller.port, mailbox
    controller.stop()


async def test_the_notice_is_sent_after_starttls_and_login(tmp_path: Path, smtp: tuple[int, Mailbox]) -> None:
    port, mailbox = smtp
    assert await send(settings(tmp_path, port), NOTICE, attempts=1) == {"email": True}
    ((recipients, content, over_tls, login),) = mailbox.mails
    assert recipients == ["ops@example.com"] and over_tls and login == b"astreinte"
    assert message_from_bytes(content)["Subject"] == NOTICE.subject


async def test_a_wrong_password_is_refused_and_reported(tmp_path: Path, smtp: tuple[int, Mailbox]) -> None:
    port, mailbox = smtp
    assert await send(settings(tmp_path, port, "not-the-password"), NOTICE, attempts=1) == {"email": False}
    assert mailbox.mails == []


async def test_a_server_without_starttls_gets_neither_the_password_nor_the_mail(tmp_path: Path, ca: trustme.CA) -> None:
    """`starttls: true` and a server that cannot do it (or a man in the middle stripping it): nothing is sent."""
    mailbox = Mailbox()
    controller = server(mailbox, None)
    controller.start()
    try:
        assert await send(settings(tmp_path, controller.port), NOTICE, attempts=1) == {"email": False}
    finally:
        controller.stop()
    assert mailbox.mails == []
