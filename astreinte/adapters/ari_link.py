"""The state of ARI's event link that the client keeps between its parts (adapters/ari.py).

``Connected`` and ``Disconnected`` are what ``Ari.events`` yields between the app's events;
``Link`` is one WebSocket connection's state (the probe's echo, a take-over, the events read and
not handed over yet); ``backoff`` paces the reconnects (ARI's and AMI's).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from astreinte.wire.ari_events import Event

log = logging.getLogger("astreinte.ari")

# Asterisk sends a PJSIP channel's events twice, once for the app's channel subscription and once for
# its ``endpoint:PJSIP`` one (presence), as the very same frame: the last RECENT frames are compared
RECENT = 8

Deliver = Callable[[Event], None]


@dataclass(frozen=True)
class Connected:
    """The WebSocket is (re)connected: subscriptions are live, state must be re-read."""

    attempt: int


@dataclass(frozen=True)
class Disconnected:
    """The WebSocket closed; events until the next ``Connected`` are lost."""

    reason: str


def backoff(initial: float = 0.1, factor: float = 1.6, maximum: float = 5.0) -> AsyncIterator[float]:
    """Jittered exponential delays: fast first retry (callers are refused while we are away)."""

    async def delays() -> AsyncIterator[float]:
        delay = initial
        while True:
            yield delay * random.uniform(0.8, 1.2)
            delay = min(delay * factor, maximum)

    return delays()


@dataclass
class Link:
    """What ``_watch`` knows of one WebSocket connection."""

    echoed: int = 0                     # the last probe event received back
    replaced: bool = False              # another client took the app over (ApplicationReplaced)
    lost: str | None = None             # why we close it
    wake: asyncio.Event = field(default_factory=asyncio.Event)    # set with ``lost``
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT))   # the last frames read
    held: deque[Event] = field(default_factory=deque)     # read, not handed over yet
    deliver: Deliver | None = None      # live: each event goes there as it is read
    waiter: asyncio.Future[None] | None = None           # ``_read`` waiting for a held event

    def nudge(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


def hand(deliver: Deliver, event: Event) -> None:
    try:
        deliver(event)
    except Exception:               # a bug in routing one event: the link (and the other calls) go on
        log.exception("ARI event %s: routing it failed", event.type)


def probe_number(data: Mapping[str, Any]) -> int:
    try:
        return int((data.get("userevent") or {}).get("probe", 0))
    except (TypeError, ValueError, AttributeError):
        return 0
