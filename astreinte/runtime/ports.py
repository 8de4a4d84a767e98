"""What the runtime needs from the outside world, as typed interfaces (the adapters implement them).

The runtime depends on these Protocols, never on the concrete ``Ari``, ``Ami`` or ``AsyncStore``:
the tests pass one shared typed fake of each (``tests/helpers/fakes.py``) without ``type: ignore``.
The clock is ``astreinte.adapters.clock.Clock`` (a callable giving an aware instant).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from astreinte.adapters.ari import Connected, Disconnected
    from astreinte.adapters.store import Store
    from astreinte.config import AmiSettings, AriSettings
    from astreinte.wire.ari_events import Event

T = TypeVar("T")


class CallAri(Protocol):
    """The ARI requests one call makes."""

    async def answer(self, channel_id: str) -> None: ...
    def ordered(self, channel_id: str) -> bool:
        """Whether a request about ``channel_id`` made now reaches Asterisk after its answer in flight."""
    async def play(self, channel_id: str, media: str, playback_id: str, lang: str | None = None) -> None: ...
    async def stop_playback(self, playback_id: str) -> bool: ...
    async def record(self, channel_id: str, name: str, *, max_seconds: int, max_silence: int,
                     beep: bool = True) -> None: ...
    async def ring(self, channel_id: str) -> None: ...
    async def ring_stop(self, channel_id: str) -> None: ...
    async def originate(self, channel_id: str, endpoint: str, *, app_args: str, caller_id: str | None = None,
                        timeout: int = 30, originator: str | None = None,
                        variables: Mapping[str, str] | None = None) -> None: ...
    async def hangup(self, channel_id: str, reason: str | None = None) -> bool: ...
    async def create_bridge(self, bridge_id: str) -> None: ...
    async def add_to_bridge(self, bridge_id: str, *channel_ids: str) -> None: ...
    async def destroy_bridge(self, bridge_id: str) -> None: ...
    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str,
                                   priority: int = 1) -> None: ...
    async def set_variable(self, channel_id: str, name: str, value: str) -> None: ...


class AriPort(CallAri, Protocol):
    """The whole ARI link: events, the app's state, and what the router, leftovers and status ask."""

    settings: AriSettings
    serving: bool                       # connected, and Asterisk sends this app's calls to us

    def events(self, deliver: Callable[[Event], None] | None = None
               ) -> AsyncIterator[Event | Connected | Disconnected]:
        """Connected, then the app's events, Disconnected, Connected... With ``deliver`` the events go
        to it as they are read (only the link's changes are yielded), never while a Connected is being
        handled: those read meanwhile wait for the next ``anext``."""
    def stasis_failed(self) -> None: ...
    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      body: Any = None) -> Any: ...
    async def endpoints(self, technology: str = "PJSIP") -> list[dict[str, Any]]: ...
    async def subscribe(self, event_source: str) -> None: ...
    async def filter_events(self, allowed: Iterable[str]) -> None: ...
    async def ping(self) -> dict[str, Any]: ...


class AmiPort(Protocol):
    """AMI as the AstDB writer, the PBX trace importer and the status server use it."""

    settings: AmiSettings

    refused: str | None                 # why Asterisk refused the last login (None: it did not)
    problem: str | None                 # why AMI is not up now (None: it is)

    @property
    def connected(self) -> bool: ...
    def on_login(self, hook: Callable[[], Awaitable[None]]) -> None: ...
    async def wait_connected(self, timeout: float) -> bool: ...
    async def db_put(self, family: str, key: str, value: str) -> None: ...
    async def db_get(self, family: str, key: str) -> str | None: ...
    async def db_del(self, family: str, key: str, *, tree: bool = False) -> None: ...
    async def db_tree(self, family: str) -> dict[str, str]: ...


class StorePort(Protocol):
    """The store, from the event loop: every job runs in the store's one thread, in order."""

    async def run(self, fn: Callable[[Store], T]) -> T: ...

    async def log_row(self, fn: Callable[[Store], None]) -> None:
        """A call log row (``begin_call``, ``finish_call``): maybe written a moment later, with others."""
