"""Tell each person what a publication changed for them, and record what every channel answered.

    deliveries = await notify_publication(config, store, publication, now)

``store`` is anything with ``async run(fn)`` running ``fn(Store)``: the daemon's ``AsyncStore``,
or ``Inline(store)`` in the CLI. Each person whose on-call time changed gets their notice
(``notices.publication``) by e-mail (to ``people.<id>.email``; to ``notifications.email.to``
when they have none, so that someone passes it on) and by the webhook; each channel's answer
(the SMTP reply, the HTTP status, or the last error) is recorded in ``publication_notices``,
which ``astreinte rota log`` shows. Without any channel configured, a row says so: the log
then shows that astreinte told nobody.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from astreinte.adapters import notify
from astreinte.adapters.store.notices import NO_CHANNEL, Delivery
from astreinte.domain.errors import StoreError
from astreinte.notices import publication as texts

if TYPE_CHECKING:
    from astreinte.adapters.store import Publication, Store
    from astreinte.config import Config
    from astreinte.domain.agenda import Revision

log = logging.getLogger("astreinte.publication")

T = TypeVar("T")
AT_ONCE = 4                  # notices sent concurrently


class RunsStore(Protocol):
    async def run(self, fn: Callable[[Store], T]) -> T: ...


class Inline:
    """A synchronous ``Store`` behind the ``run`` interface (the CLI has no store thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run(self, fn: Callable[[Store], T]) -> T:
        return fn(self.store)


async def notify_publication(config: Config, store: RunsStore, publication: Publication | None,
                             now: datetime) -> list[Delivery]:
    """Send and record the notices of ``publication`` (None or no change: nothing to tell).

    A channel that fails is retried, then recorded as failed; nothing here raises for a channel or
    the store (errors are logged), so the daemon can run it as a background task."""
    if publication is None or not publication.changes:
        return []
    people = texts.by_person(publication.changes)
    if not config.notifications.enabled:
        untold = [Delivery(publication.id, person, NO_CHANNEL, (), now, False, "no notifications configured",
                           bool(texts.short_notice(config, publication.at, changes)))
                  for person, changes in people.items()]
        await _record(store, publication.id, untold)
        return untold
    windows = {person: texts.attachment_window(config, publication.at, changes) for person, changes in people.items()}

    def read(s: Store) -> dict[str, list[Revision]]:
        return {person: s.calendar(start, end, person=person) for person, (start, end) in windows.items()}

    try:
        revisions = await store.run(read)
    except StoreError as exc:        # the notices still go out, without their calendar
        log.error("publication #%d: cannot read the calendar events for the notices: %s", publication.id, exc)
        revisions = {}
    built = texts.notices(config, publication, revisions)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(item: texts.PersonNotice) -> list[Delivery]:
        async with gate:
            return await _send(config, publication.id, item, now)

    deliveries = [d for batch in await asyncio.gather(*(one(item) for item in built)) for d in batch]
    await _record(store, publication.id, deliveries)
    return deliveries


async def _record(store: RunsStore, number: int, deliveries: list[Delivery]) -> None:
    try:
        await store.run(lambda s: s.add_deliveries(deliveries))
    except StoreError as exc:
        log.error("publication #%d: could not record what its notices did: %s", number, exc)


async def _send(config: Config, number: int, item: texts.PersonNotice, now: datetime) -> list[Delivery]:
    settings = config.notifications
    person = config.people.get(item.person)
    email = person.email if person is not None else None

    def row(channel: str, accepted: bool, reply: str, to: tuple[str, ...] = ()) -> Delivery:
        return Delivery(number, item.person, channel, to, now, accepted, reply, item.short_notice, item.subject)

    notice = notify.Notice(
        texts.KIND, item.subject, item.body,
        {"publication": number, "language": item.lang, **item.data(config.timezone)},
        [(item.filename, item.ics, "text/calendar")], to=(email,) if email else (), copy_team=False)
    sent = await notify.deliver(settings, notice)
    for result in sent:
        level = logging.INFO if result.accepted else logging.WARNING
        log.log(level, "publication #%d: notice to %s by %s %s (%s)", number, item.person, result.channel,
                "accepted" if result.accepted else "FAILED", result.reply)
    return [row(result.channel, result.accepted, result.reply, result.recipients) for result in sent]
