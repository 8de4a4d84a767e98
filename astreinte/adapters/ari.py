"""A thin ARI client: REST calls (adapters/ari_http.py) plus one reconnecting WebSocket (adapters/ari_ws.py).

Why not a library: ari-py is Python 2 only; ari-client never reconnects after an Asterisk restart;
aioari leaks sessions; asyncari works but is untyped (see docs/design.md). ARI is a small REST API:
the handful of calls astreinte makes are below, the events it reads typed in ``wire.ari_events``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping
from functools import partial
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from astreinte.adapters import ari_ws
from astreinte.adapters.ari_http import HttpPool, basic_auth, query_value, quoted
from astreinte.adapters.ari_link import Connected as Connected  # (Connected, Disconnected, backoff: re-exported)
from astreinte.adapters.ari_link import Deliver, Link, hand, probe_number
from astreinte.adapters.ari_link import Disconnected as Disconnected
from astreinte.adapters.ari_link import backoff as backoff
from astreinte.adapters.ari_trace import AriTrace
from astreinte.config import AriSettings
from astreinte.domain.errors import FatalLinkError, LinkError
from astreinte.wire.ari_events import Event, parse_event

log = logging.getLogger("astreinte.ari")

APP_CHECK_EVERY = 5.0   # seconds between probes that the app's events still reach our WebSocket
PROBE = "astreinte-probe"
HEARTBEAT = 15.0        # seconds without a byte from Asterisk before a ping (adapters/ari_ws.py)


class AriError(LinkError):
    """ARI answered a REST call with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        self.status = status
        super().__init__(f"ARI {method} {path}: HTTP {status} {body.strip()[:200]}")


