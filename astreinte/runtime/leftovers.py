"""Calls left in the Stasis app by a previous daemon (``kill -9``, crash, OOM), found after (re)connecting.

Asterisk 22 keeps a channel in ``Stasis()`` when the app's WebSocket vanishes: the
caller waits, in silence, until someone controls it again (``GET /applications/APP``
still lists it). The daemon that connects next, whose router does not know them:

- a caller channel in a bridge with someone (a conversation in progress): adopted —
  left bridged, and when one side leaves, the other is hung up and the bridge destroyed;
- a caller channel alone (mid-greeting, mid-hunt): handed to the dialplan fallback
  (``continueInDialplan`` -> ``astreinte-fallback``, ``ASTREINTE_REASON=daemon-restarted``),
  whose FastAGI tier asks the new daemon for the chain and dials it;
- a phone leg of such a call (ringing or answered, not bridged): hung up.

Channels created less than ``GRACE`` before ``since`` (the moment of the look-up) are left
alone: they may be new calls whose StasisStart is on its way.

While another client holds the app, ``rescue_waiting`` hands to the dialplan the callers it
leaves unanswered (``ASTREINTE_REASON=app-taken-over``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from astreinte.adapters.ari import AriError
from astreinte.dialplan import FALLBACK_CONTEXT, NUMBER
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.runtime.ports import AriPort

log = logging.getLogger("astreinte.leftovers")

GRACE = timedelta(seconds=0.5)
WATCH_EVERY = 1.0


def created(channel: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(channel.get("creationtime", "")))
    except ValueError:
        return None


def stasis_args(channel: dict[str, Any], app: str) -> list[str] | None:
    """The app args of a channel sitting in ``Stasis(app, ...)``; None for any other channel."""
    dialplan = channel.get("dialplan") or {}
    if dialplan.get("app_name") != "Stasis":
        return None
    name, _, rest = str(dialplan.get("app_data", "")).partition(",")
    return rest.split(",") if name == app else None


class Leftovers:
    def __init__(self, ari: AriPort, *, watch_every: float = WATCH_EVERY, max_call: float = 7200.0) -> None:
        self.ari, self.max_call = ari, max_call
        self.watch_every = watch_every
        self.watchers: set[asyncio.Task[None]] = set()      # one per adopted bridge, until it ends

    async def recover(self, known: Collection[str], since: datetime) -> int:
        """Adopt or hand off every channel of the app the router does not know; how many were found."""
        app = self.ari.settings.app
        listing = await self.ari.request("GET", f"/applications/{app}") or {}
        bridged: set[str] = set()
        found = 0
        for bridge_id in listing.get("bridge_ids", []):
            bridge = await self._get(f"/bridges/{bridge_id}")
            members = [str(c) for c in (bridge or {}).get("channels", [])]
            bridged.update(members)
            if members and not set(members) & set(known):
                found += 1
                log.warning("adopting bridge %s left by a previous daemon (%s)", bridge_id, ", ".join(members))
                task = asyncio.get_running_loop().create_task(self._watch_bridge(str(bridge_id)),
                                                              name=f"adopted-{bridge_id}")
                self.watchers.add(task)
                task.add_done_callback(self.watchers.discard)
        callers: list[tuple[str, dict[str, Any], list[str]]] = []
        for channel_id in listing.get("channel_ids", []):
            channel_id = str(channel_id)
            if channel_id in known or channel_id in bridged:
                continue
            channel = await self._get(f"/channels/{channel_id}")
            if channel is None:
                continue
            born = created(channel)
            if born is not None and born > since - GRACE:
                continue
            found += 1
            args = stasis_args(channel, app)
            if args is not None and args[:1] != ["leg"]:
                callers.append((channel_id, channel, args))
            else:       # legs first: the fallback is about to ring the same phones again
                log.warning("phone leg %s (%s) of a lost call: hanging up", channel_id, channel.get("name"))
                with contextlib.suppress(LinkError):
                    await self.ari.hangup(channel_id)
        for channel_id, channel, args in callers:
            log.warning("call %s (%s) was left in the app: handing it to the dialplan fallback",
                        channel_id, channel.get("name"))
            await self._hand_off(channel_id, args, "daemon-restarted")
        return found

    async def rescue_waiting(self, known: Collection[str], now: datetime, born_before: datetime) -> int:
        """Hand to the dialplan the callers nobody answered in the app since ``born_before``; how many.

        For when another client holds the app (or held it, and left): a caller it does not answer
        would wait in silence. The daemon answers its own callers at once, and those it knows are
        never touched: an unanswered caller this old is one nobody is serving.
        """
        app = self.ari.settings.app
        listing = await self.ari.request("GET", f"/applications/{app}") or {}
        rescued = 0
        for channel_id in listing.get("channel_ids", []):
            channel_id = str(channel_id)
            if channel_id in known:
                continue
            channel = await self._get(f"/channels/{channel_id}")
            born = created(channel) if channel is not None else None
            args = stasis_args(channel, app) if channel is not None else None
            if (channel is None or born is None or born > born_before or args is None or args[:1] == ["leg"]
                    or channel.get("state") not in ("Ring", "Ringing")):
                continue
            log.warning("call %s (%s) has waited unanswered in the app for %.0f s: handing it to the dialplan "
                        "fallback", channel_id, channel.get("name"), (now - born).total_seconds())
            await self._hand_off(channel_id, args, "app-taken-over")
            rescued += 1
        return rescued

    async def _hand_off(self, channel_id: str, args: list[str], reason: str) -> None:
        number = args[0] if args and NUMBER.match(args[0]) else "s"
        with contextlib.suppress(LinkError):
            await self.ari.set_variable(channel_id, "ASTREINTE_REASON", reason)
            await self.ari.set_variable(channel_id, "TIMEOUT(absolute)", str(int(self.max_call)))   # not the lease
        with contextlib.suppress(LinkError):
            await self.ari.continue_in_dialplan(channel_id, FALLBACK_CONTEXT, number)

    async def _get(self, path: str) -> dict[str, Any] | None:
        try:
            result = await self.ari.request("GET", path)
        except AriError as exc:
            if exc.status == 404:
                return None
            raise
        return dict(result) if isinstance(result, dict) else None

    async def _watch_bridge(self, bridge_id: str) -> None:
        """When one side of an adopted conversation leaves, end the other side too."""
        while True:
            await asyncio.sleep(self.watch_every)
            try:
                bridge = await self._get(f"/bridges/{bridge_id}")
            except LinkError:
                continue
            members = (bridge or {}).get("channels", [])
            if len(members) >= 2:
                continue
            log.info("adopted bridge %s: one side hung up, ending the call", bridge_id)
            with contextlib.suppress(LinkError):
                for channel_id in members:
                    await self.ari.hangup(str(channel_id))
                await self.ari.destroy_bridge(bridge_id)
            return

    async def close(self) -> None:
        """Stop watching adopted bridges (the daemon is stopping; the next one adopts them again)."""
        for task in self.watchers:
            task.cancel()
        if self.watchers:
            await asyncio.wait(list(self.watchers))
