"""One call, from its StasisStart on the on-call trunk to its last hang-up, in a task of its own.

The session turns ARI events into hunt events, feeds the pure ``Hunt``, and
carries out the commands it returns through ARI. If anything goes wrong
mid-call, the caller is sent to the dialplan fallback: never left in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from astreinte.adapters.speech import Prompt
from astreinte.adapters.store.calls import CallRecord
from astreinte.call_events import translate
from astreinte.call_start import start_hunt
from astreinte.domain import hunt_events as h
from astreinte.domain.errors import LinkError
from astreinte.domain.hunt import Hunt
from astreinte.menu import choose_team
from astreinte.prompts import render_confirmation
from astreinte.services import Services, logged, retrieve, safe_caller_number
from astreinte.voicemail import take_message
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.domain.rota import Team

log = logging.getLogger("astreinte.call")

FALLBACK_CONTEXT = "astreinte-fallback"



class CallSession:
    def __init__(self, services: Services, caller: a.Channel, number: str,
                 register: Callable[[str, CallSession | None], None]) -> None:
        self.s = services
        self.caller = caller
        self.number = number
        self.id = caller.id
        self._register = register               # router: map a channel id to this session (None: forget)
        self.queue: asyncio.Queue[a.Event | h.Event] = asyncio.Queue()
        self.team: Team | None = None
        self.hunt: Hunt | None = None
        self.legs: dict[str, h.Dial] = {}        # leg id (= its channel id) -> how it was dialed
        self.answered_legs: set[str] = set()
        self.cancelled: set[str] = set()
        self.playbacks: dict[str, str] = {}      # live playback id -> "greeting" | "hold" | leg id
        self.ringing_caller = False
        self.bridge_id: str | None = None
        self.connected_at: datetime | None = None
        self.engaged_person: str | None = None
        self.greeting_started = asyncio.Event()     # or failed, or the caller left: the phones may ring
        self._recorded = False
        self.voicemail_wanted = False
        self._confirmation: asyncio.Task[Prompt] | None = None
        self.caller_gone = False
        self.caller_left = False      # set on arrival of the caller's StasisEnd, before it is handled
        self.started = services.clock()
        self._seq = 0
        self.record = CallRecord(caller.id, self.started, did=number,
                                 caller=safe_caller_number(caller.caller_number) or "anonymous")
        self.steps: list[tuple[datetime, str, str]] = []

    # --- plumbing ---------------------------------------------------------------

    def feed(self, event: a.Event | h.Event) -> None:
        """An ARI event about this call, or a hunt event from the router (presence, people engaged)."""
        match event:
            case a.PlaybackStarted(playback_id=pid) | a.PlaybackFinished(playback_id=pid) \
                    if self.playbacks.get(pid) == "greeting":
                self.greeting_started.set()
            case a.StasisEnd(channel=ch) | a.ChannelDestroyed(channel=ch) if ch.id == self.id:
                self.caller_left = True
                self.greeting_started.set()     # nobody to greet: stop waiting
        self.queue.put_nowait(event)

    def trace(self, message: str, *args: object, kind: str = "step") -> None:
        """One readable line in the log, and one step in the call log."""
        log.info("call %s: " + message, self.id, *args)
        self.steps.append((self.s.clock(), kind, message % args if args else message))

    def forget(self, channel_id: str) -> None:
        """A leg is gone: the router stops sending its events here."""
        self._register(channel_id, None)

    def record_arrival(self) -> None:
        """Write the call's first row to the call log (once): it is there even if the daemon dies."""
        if self._recorded or self.s.store is None:
            return
        self._recorded = True
        record, store = replace(self.record), self.s.store
        asyncio.get_running_loop().create_task(logged(store.run(lambda st: st.begin_call(record)), self.id))

    def _next_id(self, what: str) -> str:
        self._seq += 1
        return f"{self.id}-{what}{self._seq}"

    # --- the call ---------------------------------------------------------------

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            await self._rescue("daemon stopping")
            raise
        except Exception as exc:
            log.exception("call %s: failed (%s); sending the caller to the dialplan fallback", self.id, exc)
            await self._rescue(f"{type(exc).__name__}")
        finally:
            await self._cleanup()

    async def _run(self) -> None:
        s = self.s
        # Every path below answers the caller (greeting, menu or message): ask Asterisk now and do
        # the lookups while it answers (issue 8).
        answering: asyncio.Task[None] | None = None
        if self.caller.state != "Up":
            answering = asyncio.get_running_loop().create_task(s.ari.answer(self.id))
            answering.add_done_callback(retrieve)
            await asyncio.sleep(0)      # let the request leave before the lookups below
        caller_number = self.record.caller
        team = s.config.team_for_number(self.number)
        menu = s.config.menus.get(self.number)
        self.record.team = team.id if team is not None else None
        if s.config.is_blocked(self.caller.caller_number):
            self.record_arrival()
            self.trace("arrived on %s from %s: number blocked, refused", self.number, caller_number)
            self.record.outcome, self.record.reason = "failed", "blocked"
            await self.say_and_hang_up(s.prompts.blocked)
            return
        if team is None and menu is not None:
            self.record_arrival()
            self.trace("arrived on menu %s from %s", self.number, caller_number)
            team = await choose_team(self, menu)
            if team is None:
                return
            self.record.team = team.id
        if team is None:
            self.record_arrival()
            self.trace("arrived on unknown number %s from %s: dialplan fallback", self.number, caller_number)
            self.record.outcome, self.record.reason = "failed", "unknown_number"
            await s.ari.answer(self.id)
            await self.play_to_caller(s.prompts.unknown_number, "message")
            await self.wait_playbacks_done(timeout=10)
            if not self.caller_gone:
                await self._to_fallback("unknown-number")
            return
        hunt = await start_hunt(self, team, answering)
        if hunt.policy.confirm and self.record.caller != "anonymous":   # after the first dial: not on its path
            self._confirmation = asyncio.get_running_loop().create_task(
                render_confirmation(s.config.asterisk.prompts, team.id, self.record.caller, self._file_id))
        while not hunt.finished:
            deadline = hunt.deadline
            timeout = None if deadline is None else max(0.0, (deadline - s.clock()).total_seconds())
            try:
                async with asyncio.timeout(timeout):
                    event = await self.queue.get()
            except TimeoutError:
                await self.execute(hunt.handle(h.TimerExpired(), s.clock()))
                continue
            for hunt_event in translate(self, event):
                await self.execute(hunt.handle(hunt_event, s.clock()))
        if self.voicemail_wanted and not self.caller_gone:
            await take_message(self, team)
        if not self.caller_gone:     # e.g. the "nobody is available" message is still playing
            await self.wait_playbacks_done(timeout=30)
            if not self.caller_gone:
                await s.ari.hangup(self.id)
                self.caller_gone = True

    # --- before and after the hunt ------------------------------------------------

    async def next_event(self, timeout: float | None) -> a.Event | h.Event | None:
        """The next event for this call, or None on timeout; notes the caller hanging up."""
        try:
            async with asyncio.timeout(timeout):
                event = await self.queue.get()
        except TimeoutError:
            return None
        if isinstance(event, (a.StasisEnd, a.ChannelDestroyed)) and event.channel.id == self.id:
            if not self.caller_gone:
                self.trace("caller hung up")
            self.caller_gone = True
        return event

    async def say_and_hang_up(self, media: str) -> None:
        await self.s.ari.answer(self.id)
        await self.play_to_caller(media, "message")
        await self.wait_playbacks_done(timeout=15)
        if not self.caller_gone:
            await self.s.ari.hangup(self.id)
            self.caller_gone = True

    async def execute(self, commands: list[h.Command]) -> None:
        for command in commands:
            try:
                await self._do(command)
            except LinkError as exc:
                log.warning("call %s: %s failed: %s", self.id, type(command).__name__, exc)
                if isinstance(command, h.Dial) and self.hunt is not None:
                    await self.execute(self.hunt.handle(h.LegFailed(command.leg, "unreachable"), self.s.clock()))

    async def _do(self, command: h.Command) -> None:
        s = self.s
        match command:
            case h.Dial(leg=leg, target=target, phone=phone):
                self.legs[leg] = command
                self._register(leg, self)
                assert self.team is not None
                await s.ari.originate(
                    leg, self._endpoint(phone), app_args=f"leg,{self.id}",
                    caller_id=self._callee_caller_id(), originator=self.id,
                    timeout=int(self.team.hunt.ring_timeout + self.team.hunt.confirm_timeout + 10))
                self.trace("ringing %s (level %d) on %s", target.person, target.level, phone)
            case h.Cancel(leg=leg):
                self.cancelled.add(leg)
                if leg in self.legs:
                    dial = self.legs[leg]
                    if leg not in self.answered_legs:
                        self.trace("stop ringing %s on %s", dial.target.person, dial.phone)
                    await s.ari.hangup(leg)
            case h.PlayConfirmation(leg=leg):
                assert self.team is not None
                pid = self._next_id("prompt")
                self.playbacks[pid] = leg
                await s.ari.play(leg, self._confirmation_media(), pid)
            case h.StopPrompt(leg=leg):
                await self.stop_playbacks(lambda purpose: purpose == leg)
            case h.Connect(leg=leg):
                await self._connect(leg)
            case h.StartHoldMusic():
                await self.ringback(True)
            case h.PlayHoldMessage():
                await self.ringback(False)
                await self.play_to_caller(s.prompts.please_hold, "hold")
            case h.StartVoicemail():
                self.trace("nobody answered: voicemail")
                self.voicemail_wanted = True
            case h.HangupCaller(reason=reason):
                if reason == "nobody_available":
                    self.trace("nobody answered")
                    await self.ringback(False)
                    await self.play_to_caller(s.prompts.nobody, "nobody")
                    await self.wait_playbacks_done(timeout=15)
                if not self.caller_gone:
                    await s.ari.hangup(self.id)
            case h.Finished(outcome=outcome, answered_by=who):
                end = s.clock()
                if self.connected_at is not None:
                    self.trace("finished: answered by %s; the caller waited %.1f s for a human, talked %.1f s",
                               who, (self.connected_at - self.started).total_seconds(),
                               (end - self.connected_at).total_seconds())
                elif outcome == "voicemail":
                    self.trace("hunt over after %.1f s: voicemail", (end - self.started).total_seconds())
                else:
                    self.trace("finished: %s after %.1f s", outcome, (end - self.started).total_seconds())

    async def _connect(self, leg: str) -> None:
        s = self.s
        await self.stop_playbacks(lambda purpose: True)
        await self.ringback(False)
        self.bridge_id = self._next_id("bridge")
        await s.ari.create_bridge(self.bridge_id)
        await s.ari.add_to_bridge(self.bridge_id, self.id, leg)
        self.connected_at = s.clock()
        self.engaged_person = self.legs[leg].target.person
        s.engaged(self.engaged_person, self.id, True)
        self.trace("bridged with %s", self.legs[leg].target.person)

    # --- media helpers ------------------------------------------------------------

    async def play_to_caller(self, media: str, purpose: str) -> None:
        pid = self._next_id(purpose)
        self.playbacks[pid] = purpose
        await self.s.ari.play(self.id, media, pid)

    async def stop_playbacks(self, which: Callable[[str], bool]) -> None:
        for pid, purpose in list(self.playbacks.items()):
            if which(purpose):
                self.playbacks.pop(pid, None)
                await self.s.ari.stop_playback(pid)

    async def wait_playbacks_done(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.playbacks and not self.caller_gone and loop.time() < end:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(end):
                    event = await self.queue.get()
                list(translate(self, event))

    async def ringback(self, on: bool) -> None:
        if on == self.ringing_caller or self.caller_gone:
            return
        self.ringing_caller = on
        await (self.s.ari.ring(self.id) if on else self.s.ari.ring_stop(self.id))

    def resume_ringback_later(self) -> None:
        """After a "please hold" message: ringback again, unless the caller is connected or gone."""
        if self.hunt is not None and self.hunt.phase in ("hunting", "accepted", "exhausted"):
            asyncio.get_running_loop().create_task(self.ringback(True))

    def _confirmation_media(self) -> str:
        assert self.team is not None
        task = self._confirmation
        if task is not None and task.done() and not task.cancelled() and task.exception() is None:
            return task.result().media
        return self.s.prompts.confirmation(self.team.id)   # the team's prompt, without the number

    @property
    def _file_id(self) -> str:
        return re.sub(r"[^A-Za-z0-9-]", "-", self.id)

    def _endpoint(self, phone: str) -> str:
        if "/" in phone:
            return phone
        return self.s.config.asterisk.outbound.format(number=phone)

    def _callee_caller_id(self) -> str:
        assert self.team is not None
        return self.team.caller_id.present(self.team.id, safe_caller_number(self.caller.caller_number),
                                           safe_caller_number(self.number))

    # --- the end, whatever happened -------------------------------------------------

    async def _to_fallback(self, why: str) -> None:
        with contextlib.suppress(LinkError):
            await self.s.ari.set_variable(self.id, "ASTREINTE_REASON", why)
        await self.s.ari.continue_in_dialplan(self.id, FALLBACK_CONTEXT, self.number or "s")
        self.caller_gone = True   # no longer ours

    async def _rescue(self, why: str) -> None:
        if self.caller_gone or self.bridge_id is not None:
            return
        self.record.outcome, self.record.reason, self.record.tier = "failed", "error", "dialplan"
        with contextlib.suppress(LinkError, asyncio.CancelledError):
            await self._to_fallback(why)
            self.trace("handed to the dialplan fallback (%s)", why)

    async def _cleanup(self) -> None:
        self.record.complete(self.hunt, self.connected_at, self.s.clock())
        if self._confirmation is not None:
            self._confirmation.cancel()
            with contextlib.suppress(BaseException):
                (await self._confirmation).file.unlink(missing_ok=True)
        if self.s.store is not None:
            record, steps = self.record, list(self.steps)
            try:
                await self.s.store.run(lambda st: st.finish_call(record, steps))
            except Exception:
                log.exception("call %s: could not store the call log", self.id)
        ari = self.s.ari
        with contextlib.suppress(LinkError):
            for leg in self.legs:
                if leg not in self.cancelled:
                    await ari.hangup(leg)
            if self.bridge_id is not None:
                await ari.destroy_bridge(self.bridge_id)
        for leg in self.legs:
            self._register(leg, None)
        self._register(self.id, None)
        if self.engaged_person is not None:
            self.s.engaged(self.engaged_person, self.id, False)
