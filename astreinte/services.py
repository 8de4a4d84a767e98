"""What every call needs, built once by the daemon and swapped on reload; and the untrusted caller ID."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from astreinte.adapters.ari import Ari
    from astreinte.adapters.store.aio import AsyncStore
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule
    from astreinte.prompts import PromptBook

log = logging.getLogger("astreinte.call")


@dataclass
class Services:
    """What every call needs; the router builds it once and swaps it on reload."""

    ari: Ari
    config: Config
    schedule: Schedule
    prompts: PromptBook
    store: AsyncStore | None = None
    unreachable: Callable[[], frozenset[str]] = frozenset
    busy_people: Callable[[], frozenset[str]] = frozenset
    engaged: Callable[[str, str, bool], None] = lambda person, call_id, talking: None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def safe_caller_number(raw: str) -> str:
    """Caller ID is untrusted: keep what a phone number can hold."""
    return re.sub(r"[^0-9+*#]", "", raw)[:32]


def retrieve(task: asyncio.Task[None]) -> None:
    """Done callback of a task nobody may await: its error was seen (the path that needs it awaits it)."""
    if not task.cancelled():
        task.exception()


async def logged(job: Awaitable[object], call_id: str) -> None:
    try:
        await job
    except Exception:
        log.exception("call %s: could not write the call log", call_id)
