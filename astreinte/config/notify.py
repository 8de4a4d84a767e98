"""The ``notifications:`` block: where astreinte tells people what happened (voicemail left,
softphone offline while on call, hand-off reminders).

    notifications:
      webhook: {url: "https://chat.example.com/hooks/astreinte"}    # HTTP POST, JSON body
      email:
        host: smtp.example.com
        port: 587
        from: astreinte@example.com
        to: [oncall-leads@example.com]
        username: astreinte          # optional; password / password_file / $ASTREINTE_SMTP_PASSWORD
        starttls: true
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child
from astreinte.config.settings import read_secret


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    timeout: float = 5.0


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class NotifySettings:
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None

    @property
    def enabled(self) -> bool:
        return self.webhook is not None or self.email is not None


def read_notifications(reader: Reader, node: yaml.Node | None, base: Path,
                       environ: Mapping[str, str]) -> NotifySettings:
    path = "notifications"
    fields = reader.mapping(node, path, optional=("webhook", "email"))
    if fields is None:
        return NotifySettings()
    webhook = email = None
    if "webhook" in fields:
        hook = reader.mapping(fields["webhook"], child(path, "webhook"), required=("url",), optional=("timeout",))
        if hook is not None:
            url = reader.get(hook, child(path, "webhook"), "url", values.url)
            timeout = reader.get(hook, child(path, "webhook"), "timeout", values.duration) or 5.0
            if url:
                webhook = WebhookSettings(url, timeout)
    if "email" in fields:
        where = child(path, "email")
        mail = reader.mapping(fields["email"], where, required=("host", "from", "to"),
                              optional=("port", "username", "password", "password_file", "starttls"))
        if mail is not None:
            host = reader.get(mail, where, "host", values.hostname)
            port = reader.integer(mail["port"], child(where, "port"), minimum=1, maximum=65535) \
                if "port" in mail else 25
            sender = reader.get(mail, where, "from", values.email_address)
            recipients: list[str] = []
            listed = reader.sequence(mail["to"], child(where, "to")) if "to" in mail else None  # else: required
            for index, item in enumerate(listed or []):
                address = reader.parse(item, child(child(where, "to"), index), values.email_address)
                if address:
                    recipients.append(address)
            username = reader.get(mail, where, "username", values.identifier)
            password = None
            if "password" in mail or "password_file" in mail or environ.get("ASTREINTE_SMTP_PASSWORD"):
                password = read_secret(reader, mail, where, "password", "ASTREINTE_SMTP_PASSWORD", base, environ)
            starttls = reader.boolean(mail["starttls"], child(where, "starttls")) if "starttls" in mail else False
            if host and port and sender and recipients:
                email = EmailSettings(host, port, sender, tuple(recipients), username, password, bool(starttls))
    return NotifySettings(webhook, email)
