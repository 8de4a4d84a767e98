"""The daemon's softphone watch: warn when someone on call has their softphone offline, and remind
the incoming person before each hand-off (log + the configured notifications).

The decisions are ``provision.duty.Watcher``'s (pure); this loop feeds it the live configuration,
schedule and ARI presence every ``interval`` seconds and sends what it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from astreinte.adapters.clock import Clock
from astreinte.adapters.notify import Notice, send
from astreinte.domain.errors import StoreError
from astreinte.provision.duty import (
    Alert,
    Reminder,
    Watcher,
    alert_text,
    duties,
    log_line,
    reminder_text,
    states_of,
)
from astreinte.provision.pjsip import softphones

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule
    from astreinte.runtime.ports import StorePort

log = logging.getLogger("astreinte.phones")

INTERVAL = 15.0
REMEMBER = timedelta(days=1)      # reminders read back at start: longer than any remind_before
FLUSH = 10.0                      # seconds a notice being sent is given when the watch stops


class Live(Protocol):
    """What the watch reads each round (the daemon's ``Services``: swapped on reload)."""

    config: Config
    schedule: Schedule
    store: StorePort | None


class Presence(Protocol):
    states: dict[str, str]


async def watch_phones(live: Live, presence: Presence, *, clock: Clock, interval: float = INTERVAL) -> None:
    """Look every ``interval`` seconds, or every ``phones.warn_after / 2`` when that is shorter."""
    watcher = Watcher()
    watcher.reminded |= await _reminded(live.store, clock() - REMEMBER)
    pending: set[asyncio.Task[None]] = set()
    try:
        while True:
            config = live.config
            pause = interval if config.phones is None else max(1.0, min(interval, config.phones.warn_after / 2))
            if config.phones is not None:
                for item in round_of(watcher, config, live.schedule, presence.states, clock()):
                    notice = _notice(item, config)
                    level = logging.WARNING if isinstance(item, Alert) else logging.INFO
                    log.log(level, "%s", log_line(item, config.timezone))     # logs stay English
                    task = asyncio.get_running_loop().create_task(_tell(live, item, notice, clock))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            await asyncio.sleep(pause)
    finally:
        # stopped (the daemon is shutting down): a notice being sent is let finish and noted, or a
        # restarted daemon, not finding it, would send it again; the store is closed after this
        if pending:
            _, late = await asyncio.wait(set(pending), timeout=FLUSH)
            for task in late:
                task.cancel()


async def _tell(live: Live, item: Alert | Reminder, notice: Notice, clock: Clock) -> None:
    """Send the notice (if notifications are configured) and note it in the store."""
    settings = live.config.notifications
    results = await send(settings, notice) if settings.enabled else {}
    if live.store is None:
        return
    key = json.dumps(list(item.duty.key) if isinstance(item, Reminder)
                     else [item.duty.person, item.phone.phone.phone, item.duty.current])
    try:
        await live.store.run(lambda s: s.add_notice(notice.kind, key, item.duty.person, clock(), results))
    except StoreError as exc:
        log.warning("could not note the %s for %s: %s", notice.kind, item.duty.person, exc)


async def _reminded(store: StorePort | None, since: datetime) -> set[tuple[str, str, str, float]]:
    """The reminders already sent (a restart in the hour before a hand-off must not send them again)."""
    if store is None:
        return set()
    try:
        keys = await store.run(lambda s: s.notice_keys("handoff_reminder", since))
    except StoreError as exc:
        log.warning("could not read the reminders already sent: %s", exc)
        return set()
    found = set()
    for key in keys:
        with contextlib.suppress(ValueError, TypeError):
            team, layer, person, start = json.loads(key)
            found.add((str(team), str(layer), str(person), float(start)))
    return found


def round_of(watcher: Watcher, config: Config, schedule: Schedule, states: Mapping[str, str],
             now: datetime) -> list[Alert | Reminder]:
    """One look at the phones: what to say now."""
    settings = config.phones
    if settings is None:
        return []
    by_person = states_of(softphones(config.people.values(), settings), states)
    current = duties(schedule, list(config.teams), now)
    return watcher.step(now, current, by_person, timedelta(seconds=settings.remind_before),
                        timedelta(seconds=settings.warn_after))


def _notice(item: Alert | Reminder, config: Config) -> Notice:
    """The notice for the team's addresses, and for the person it is about (``people.<id>.email``)."""
    zone, lang = config.timezone, config.language_of(item.duty.person)
    person = config.people.get(item.duty.person)
    to = (person.email,) if person is not None and person.email else ()
    if isinstance(item, Alert):
        subject, body = alert_text(item, zone, lang)
        return Notice("phone_offline", subject, body, {
            "person": item.duty.person, "phone": item.phone.phone.phone, "state": item.phone.state,
            "team": item.duty.shift.team, "layer": item.duty.shift.layer,
            "when": "now" if item.duty.current else "next", "from": item.duty.shift.start.isoformat()}, to=to)
    subject, body = reminder_text(item.duty, item.phones, zone, lang)
    return Notice("handoff_reminder", subject, body, {
        "person": item.duty.person, "team": item.duty.shift.team, "layer": item.duty.shift.layer,
        "from": item.duty.shift.start.isoformat(), "until": item.duty.shift.end.isoformat(),
        "phones": {s.phone.phone: s.state for s in item.phones}}, to=to)
