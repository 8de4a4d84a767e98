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

    kind: str                   # "voicemail", "phone_offline", "handoff_reminder", "publication"...
    subject: str
    body: str
    data: Mapping[str, Any]
    attachments: Sequence[tuple[str, bytes, str]] = ()   # (filename, content, mime type)
    to: tuple[str, ...] = ()    # the people it is about (``people.<id>.email``), besides ``email.to``
    copy_team: bool = True      # False: only ``to`` (``email.to`` when ``to`` is empty)


@dataclass(frozen=True)
class Sent:
    """What one channel did with a notice: accepted or not, its reply, and the e-mail recipients."""

    channel: str                # webhook | email
    accepted: bool
    reply: str                  # "250 OK" from SMTP, "HTTP 200" from the webhook, or the last error
    recipients: tuple[str, ...] = ()


def recipients(settings: EmailSettings, notice: Notice) -> tuple[str, ...]:
    if not notice.copy_team and notice.to:
        return tuple(dict.fromkeys(notice.to))
    return tuple(dict.fromkeys((*settings.recipients, *notice.to)))


async def send(settings: NotifySettings, notice: Notice, *, attempts: int = 3) -> dict[str, bool]:
    """Send ``notice`` everywhere configured; returns which channel succeeded."""
    return {sent.channel: sent.accepted for sent in await deliver(settings, notice, attempts=attempts)}


async def deliver(settings: NotifySettings, notice: Notice, *, attempts: int = 3) -> list[Sent]:
    """Send ``notice`` everywhere configured (retrying), and say what each channel answered."""
    jobs: list[Any] = []
    webhook, email = settings.webhook, settings.email
    if webhook is not None:
        jobs.append(_retry("webhook", lambda: _webhook(webhook, notice), attempts, ()))
    if email is not None:
        jobs.append(_retry("email", lambda: _email(email, notice), attempts, recipients(email, notice)))
    return list(await asyncio.gather(*jobs))


async def _retry(what: str, job: Any, attempts: int, to: tuple[str, ...]) -> Sent:
    reply = ""
    for attempt in range(1, attempts + 1):
        try:
            return Sent(what, True, await job(), to)
        except (aiohttp.ClientError, aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
            log.warning("notification by %s failed (attempt %d/%d): %s", what, attempt, attempts, exc)
            reply = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                await asyncio.sleep(0.5 * attempt)
    return Sent(what, False, reply, to)


async def _webhook(settings: WebhookSettings, notice: Notice) -> str:
    payload = {"kind": notice.kind, "subject": notice.subject, "text": notice.body, **notice.data,
               "to": list(notice.to)}
    timeout = aiohttp.ClientTimeout(total=settings.timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
            settings.url, data=json.dumps(payload, default=str),
            headers={"Content-Type": "application/json", "User-Agent": "astreinte"}) as resp:
        if resp.status >= 300:
            raise ValueError(f"webhook {settings.url} answered HTTP {resp.status}")
        return f"HTTP {resp.status}"


async def _email(settings: EmailSettings, notice: Notice) -> str:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients(settings, notice))
    message["Subject"] = notice.subject
    message.set_content(notice.body)
    for filename, content, mime in notice.attachments:
        maintype, _, subtype = mime.partition("/")
        if maintype == "text":      # text/calendar...: UTF-8 text, readable in the raw message
            message.add_attachment(content.decode("utf-8"), subtype=subtype, filename=filename)
        else:
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    refused, reply = await aiosmtplib.send(
        message, hostname=settings.host, port=settings.port, username=settings.username,
        password=settings.password, start_tls=settings.starttls, timeout=settings.timeout)
    if refused:
        log.warning("the SMTP server refused %s", ", ".join(sorted(refused)))
    return f"250 {reply}".strip()
