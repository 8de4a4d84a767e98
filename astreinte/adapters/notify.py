"""Tell people something happened: an HTTP webhook (POST JSON) and e-mail (SMTP).

A failed notification is logged and retried a few times; it never blocks or fails a call.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp
import aiosmtplib

from astreinte.config.notify import EmailSettings, NotifySettings, WebhookSettings

log = logging.getLogger("astreinte.notify")


@dataclass(frozen=True)
class Notice:
    """What happened, for people: a subject line, a text body, and the data for machines."""

    kind: str                   # "voicemail", "phone_offline", "handoff_reminder"...
    subject: str
    body: str
    data: Mapping[str, Any]
    attachments: Sequence[tuple[str, bytes, str]] = ()   # (filename, content, mime type)
    to: tuple[str, ...] = ()    # the people it is about (``people.<id>.email``), besides ``email.to``


async def send(settings: NotifySettings, notice: Notice, *, attempts: int = 3) -> dict[str, bool]:
    """Send ``notice`` everywhere configured; returns which channel succeeded."""
    jobs: dict[str, Any] = {}
    webhook, email = settings.webhook, settings.email
    if webhook is not None:
        jobs["webhook"] = _retry("webhook", lambda: _webhook(webhook, notice), attempts)
    if email is not None:
        jobs["email"] = _retry("email", lambda: _email(email, notice), attempts)
    results = await asyncio.gather(*jobs.values())
    return dict(zip(jobs, results, strict=True))


async def _retry(what: str, job: Any, attempts: int) -> bool:
    for attempt in range(1, attempts + 1):
        try:
            await job()
            return True
        except (aiohttp.ClientError, aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
            log.warning("notification by %s failed (attempt %d/%d): %s", what, attempt, attempts, exc)
            if attempt < attempts:
                await asyncio.sleep(0.5 * attempt)
    return False


async def _webhook(settings: WebhookSettings, notice: Notice) -> None:
    payload = {"kind": notice.kind, "subject": notice.subject, "text": notice.body, **notice.data,
               "to": list(notice.to)}
    timeout = aiohttp.ClientTimeout(total=settings.timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
            settings.url, data=json.dumps(payload, default=str),
            headers={"Content-Type": "application/json", "User-Agent": "astreinte"}) as resp:
        if resp.status >= 300:
            raise ValueError(f"webhook {settings.url} answered HTTP {resp.status}")


async def _email(settings: EmailSettings, notice: Notice) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(dict.fromkeys((*settings.recipients, *notice.to)))
    message["Subject"] = notice.subject
    message.set_content(notice.body)
    for filename, content, mime in notice.attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    await aiosmtplib.send(message, hostname=settings.host, port=settings.port, username=settings.username,
                          password=settings.password, start_tls=settings.starttls, timeout=settings.timeout)
