"""One typed fake of each of the runtime's ports (``astreinte/runtime/ports.py``), shared by the tests.

They implement the Protocols structurally, so no test needs ``type: ignore`` to pass one. Each
writes down what it was asked, in order, and can be told to fail or to answer slowly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from astreinte.adapters.ari import AriError, Connected, Disconnected
from astreinte.adapters.store import Store
from astreinte.config import AmiSettings, AriSettings
from astreinte.domain.errors import LinkError
from astreinte.wire import ari_events as a

T = TypeVar("T")


@dataclass
class Asked:
    """One request: its name, the channel (or playback, bridge) it is about, and its other arguments."""

    what: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)


class FakeAri:
    """Answers every request at once (or after ``delays[what]``); ``fail[what]`` raises that error."""

    def __init__(self, app: str = "astreinte") -> None:
        self.settings = AriSettings(url="http://127.0.0.1:8088", username="astreinte", password="secret", app=app)
        self.serving = True
        self.asked: list[Asked] = []
        self.delays: dict[str, float] = {}
        self.fail: dict[str, Exception] = {}
        self.resources: dict[str, Any] = {}          # GET path -> JSON answer (leftovers, rescues)
        self.endpoint_states: list[dict[str, Any]] = []
        self._events: asyncio.Queue[a.Event | Connected | Disconnected | None] = asyncio.Queue()
        self.changed = asyncio.Event()
        self.stasis_failures = 0
        self.lanes = False               # True: as ``Ari``, a channel's requests queue behind its answer in flight
        self._answering: set[str] = set()

    # what the tests look at
    def what(self) -> list[str]:
        return [asked.what for asked in self.asked]

    def targets(self, what: str) -> list[str]:
        return [asked.target for asked in self.asked if asked.what == what]

    async def asked_for(self, what: str, count: int = 1, timeout: float = 5.0) -> list[Asked]:
        """Wait until ``what`` was asked ``count`` times; those requests."""
        async with asyncio.timeout(timeout):
            while len(found := [x for x in self.asked if x.what == what]) < count:
                self.changed.clear()
                await self.changed.wait()
        return found

    def push(self, event: a.Event | Connected | Disconnected | None) -> None:
        """An event on the WebSocket (None ends the stream)."""
        self._events.put_nowait(event)

    async def _ask(self, what: str, target: str, **details: Any) -> None:
        self.asked.append(Asked(what, target, details))
        self.changed.set()
        if what in self.delays:
            await asyncio.sleep(self.delays[what])
        if what in self.fail:
            raise self.fail[what]

    # CallAri
    async def answer(self, channel_id: str) -> None:
        self._answering.add(channel_id)
        try:
            await self._ask("answer", channel_id)
        finally:
            self._answering.discard(channel_id)
        self.asked.append(Asked("answer done", channel_id))

    def ordered(self, channel_id: str) -> bool:
        return self.lanes and channel_id in self._answering

    async def play(self, channel_id: str, media: str, playback_id: str, lang: str | None = None) -> None:
        await self._ask("play", channel_id, media=media, playback=playback_id)

    async def stop_playback(self, playback_id: str) -> bool:
        await self._ask("stop playback", playback_id)
        return True

    async def record(self, channel_id: str, name: str, *, max_seconds: int, max_silence: int,
                     beep: bool = True) -> None:
        await self._ask("record", channel_id, name=name, max_seconds=max_seconds, max_silence=max_silence)

    async def ring(self, channel_id: str) -> None:
        await self._ask("ring", channel_id)

    async def ring_stop(self, channel_id: str) -> None:
        await self._ask("ring stop", channel_id)

    async def originate(self, channel_id: str, endpoint: str, *, app_args: str, caller_id: str | None = None,
                        timeout: int = 30, originator: str | None = None,
                        variables: Mapping[str, str] | None = None) -> None:
        await self._ask("originate", channel_id, endpoint=endpoint, app_args=app_args, caller_id=caller_id,
                        timeout=timeout, originator=originator)

    async def hangup(self, channel_id: str, reason: str | None = None) -> bool:
        await self._ask("hangup", channel_id)
        return True

    async def create_bridge(self, bridge_id: str) -> None:
        await self._ask("create bridge", bridge_id)

    async def add_to_bridge(self, bridge_id: str, *channel_ids: str) -> None:
        await self._ask("add to bridge", bridge_id, channels=channel_ids)

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._ask("destroy bridge", bridge_id)

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        await self._ask("continue", channel_id, context=context, extension=extension)

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._ask("set", channel_id, name=name, value=value)

    # AriPort
    async def events(self, deliver: Callable[[a.Event], None] | None = None
                     ) -> AsyncIterator[a.Event | Connected | Disconnected]:
        while (event := await self._events.get()) is not None:
            if deliver is None or isinstance(event, (Connected, Disconnected)):
                yield event
            else:
                deliver(event)

    def stasis_failed(self) -> None:
        self.stasis_failures += 1

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      body: Any = None) -> Any:
        await self._ask(method, path, params=dict(params or {}))
        if method == "GET" and path not in self.resources:
            raise AriError(method, path, 404, '{"message": "not found"}')
        return self.resources.get(path)

    async def endpoints(self, technology: str = "PJSIP") -> list[dict[str, Any]]:
        await self._ask("endpoints", technology)
        return list(self.endpoint_states)

    async def subscribe(self, event_source: str) -> None:
        await self._ask("subscribe", event_source)

    async def filter_events(self, allowed: Iterable[str]) -> None:
        await self._ask("filter", "", allowed=tuple(allowed))

    async def ping(self) -> dict[str, Any]:
        await self._ask("ping", "")
        return {}


class FakeAmi:
    """AstDB as a dict; ``up`` False makes every action fail as a lost link does."""

    def __init__(self) -> None:
        self.settings = AmiSettings(host="127.0.0.1", port=5038, username="astreinte", secret="secret")
        self.up = True
        self.refused: str | None = None
        self.problem: str | None = None
        self.db: dict[tuple[str, str], str] = {}
        self.actions: list[tuple[str, str, str]] = []
        self._hooks: list[Callable[[], Awaitable[None]]] = []

    @property
    def connected(self) -> bool:
        return self.up

    def on_login(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._hooks.append(hook)

    async def login(self) -> None:
        """Play a (re)login: the hooks run as after a real one."""
        self.up = True
        for hook in self._hooks:
            await hook()

    async def wait_connected(self, timeout: float) -> bool:
        return self.up

    def _check(self, action: str) -> None:
        if not self.up:
            raise LinkError(f"AMI is not connected (action {action})")

    async def db_put(self, family: str, key: str, value: str) -> None:
        self._check("DBPut")
        self.actions.append(("put", family, key))
        self.db[(family, key)] = value

    async def db_get(self, family: str, key: str) -> str | None:
        self._check("DBGet")
        return self.db.get((family, key))

    async def db_del(self, family: str, key: str, *, tree: bool = False) -> None:
        self._check("DBDel")
        self.actions.append(("del", family, key))
        for place in [p for p in self.db if p[0] == family and (p[1] == key or (tree and p[1].startswith(key + "/")))]:
            del self.db[place]

    async def db_tree(self, family: str) -> dict[str, str]:
        self._check("DBGetTree")
        return {f"/{fam}/{key}": value for (fam, key), value in sorted(self.db.items()) if fam == family}

    def tree(self, family: str) -> dict[str, str]:
        return {key: value for (fam, key), value in sorted(self.db.items()) if fam == family}


class FakeStore:
    """A real ``Store`` on a file, run inline (the daemon runs it in a thread of its own)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store.open(path)
        self.jobs = 0

    async def run(self, fn: Callable[[Store], T]) -> T:
        self.jobs += 1
        return fn(self.store)

    async def log_row(self, fn: Callable[[Store], None]) -> None:
        await self.run(fn)

    def reopen(self) -> FakeStore:
        """The same file, opened again (what a restarted daemon sees)."""
        self.store.close()
        return FakeStore(self.path)


class LoopClock:
    """A clock that starts at a fixed instant and runs with the event loop: fixed dates, real durations."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._t0: float | None = None

    def __call__(self) -> datetime:
        loop = asyncio.get_running_loop()
        if self._t0 is None:
            self._t0 = loop.time()
        return self.start + timedelta(seconds=loop.time() - self._t0)


def stasis_start(channel_id: str, *args: str, state: str = "Ring", caller: str = "0611223344",
                 exten: str = "1000") -> a.StasisStart:
    channel = a.Channel(channel_id, f"PJSIP/trunk-{channel_id[-4:]}", state, caller, "", exten, "from-trunk")
    return a.StasisStart("StasisStart", None, "astreinte", channel, args)


def channel(channel_id: str, state: str = "Up") -> a.Channel:
    return a.Channel(channel_id, f"PJSIP/{channel_id}", state, "", "", "", "")


async def no_message(config: object, message: object) -> dict[str, bool]:
    """A message desk for calls that must not leave one."""
    raise AssertionError(f"no message is expected here, got {message!r}")
