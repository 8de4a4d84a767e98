"""Route ARI events to calls: one driver task per call, so one slow request never delays another call.

    ARI events ──▶ Router.dispatch ──by channel id──▶ CallDriver.feed (its flow, its task)
    a new caller's StasisStart ──▶ a CallFlow on a snapshot of the live configuration (``line_for``)
    endpoint states, people talking ──▶ every live call (the hunts skip offline phones and busy people)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from astreinte.adapters.ari import AriError, Connected, Disconnected
from astreinte.adapters.clock import Clock
from astreinte.adapters.speech import write_lengths
from astreinte.dialplan import FALLBACK_CONTEXT
from astreinte.domain import hunt_events as h
from astreinte.domain.calls.flow import CallFlow
from astreinte.domain.calls.lease import arrival
from astreinte.domain.calls.service import ServiceFlow
from astreinte.domain.errors import LinkError
from astreinte.runtime.driver import CallDriver, FileMessage
from astreinte.runtime.leftovers import Leftovers, stasis_args
from astreinte.runtime.pump import Fed
from astreinte.runtime.service_driver import SERVICE_ARG, ServiceDriver, service_line_for
from astreinte.runtime.services import Services, line_for
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.runtime.ports import AriPort

log = logging.getLogger("astreinte.router")

# The event types the router and the calls act on; Asterisk sends the app nothing else (not
# ChannelHangupRequest: ChannelDestroyed says a channel ended, and it came five times a call for nothing;
# a phone's presence from PeerStatusChange, not EndpointStateChange, which also came twice a leg)
HANDLED_EVENTS = ("StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDestroyed",
                  "ChannelDtmfReceived", "PlaybackStarted", "PlaybackFinished", "RecordingFinished",
                  "RecordingFailed", "PeerStatusChange")


class Presence:
    """Which PJSIP endpoints are offline right now (ARI endpoint state)."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    def update(self, technology: str, resource: str, state: str) -> None:
        self.states[f"{technology}/{resource}"] = state

    def offline(self) -> frozenset[str]:
        return frozenset(name for name, state in self.states.items() if state == "offline")