class Ari:
    """One ARI application: REST requests and its event stream."""

    def __init__(self, settings: AriSettings, *, request_timeout: float = 5.0,
                 app_check_every: float = APP_CHECK_EVERY, trace: AriTrace | None = None) -> None:
        self.settings = settings
        self.trace = trace          # the benchmarks' timing trace (adapters/ari_trace.py), normally None
        self.app_check_every = app_check_every
        self.serving = False        # connected, and Asterisk sends this app's calls to us
        self.continued: deque[str] = deque(maxlen=256)    # channels sent on into the dialplan, latest last
        self._link: Link | None = None     # the open connection's state
        self.base = settings.url.rstrip("/") + "/ari"
        self._path = urlsplit(self.base).path
        self._request_timeout = request_timeout
        self._auth = {"Authorization": basic_auth(settings.username, settings.password)}
        self._http: HttpPool | None = None      # the REST requests (adapters/ari_http.py)

    async def __aenter__(self) -> Ari:
        self._http = HttpPool(self.base, self._auth, timeout=self._request_timeout, trace=self.trace)
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.trace is not None:
            self.trace.flush()

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      body: Any = None, read: bool = True, opens: bool = False) -> Any:
        """One REST call: the decoded JSON, or None (``read=False``: a body not needed is not decoded, such
        as an originate's channel, kilobytes a call); raises AriError / LinkError. A channel's requests
        go in its lane while one is open (``opens``: this one opens it; adapters/ari_http.py)."""
        http = self._http
        if http is None:
            raise RuntimeError("use 'async with Ari(...)'")
        lane = path[10:].split("/", 1)[0] if (opens or http.lanes) and path.startswith("/channels/") else None
        target = quoted(self._path + path, "/")
        if params:
            query = "&".join(f"{k}={quoted(query_value(v))}" for k, v in params.items() if v is not None)
            target += "?" + query if query else ""
        try:
            resp = await http.request(method, target, None if body is None else json.dumps(body).encode(),
                                      lane=lane, opens=opens)
        except (OSError, TimeoutError) as exc:
            raise LinkError(f"ARI {method} {path}: {exc!r}") from exc
        if resp.status < 400 and not read:
            return None
        text = resp.body.decode("utf-8", errors="replace")
        if resp.status >= 400:
            if resp.status == 401:
                raise FatalLinkError(
                    f"ARI at {self.settings.url} refused user {self.settings.username!r}: "
                    "check asterisk.ari.username/password and ari.conf")
            raise AriError(method, path, resp.status, text)
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as exc:
            raise LinkError(f"ARI {method} {path}: the answer is not JSON: {text[:80]!r}") from exc

    async def events(self, deliver: Deliver | None = None) -> AsyncIterator[Event | Connected | Disconnected]:
        """The app's events, forever: reconnects with jittered backoff, yields Connected after each.

        With ``deliver``, each event goes to it as its frame is read, in the WebSocket's own callback
        (no task switch between the socket and the router, issue 18), and only Connected and
        Disconnected are yielded. The events read while the caller handles a Connected are held,
        and handed over, in order, once it asks for the next item."""
        target = f"{quoted(self._path + '/events', '/')}?app={quoted(self.settings.app)}&subscribeAll=false"
        attempt = 0
        delays = backoff()
        while True:
            link = Link()
            try:
                socket = await ari_ws.connect(self.base, target, self._auth, partial(self._frame, link),
                                              timeout=self._request_timeout, heartbeat=HEARTBEAT)
            except ari_ws.HandshakeError as exc:
                if exc.status == 401:
                    raise FatalLinkError(
                        f"ARI at {self.settings.url} refused user {self.settings.username!r}: "
                        "check asterisk.ari.username/password and ari.conf") from exc
                reason = f"handshake HTTP {exc.status}"
            except (OSError, TimeoutError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            else:
                attempt += 1
                delays = backoff()
                async with contextlib.aclosing(self._read(socket, attempt, link, deliver)) as items:
                    async for item in items:
                        yield item
                reason = link.lost or "WebSocket closed"
            delay = await anext(delays)
            log.info("ARI unavailable (%s); retrying in %.2f s", reason, delay)
            await asyncio.sleep(delay)

    async def _read(self, socket: ari_ws.EventSocket, attempt: int, link: Link,
                    deliver: Deliver | None) -> AsyncGenerator[Event | Connected | Disconnected, None]:
        """One connection's events, from Connected to Disconnected, watched by ``_watch``."""
        log.info("ARI connected to %s, app %r", self.settings.url, self.settings.app)
        self.serving = True
        self._link = link
        watch = asyncio.get_running_loop().create_task(self._watch(socket, link))
        socket.done.add_done_callback(lambda _: link.nudge())
        try:
            yield Connected(attempt)
            while True:
                while link.held:
                    event = link.held.popleft()
                    if deliver is None:
                        yield event
                    else:
                        hand(deliver, event)
                if socket.done.done():
                    break
                if deliver is not None:         # live: from now on the frames are routed as they come
                    link.deliver = partial(hand, deliver)
                    await asyncio.wait([socket.done])
                    break
                link.waiter = asyncio.get_running_loop().create_future()
                await link.waiter
        finally:
            link.deliver = None
            self.serving = False
            self._link = None
            watch.cancel()
            await asyncio.wait([watch])     # re-raises our own cancellation, never swallows it
            ended = await socket.close()
        yield Disconnected(link.lost or ended)

    def _frame(self, link: Link, text: str) -> None:
        """One text message of the WebSocket (in its callback): to ``deliver``, or held for ``_read``."""
        if text in link.recent:         # the same event told twice: not parsed, not routed again
            return
        link.recent.append(text)
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("ARI sent a frame that is not JSON: %.120r", text)
            return
        if not isinstance(data, dict):
            return
        if self.trace is not None:
            self.trace.received(data)
        if data.get("type") == "ChannelUserevent" and data.get("eventname") == PROBE:
            link.echoed = max(link.echoed, probe_number(data))
            return
        event = parse_event(data)
        if event.type == "ApplicationReplaced":
            self.serving = False
            link.replaced = True
            log.error("another client took over ARI app %r (a second `astreinte run`? a tool using "
                      "the daemon's app name?): Asterisk sends the calls to it now; this daemon "
                      "takes the app back once a call falls to the dialplan fallback", self.settings.app)
        if link.deliver is not None:
            link.deliver(event)
        else:
            link.held.append(event)
            link.nudge()

    def stasis_failed(self) -> None:
        """A call's ``Stasis()`` failed (the FastAGI server saw it): Asterisk has no active app of ours.

        Whatever the WebSocket looks like, it brings nothing: connect again. The app being inactive,
        registering it takes nobody's place: this is how an app taken over, then let go, is taken back.
        """
        link = self._link
        if link is not None and link.lost is None:
            link.lost = f"a call's Stasis() failed: Asterisk does not send app {self.settings.app!r} to us"
            link.wake.set()

    async def _watch(self, socket: ari_ws.EventSocket, link: Link) -> None:
        """Close ``socket`` (``events`` then reconnects) once it no longer brings the app's events.

        Asterisk 22 deactivates an app when *any* WebSocket that held it closes, even after a newer
        one registered the same name, and tells nobody: an earlier connection of ours finishing its
        close as we reconnect leaves this one open but deaf. So Asterisk is asked, every
        ``app_check_every`` seconds, to send the app a user event; a connection that has not received
        one two periods later is dropped and made again (a period of grace: a false alarm in a burst
        of calls would lose their events while reconnecting). Not while another client holds the
        app: its events go there, and registering the app again would take it back from a client
        that may be answering calls. That connection waits for ``stasis_failed``.
        """
        sent = 0
        while True:
            if not link.replaced and link.echoed < sent - 1 and link.lost is None:
                link.lost = (f"Asterisk did not deliver our probe event within {2 * self.app_check_every:g} s: "
                             f"this connection no longer receives app {self.settings.app!r}")
            if link.lost:
                log.warning("%s; reconnecting", link.lost)
                await socket.close()
                return
            if not link.replaced:
                try:
                    await self.request("POST", f"/events/user/{PROBE}",
                                       params={"application": self.settings.app},
                                       body={"variables": {"probe": str(sent + 1)}})
                    sent += 1
                except LinkError:
                    pass            # Asterisk unreachable: the WebSocket heartbeat decides
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.app_check_every):
                    await link.wake.wait()

    # --- the calls astreinte makes ------------------------------------------------

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/answer", opens=True)

    def ordered(self, channel_id: str) -> bool:
        """Whether a request about ``channel_id`` made now reaches Asterisk after its answer in flight
        (the answer's lane is open: adapters/ari_http.py); False once the answer is done, or if it
        went on a new connection."""
        return self._http is not None and self._http.ordered(channel_id)

    async def play(self, channel_id: str, media: str, playback_id: str, lang: str | None = None) -> None:
        await self.request("POST", f"/channels/{channel_id}/play/{playback_id}",
                           params={"media": media, "lang": lang}, read=False)

    async def stop_playback(self, playback_id: str) -> bool:
        """Stop a playback; False when it had already ended."""
        try:
            await self.request("DELETE", f"/playbacks/{playback_id}")
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def record(self, channel_id: str, name: str, *, max_seconds: int, max_silence: int,
                     beep: bool = True) -> None:
        """Record the channel into Asterisk's spool/recording/<name>.wav (ends on '#', silence, hang-up)."""
        await self.request("POST", f"/channels/{channel_id}/record",
                           params={"name": name, "format": "wav", "maxDurationSeconds": max_seconds,
                                   "maxSilenceSeconds": max_silence, "ifExists": "overwrite", "beep": beep,
                                   "terminateOn": "#"})

    async def ring(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/ring")

    async def ring_stop(self, channel_id: str) -> None:
        await self.request("DELETE", f"/channels/{channel_id}/ring")

    async def originate(self, channel_id: str, endpoint: str, *, app_args: str, caller_id: str | None = None,
                        timeout: int = 30, originator: str | None = None,
                        variables: Mapping[str, str] | None = None) -> None:
        await self.request(
            "POST", f"/channels/{channel_id}",
            params={"endpoint": endpoint, "app": self.settings.app, "appArgs": app_args,
                    "callerId": caller_id, "timeout": timeout, "originator": originator},
            body={"variables": dict(variables)} if variables else None, read=False)

    async def hangup(self, channel_id: str, reason: str | None = None) -> bool:
        """Hang up a channel; False when it was already gone."""
        try:
            await self.request("DELETE", f"/channels/{channel_id}", params={"reason": reason})
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def create_bridge(self, bridge_id: str) -> None:
        await self.request("POST", f"/bridges/{bridge_id}", params={"type": "mixing"})

    async def add_to_bridge(self, bridge_id: str, *channel_ids: str) -> None:
        await self.request("POST", f"/bridges/{bridge_id}/addChannel", params={"channel": ",".join(channel_ids)})

    async def destroy_bridge(self, bridge_id: str) -> None:
        try:
            await self.request("DELETE", f"/bridges/{bridge_id}")
        except AriError as exc:
            if exc.status != 404:
                raise

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str,
                                   priority: int = 1) -> None:
        await self.request("POST", f"/channels/{channel_id}/continue",
                           params={"context": context, "extension": extension, "priority": priority})
        self.continued.append(channel_id)

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/variable", params={"variable": name, "value": value})

    async def channels(self) -> list[dict[str, Any]]:
        result = await self.request("GET", "/channels")
        return list(result or [])

    async def endpoints(self, technology: str = "PJSIP") -> list[dict[str, Any]]:
        result = await self.request("GET", f"/endpoints/{technology}")
        return list(result or [])

    async def subscribe(self, event_source: str) -> None:
        await self.request("POST", f"/applications/{self.settings.app}/subscription",
                           params={"eventSource": event_source})

    async def filter_events(self, allowed: Iterable[str]) -> None:
        """Only these event types reach the app's WebSocket (less to send, parse and route per call).

        ApplicationReplaced and ChannelUserevent always do: they tell ``events`` whether the app's events
        still reach this connection."""
        kinds = dict.fromkeys([*allowed, "ApplicationReplaced", "ChannelUserevent"])
        await self.request("PUT", f"/applications/{self.settings.app}/eventFilter",
                           body={"allowed": [{"type": kind} for kind in kinds]})

    async def ping(self) -> dict[str, Any]:
        return dict(await self.request("GET", "/asterisk/ping") or {})
