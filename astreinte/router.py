"""Route ARI events to calls: one task per call, so one slow request never delays another call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from astreinte.adapters.ari import Connected, Disconnected
from astreinte.call import CallSession
from astreinte.domain import hunt_events as h
from astreinte.domain.errors import LinkError
from astreinte.leftovers import Leftovers
from astreinte.services import Services
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.adapters.ari import Ari

log = logging.getLogger("astreinte.router")

LEFTOVER_DELAY = 0.3   # seconds after (re)connecting before calls left in the app are looked for
RESCUE_EVERY = 5.0     # seconds between looks for callers left unanswered in an app another client holds
STRANDED_AFTER = timedelta(seconds=10)   # a caller unanswered that long in the app is one nobody serves

# The event types the router and the calls act on; Asterisk sends the app nothing else.
HANDLED_EVENTS = ("StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDestroyed", "ChannelHangupRequest",
                  "ChannelDtmfReceived", "PlaybackStarted", "PlaybackFinished", "RecordingFinished",
                  "RecordingFailed", "EndpointStateChange")


class Presence:
    """Which PJSIP endpoints are offline right now (ARI endpoint state)."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    def update(self, technology: str, resource: str, state: str) -> None:
        self.states[f"{technology}/{resource}"] = state

    def offline(self) -> frozenset[str]:
        return frozenset(name for name, state in self.states.items() if state == "offline")


class Router:
    def __init__(self, ari: Ari, services: Services) -> None:
        self.ari = ari
        self.services = services
        self.presence = Presence()
        services.unreachable = self.presence.offline
        services.busy_people = self._busy_people
        services.engaged = self._engaged
        self.talking: dict[str, str] = {}              # person -> the call they are talking on
        self.sessions: dict[str, CallSession] = {}     # call id -> session
        self.channels: dict[str, CallSession] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.ended: list[Callable[[CallSession], None]] = []   # told of every call once it is over
        self._background: set[asyncio.Task[None]] = set()
        self.accepting = True

    def _register(self, channel_id: str, session: CallSession | None) -> None:
        if session is None:
            self.channels.pop(channel_id, None)
        else:
            self.channels[channel_id] = session

    @property
    def live_calls(self) -> int:
        return len(self.tasks)

    async def serve(self) -> None:
        """Read the app's events forever (the ARI client reconnects by itself)."""
        rescue = asyncio.get_running_loop().create_task(self._rescue_stranded())
        try:
            async for event in self.ari.events():
                match event:
                    case Connected():
                        await self._resync()
                    case Disconnected(reason=reason):
                        log.warning("ARI link lost (%s): live calls keep their state, new calls wait", reason)
                    case _:
                        self.dispatch(event)
        finally:
            rescue.cancel()
            await asyncio.wait([rescue])

    async def _rescue_stranded(self) -> None:
        """While the app's calls do not come to us, callers left unanswered in it go to the dialplan."""
        while True:
            await asyncio.sleep(RESCUE_EVERY)
            if self.ari.serving:
                continue
            with contextlib.suppress(LinkError):     # ARI down: nobody can take a call out of the app
                await Leftovers(self.ari).rescue_waiting(set(self.channels), datetime.now(UTC) - STRANDED_AFTER)

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
        # A previous daemon's calls (kill -9, crash): adopt the bridged ones, hand the rest to the dialplan.
        # Looked for once the events queued at connection time are routed, so that a call arriving right
        # now is never mistaken for a leftover, however long the restart took.
        task = asyncio.get_running_loop().create_task(self._recover_leftovers())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _recover_leftovers(self) -> None:
        await asyncio.sleep(LEFTOVER_DELAY)
        try:
            found = await Leftovers(self.ari).recover(set(self.channels), datetime.now(UTC))
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
                asyncio.get_running_loop().create_task(self._hangup(ch.id))
            case a.StasisStart(channel=ch, args=args):
                self._new_call(ch, args[0] if args else ch.exten)
            case (a.PlaybackStarted(target_uri=uri) | a.PlaybackFinished(target_uri=uri)
                  | a.RecordingFinished(target_uri=uri) | a.RecordingFailed(target_uri=uri)):
                session = self.channels.get(uri.removeprefix("channel:"))
                if session is not None:
                    session.feed(event)
            case a.EndpointStateChange(technology=tech, resource=res, state=state):
                previous = self.presence.states.get(f"{tech}/{res}")
                self.presence.update(tech, res, state)
                if previous != state:
                    log.info("phone %s/%s is %s", tech, res, state)
                    phone = f"{tech}/{res}"
                    if state == "offline":
                        self._broadcast(h.PhoneUnregistered(phone))
                    elif state == "online":
                        self._broadcast(h.PhoneRegistered(phone))
            case (a.StasisEnd(channel=ch) | a.ChannelDestroyed(channel=ch) | a.ChannelStateChange(channel=ch)
                  | a.ChannelDtmfReceived(channel=ch) | a.ChannelHangupRequest(channel=ch)):
                session = self.channels.get(ch.id)
                if session is not None:
                    session.feed(event)

    def _busy_people(self) -> frozenset[str]:
        return frozenset(self.talking)

    def _engaged(self, person: str, call_id: str, talking: bool) -> None:
        """A person started (or stopped) talking on an astreinte call: other hunts skip (or may ring) them."""
        if talking:
            self.talking[person] = call_id
            self._broadcast(h.PersonEngaged(person), but=call_id)
        elif self.talking.get(person) == call_id:
            del self.talking[person]
            self._broadcast(h.PersonReleased(person), but=call_id)

    def _broadcast(self, event: h.Event, but: str | None = None) -> None:
        for call_id, session in self.sessions.items():
            if call_id != but:
                session.feed(event)

    def _new_call(self, channel: a.Channel, number: str) -> None:
        if not self.accepting:
            log.info("call %s on %s arrived while draining: dialplan fallback", channel.id, number)
            asyncio.get_running_loop().create_task(
                self.ari.continue_in_dialplan(channel.id, "astreinte-fallback", number or "s"))
            return
        session = CallSession(self.services, channel, number, self._register)
        self._register(channel.id, session)
        self.sessions[channel.id] = session
        task = asyncio.get_running_loop().create_task(session.run(), name=f"call-{channel.id}")
        self.tasks[channel.id] = task

        def done(_task: asyncio.Task[None]) -> None:
            self.tasks.pop(channel.id, None)
            self.sessions.pop(channel.id, None)
            for hook in self.ended:
                try:
                    hook(session)
                except Exception:
                    log.exception("call %s: a call-end hook failed", channel.id)

        task.add_done_callback(done)

    async def _hangup(self, channel_id: str) -> None:
        try:
            await self.ari.hangup(channel_id)
        except LinkError as exc:
            log.warning("could not hang up %s: %s", channel_id, exc)

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