class Router:
    def __init__(self, ari: AriPort, live: Services, clock: Clock, file_message: FileMessage, *,
                 leftover_delay: float = 0.3, rescue_every: float = 5.0,
                 stranded_after: timedelta = timedelta(seconds=10),
                 tell: Callable[[Any, Any], None] = lambda _config, _publication: None) -> None:
        self.ari, self.live, self.clock, self.file_message = ari, live, clock, file_message
        self.leftover_delay = leftover_delay    # after (re)connecting, before calls left in the app are looked for
        self.rescue_every = rescue_every        # between looks for callers another client leaves unanswered
        self.stranded_after = stranded_after    # a caller unanswered that long in the app is one nobody serves
        self.presence = Presence()
        self.tell = tell                        # a publication's notices (the service line's "take the on-call")
        self.leftovers = Leftovers(ari, max_call=live.config.daemon.max_call_duration)
        self.talking: dict[str, str] = {}              # person -> the call they are talking on
        self.calls: dict[str, CallDriver] = {}         # call id -> its driver
        self.channels: dict[str, Fed] = {}             # channel id (caller, leg, callout leg) -> its driver
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.ended: list[Callable[[CallDriver], None]] = []   # told of every call once it is over
        self._background: set[asyncio.Task[None]] = set()
        self.accepting = True

    @property
    def live_calls(self) -> int:
        return len(self.tasks)

    def register(self, channel_id: str, driver: Fed | None) -> None:
        """Route ``channel_id``'s events to ``driver`` (None: no more); callouts route their legs here too."""
        if driver is None:
            self.channels.pop(channel_id, None)
        else:
            self.channels[channel_id] = driver

    async def serve(self) -> None:
        """Read the app's events forever (the ARI client reconnects by itself)."""
        rescue = asyncio.get_running_loop().create_task(self._rescue_stranded())
        try:
            async for change in self.ari.events(self.dispatch):     # the events go to dispatch as read
                match change:
                    case Connected():
                        await self._resync()
                    case Disconnected(reason=reason):
                        log.warning("ARI link lost (%s): live calls keep their state, new calls wait", reason)
                    case _:
                        self.dispatch(change)
        finally:
            rescue.cancel()
            await asyncio.wait([rescue, *self._background])
            await self.leftovers.close()

    async def _rescue_stranded(self) -> None:
        """While the app's calls do not come to us, callers left unanswered in it go to the dialplan."""
        while True:
            await asyncio.sleep(self.rescue_every)
            if self.ari.serving:
                continue
            with contextlib.suppress(LinkError):     # ARI down: nobody can take a call out of the app
                now = self.clock()
                await self.leftovers.rescue_waiting(set(self.channels), now, now - self.stranded_after)

    async def _resync(self) -> None:
        """After every (re)connect: re-subscribe, re-read phones, and take back calls left in the app."""
        try:
            await self.ari.filter_events(HANDLED_EVENTS)
        except LinkError as exc:     # an older Asterisk: every event comes, the unhandled ones are ignored
            log.info("ARI event filter not set (%s): receiving every event type", exc)
        try:
            await self.ari.subscribe("endpoint:PJSIP")
            for endpoint in await self.ari.endpoints("PJSIP"):
                self.presence.update("PJSIP", str(endpoint.get("resource")), str(endpoint.get("state")))
        except LinkError as exc:
            log.warning("could not read endpoint states: %s", exc)
        log.info("ready: taking calls for Stasis app %r", self.ari.settings.app)
        # Events sent while we were disconnected are lost: a live call whose channels ended meanwhile
        # would wait forever (and keep its callee "talking", so that nobody is rung any more).
        self._hold(self._recheck_live_calls(dict(self.channels)))     # those known now, not newer ones
        # A previous daemon's calls (kill -9, crash): adopt the bridged ones, hand the rest to the dialplan.
        # Looked for once the events queued at connection time are routed, so that a call arriving right
        # now is never mistaken for a leftover, however long the restart took.
        self._hold(self._recover_leftovers())

    async def _recheck_live_calls(self, known: dict[str, Fed]) -> None:
        """Tell each live call which of its channels ended, or left the app, while the link was down."""
        app = self.ari.settings.app
        for channel_id, driver in known.items():
            try:
                channel = await self.ari.request("GET", f"/channels/{channel_id}")
            except AriError as exc:
                if exc.status == 404:
                    driver.lost(channel_id, left=False)
                continue
            except LinkError:
                return
            if channel_id == driver.id and isinstance(channel, dict) and stasis_args(channel, app) is None:
                driver.lost(channel_id, left=True)      # the dialplan has the caller now

    async def _recover_leftovers(self) -> None:
        await asyncio.sleep(self.leftover_delay)
        try:
            found = await self.leftovers.recover(set(self.channels), self.clock())
            if found:
                log.warning("took back %d channel(s) left in the app", found)
        except LinkError as exc:
            log.warning("could not list the channels left in the app: %s", exc)

    def dispatch(self, event: a.Event) -> None:
        match event:
            case a.StasisStart(channel=ch) if ch.id in self.channels:
                self.channels[ch.id].feed(event)
            case a.StasisStart(channel=ch, args=args) if args[:1] == ("leg",):
                log.warning("channel %s (%s) entered the app for a call that is over: hanging up", ch.id, ch.name)
                self._hold(self._hangup(ch.id))
            case a.StasisStart(channel=ch, args=args) if args[:1] == (SERVICE_ARG,) or \
                    self.live.config.is_service_number(args[0] if args else ch.exten):
                self._new_service_call(ch, args[0] if args else ch.exten, from_phone=args[:1] == (SERVICE_ARG,))
            case a.StasisStart(channel=ch, args=args):
                self._new_call(ch, args[0] if args else ch.exten)
            case (a.PlaybackStarted(target_uri=uri) | a.PlaybackFinished(target_uri=uri)
                  | a.RecordingFinished(target_uri=uri) | a.RecordingFailed(target_uri=uri)):
                self._time_play(event)
                driver = self.channels.get(uri.removeprefix("channel:"))
                if driver is not None:
                    driver.feed(event)
            case a.EndpointStateChange(technology=tech, resource=res, state=state):    # or PeerStatusChange
                previous = self.presence.states.get(f"{tech}/{res}")
                self.presence.update(tech, res, state)
                if previous != state:
                    log.info("phone %s/%s is %s", tech, res, state)
                    if state == "offline":
                        self._broadcast(h.PhoneUnregistered(f"{tech}/{res}"))
                    elif state == "online":
                        self._broadcast(h.PhoneRegistered(f"{tech}/{res}"))
            case (a.StasisEnd(channel=ch) | a.ChannelDestroyed(channel=ch) | a.ChannelStateChange(channel=ch)
                  | a.ChannelDtmfReceived(channel=ch)):
                driver = self.channels.get(ch.id)
                if driver is not None:
                    driver.feed(event)

    def _time_play(self, event: a.Event) -> None:
        """Asterisk's own sounds: how long they play, by Asterisk's clock (the lease covers them)."""
        learned, at = self.live.prompts.learned, event.timestamp or self.clock()
        if isinstance(event, a.PlaybackStarted):
            learned.started(event.playback_id, event.media_uri, at)
        elif isinstance(event, a.PlaybackFinished):
            before = learned.seconds(event.media_uri)
            learned.finished(event.playback_id, at)
            if learned.seconds(event.media_uri) != before:         # rare: a sound longer than seen so far
                try:
                    write_lengths(self.live.config.asterisk.prompts.dir, learned.lengths)
                except OSError as exc:
                    log.info("the lengths of Asterisk's sounds are not kept for the next daemon: %s", exc)

    def engaged(self, person: str, call_id: str, talking: bool) -> None:
        """A person started (or stopped) talking on an astreinte call: other hunts skip (or may ring) them."""
        if talking:
            self.talking[person] = call_id
            self._broadcast(h.PersonEngaged(person), but=call_id)
        elif self.talking.get(person) == call_id:
            del self.talking[person]
            self._broadcast(h.PersonReleased(person), but=call_id)

    def _broadcast(self, event: h.PhoneRegistered | h.PhoneUnregistered | h.PersonEngaged | h.PersonReleased,
                   but: str | None = None) -> None:
        for call_id, driver in self.calls.items():
            if call_id != but:
                driver.feed(event)

    def _new_call(self, channel: a.Channel, number: str) -> None:
        if not self.accepting:
            log.info("call %s on %s arrived while draining: dialplan fallback", channel.id, number)
            self._hold(self._to_fallback(channel.id, number))
            return
        live = self.live
        arrived = arrival(self.clock(), channel.created)     # a frozen daemon sees its callers late
        flow = CallFlow(channel.id, line_for(live, channel, number, arrived), arrived, answered=channel.state == "Up",
                        unreachable=self.presence.offline(), busy_people=frozenset(self.talking))
        driver = CallDriver(flow, ari=self.ari, clock=self.clock, config=live.config, store=live.store,
                            register=self.register, engaged=self.engaged, file_message=self.file_message)
        self.register(channel.id, driver)
        self.calls[channel.id] = driver
        task = asyncio.get_running_loop().create_task(driver.run(), name=f"call-{channel.id}")
        self.tasks[channel.id] = task

        def done(_task: asyncio.Task[None]) -> None:
            self.tasks.pop(channel.id, None)
            self.calls.pop(channel.id, None)
            for hook in self.ended:
                try:
                    hook(driver)
                except Exception:
                    log.exception("call %s: a call-end hook failed", channel.id)

        task.add_done_callback(done)

    def _new_service_call(self, channel: a.Channel, number: str, *, from_phone: bool) -> None:
        """The service line (``runtime.service_driver``): a person on call acts by phone."""
        if not self.accepting:
            self._hold(self._hangup(channel.id))
            return
        arrived = arrival(self.clock(), channel.created)
        line = service_line_for(self.live, channel, number, arrived, from_phone=from_phone)
        flow = ServiceFlow(line, arrived, answered=channel.state == "Up")
        driver = ServiceDriver(flow, ari=self.ari, clock=self.clock, live=self.live, register=self.register,
                               engaged=self.engaged, tell=self.tell)
        self.register(channel.id, driver)
        task = asyncio.get_running_loop().create_task(driver.run(), name=f"service-{channel.id}")
        self.tasks[channel.id] = task
        task.add_done_callback(lambda _task: self.tasks.pop(channel.id, None))

    async def _to_fallback(self, channel_id: str, number: str) -> None:
        with contextlib.suppress(LinkError):
            await self.ari.set_variable(channel_id, "ASTREINTE_REASON", "daemon-stopping")
            longest = int(self.live.config.daemon.max_call_duration)
            await self.ari.set_variable(channel_id, "TIMEOUT(absolute)", str(longest))     # not the lease
        try:
            await self.ari.continue_in_dialplan(channel_id, FALLBACK_CONTEXT, number or "s")
        except LinkError as exc:
            log.warning("could not hand call %s to the dialplan: %s", channel_id, exc)

    async def _hangup(self, channel_id: str) -> None:
        try:
            await self.ari.hangup(channel_id)
        except LinkError as exc:
            log.warning("could not hang up %s: %s", channel_id, exc)

    def _hold(self, job: Coroutine[Any, Any, None]) -> None:
        """Run ``job`` in the background, held here so that its failure is seen (and logged) and awaited."""
        task = asyncio.get_running_loop().create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    async def drain(self, timeout: float) -> None:
        """Refuse new calls, let live ones finish (up to ``timeout``), then hand the rest to the dialplan."""
        self.accepting = False
        if self.tasks:
            log.info("draining %d live call(s), up to %.0f s", len(self.tasks), timeout)
            _done, pending = await asyncio.wait(list(self.tasks.values()), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("background job failed: %r", exc)
