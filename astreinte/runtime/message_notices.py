"""What people are told about a message, at each change of its state.

    a message filed by a call  ──▶ MessageDesk sends its notice at once (e-mail + webhook, audio attached)
    any other change (a PBX message imported, calling, heard, acknowledged, expired) ──▶ a row of
        ``message_events`` not notified yet ──▶ ``MessageNotifier`` (every second) sends it, marks it sent

The webhook gets every change (kind ``voicemail`` for a new message, ``message`` for the others); the
e-mail goes out for a new message, an acknowledged one and an expired one, saying its state ("déjà
écouté par Bob Durand à 03:14"), to ``notifications.email.to`` and the people the call rang. The
recording is attached when it is at most ``MAX_ATTACHMENT`` bytes. The CLI and the web console only
write the store: the daemon tells.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astreinte.adapters import notify
from astreinte.adapters.clock import Clock
from astreinte.domain.calls.callout_text import MessageFacts, StateFacts
from astreinte.domain.errors import StoreError
from astreinte.notices.message import message_text
from astreinte.notices.voicemail import KIND

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.runtime.ports import StorePort
    from astreinte.runtime.services import Services

log = logging.getLogger("astreinte.messages")

MAX_ATTACHMENT = 10 * 1024 * 1024   # recordings larger than this are not attached to the e-mail
MAILED = ("new", "acknowledged", "expired")
POLL = 1.0


def _instant(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


def facts(row: dict[str, Any]) -> tuple[MessageFacts, StateFacts]:
    """A store row of ``messages`` as the sentences see it."""
    recorded = _instant(row.get("recorded_at"))
    assert recorded is not None
    message = MessageFacts(row.get("team") or "?", row.get("caller") or "", row.get("number") or "", recorded,
                           row.get("duration"), row.get("path"), row.get("mailbox"),
                           row.get("tier") if row.get("source") == "pbx" else None)
    state = StateFacts(row.get("state") or "new", row.get("heard_by"), _instant(row.get("heard_at")),
                       row.get("acknowledged_by"), row.get("acknowledged_how"), _instant(row.get("acknowledged_at")),
                       int(row.get("rounds_done") or 0))
    return message, state


def notice(config: Config, row: dict[str, Any], state: str, people: list[str],
           event: dict[str, Any] | None = None) -> notify.Notice:
    """The notice of ``row`` (a message) entering ``state``; ``people``: those its call rang."""
    message, now = facts(row)
    subject, body = message_text(config, message, replace(now, state=state))
    attachments: list[tuple[str, bytes, str]] = []
    if message.path and state in ("new", "expired"):
        path = Path(message.path)
        with contextlib.suppress(OSError):
            if path.stat().st_size <= MAX_ATTACHMENT:
                attachments.append((path.name, path.read_bytes(), "audio/wav"))
    to = tuple(email for person in people if person in config.people and (email := config.people[person].email))
    local = message.recorded_at.astimezone(config.timezone)
    data = {"message_id": row["id"], "call_id": row.get("call_id"), "team": row.get("team"),
            "caller": message.caller, "number": message.number, "recorded_at": local.isoformat(),
            "duration": message.duration, "path": message.path, "state": state, "source": row.get("source")}
    if event is not None:
        data |= {"at": event.get("at"), "by": event.get("by"), "how": event.get("how"), "phone": event.get("phone"),
                 "detail": event.get("detail")}
    return notify.Notice(KIND if state == "new" else "message", subject, body, data, attachments, to=to)


async def tell(config: Config, row: dict[str, Any], state: str, people: list[str],
               event: dict[str, Any] | None = None) -> dict[str, bool]:
    """Send the notice (the webhook only, for the changes that are not mailed); channel -> accepted."""
    settings = config.notifications
    if state not in MAILED:
        settings = replace(settings, email=None)
    if not settings.enabled:
        return {}
    return await notify.send(settings, notice(config, row, state, people, event))


class MessageNotifier:
    """The outbox: every change of a message's state not told yet is told, once, in order."""

    def __init__(self, live: Services, store: StorePort, clock: Clock, *, poll: float = POLL) -> None:
        self.live, self.store, self.clock, self.poll = live, store, clock, poll

    async def run(self) -> None:
        while True:
            try:
                await self.once()
            except StoreError as exc:
                log.warning("message notices: %s", exc)
            await asyncio.sleep(self.poll)

    async def once(self) -> int:
        """Send what is pending; how many were sent."""
        pending = await self.store.run(lambda s: s.message_events_pending())
        for event in pending:
            await self._tell(event)
        return len(pending)

    async def _tell(self, event: dict[str, Any]) -> None:
        row, event_id = event.get("message"), int(event["id"])
        results: dict[str, bool] = {}
        if row is not None:
            message_id = int(row["id"])
            people = await self.store.run(lambda s: s.message_people(message_id))
            results = await tell(self.live.config, row, str(event["state"]), people, event)
            log.info("message %s %s%s: notified %s", message_id, event["state"],
                     f" by {event['by']}" if event.get("by") else "",
                     ", ".join(f"{k} {'ok' if ok else 'FAILED'}" for k, ok in results.items()) or "nowhere")
        await self.store.run(lambda s: s.message_event_notified(event_id, results, self.clock()))
