"""Pumping one pure call flow (an inbound ``CallFlow``, an outbound ``CalloutFlow``) in a task of its own.

    router ──ARI event──▶ feed() ──from_ari──▶ queue ──▶ flow.handle(event, now) ──▶ commands
    commands ──▶ ARI requests (here), the store and the notifier (the driver of each flow) ──▶ completions
    no event before flow.deadline ──▶ TimerExpired;   the runtime failing, or stopping ──▶ flow.abort

The pump never decides anything about the call: it carries out the ARI commands every flow shares
(``_do``), turns a refused request into ``RequestFailed``, and routes the call's channels to itself
while they live. Each driver adds the commands only its flow has.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from astreinte.adapters.ari import AriError
from astreinte.adapters.clock import Clock
from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.errors import LinkError
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.runtime.ports import CallAri

log = logging.getLogger("astreinte.call")

Presence = h.PhoneRegistered | h.PhoneUnregistered | h.PersonEngaged | h.PersonReleased
Engaged = Callable[[str, str, bool], None]


class Fed(Protocol):
    """What the router hands a channel's events to."""

    @property
    def id(self) -> str: ...
    def feed(self, event: a.Event | Presence) -> None: ...
    def lost(self, channel: str, *, left: bool) -> None: ...


Register = Callable[[str, "Fed | None"], None]


class Flow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    @property
    def deadline(self) -> datetime | None: ...
    def start(self, now: datetime) -> Sequence[Any]: ...
    def handle(self, event: Any, now: datetime) -> Sequence[Any]: ...
    def abort(self, why: str, now: datetime) -> Sequence[Any]: ...


F = TypeVar("F", bound=Flow)


@dataclass(frozen=True)
class _Alarm:
    """The flow's deadline ``at`` passed (``Pump._next``)."""

    at: datetime


_TOGETHER = (c.Originate, c.Hangup)     # requests of one run sent together (``_together``)


class Pump(Generic[F]):
    failed = "call %s: failed (%s)"         # the operator's log line when the runtime fails mid-call
    # The caller's answer is not waited for: ``AnswerSent`` lets the flow decide what follows while the
    # answer travels (the flow holds what reaches the caller until ``AnswerDone``); the leases it sends
    # meanwhile go beside the answer, and the first prompt after waits for them to land. When ARI queues
    # the channel's requests behind the answer in flight (``CallAri.ordered``: its lane), nothing waits:
    # the lease and the greeting are written at once, and Asterisk carries them out once it answered
    answer_early = False

    def __init__(self, flow: F, *, ari: CallAri, clock: Clock, register: Register, engaged: Engaged,
                 originator: str | None = None) -> None:
        self.flow = flow
        self.id = flow.id
        self.ari, self.clock = ari, clock
        self._register, self._engaged, self._originator = register, engaged, originator
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self._last: a.Event | None = None
        self._leases: set[asyncio.Task[None]] = set()   # lease renewals in flight: cancelled at the end
        self._lease_tail: dict[str, asyncio.Task[None]] = {}   # a channel's last lease: the next one waits
        self._queued: set[asyncio.Task[Any]] = set()           # leases not sent yet: dropped at the end
        self._answering: asyncio.Task[None] | None = None      # the caller's answer in flight (answer_early)
        self._early: list[asyncio.Task[None]] = []            # leases sent while it was
        self._alarm: asyncio.TimerHandle | None = None         # the flow's deadline (``_next``)
        self._alarm_at: datetime | None = None

    def feed(self, event: a.Event | Presence) -> None:
        """An ARI event about one of this call's channels, or a presence fact from the router.

        An event equal to the previous one (same type, channel, digit, timestamp to the millisecond) is
        the same event told twice: in the lab, one SIP INFO key on a callout leg reached the daemon as two
        identical ``ChannelDtmfReceived`` (most likely the app's own subscription plus ``endpoint:PJSIP``),
        and one key pressed must not count twice."""
        if not isinstance(event, a.Event):
            self.queue.put_nowait(event)
            return
        if event == self._last:
            return
        self._last = event
        fact = e.from_ari(event)
        if fact is None:
            return
        if isinstance(fact, e.ChannelGone) and fact.channel != self.id:
            self._register(fact.channel, None)         # a leg is gone: its events stop coming here
        self.queue.put_nowait(fact)

    def lost(self, channel: str, *, left: bool) -> None:
        """One of this call's channels ended (``left``: it left the app) while events could not come."""
        if channel != self.id:
            self._register(channel, None)
        self.queue.put_nowait(e.ChannelLeft(channel) if left else e.ChannelGone(channel, 0, "gone while ARI was down"))

    async def run(self) -> None:
        try:
            await self._execute(self.flow.start(self.clock()))
            while not self.flow.finished:
                event = await self._next()
                await self._execute(self.flow.handle(event, self.clock()))
        except asyncio.CancelledError:
            await self._abort("daemon stopping")
            raise
        except Exception as exc:
            log.exception(self.failed, self.id, exc)
            await self._abort(type(exc).__name__)
        finally:
            await self._cleanup()

    async def _next(self) -> Any:
        """The next event, or ``TimerExpired`` once the flow's deadline passed. One alarm on the loop
        per deadline, not a timeout per event (most events leave the deadline where it was)."""
        while True:
            deadline = self.flow.deadline
            if deadline != self._alarm_at:
                if self._alarm is not None:
                    self._alarm.cancel()
                self._alarm, self._alarm_at = None, deadline
                if deadline is not None:
                    delay = max(0.0, (deadline - self.clock()).total_seconds())
                    self._alarm = asyncio.get_running_loop().call_later(delay, self.queue.put_nowait,
                                                                        _Alarm(deadline))
            event = await self.queue.get()
            if not isinstance(event, _Alarm):
                return event
            if event.at == self._alarm_at:      # (else the alarm of a deadline moved since)
                self._alarm = self._alarm_at = None
                return h.TimerExpired()

    async def _execute(self, commands: Sequence[Any]) -> None:
        i = 0
        while i < len(commands):
            if isinstance(commands[i], _TOGETHER):
                i = await self._together(commands, i)
            elif isinstance(commands[i], c.Trace):
                j = i + 1
                while j < len(commands) and isinstance(commands[j], c.Trace):
                    j += 1
                if j < len(commands) and isinstance(commands[j], _TOGETHER):     # one line with the run's
                    i = await self._together(commands, j, leading=commands[i:j])
                else:
                    self._log(commands[i:j])
                    i = j
            elif self.answer_early and isinstance(commands[i], c.Answer) and all(
                    isinstance(later, (c.Lease, c.Trace, c.SaveArrival)) for later in commands[i + 1:]):
                # (a prompt asked with the answer, a menu's, waits for it as it always did)
                self._answering = asyncio.ensure_future(self._carry_out(commands[i]))
                await asyncio.sleep(0)          # its task runs to its request written, then the flow decides
                self.queue.put_nowait(e.AnswerSent(ordered=self.ari.ordered(self.id)))
                i += 1
            elif isinstance(lease := commands[i], c.Lease):
                # Asterisk applies it on the channel's thread, after the prompt it may be playing: never
                # wait for it, but the prompt it was moved past (``Lease.cover``) waits for it a moment
                # a channel's leases reach Asterisk in order: concurrent requests may land the other way
                # round, and a renewal landing after the longer lease before a prompt would cut the prompt
                previous = self._lease_tail.get(lease.channel)
                task = asyncio.ensure_future(self._lease_after(previous, lease))
                self._lease_tail[lease.channel] = task
                self._leases.add(task)
                task.add_done_callback(self._leases.discard)
                if self._answering is not None and not self._answering.done():
                    self._early.append(task)
                following = commands[i + 1] if i + 1 < len(commands) else None
                if isinstance(following, (c.Play, c.Record)) and c.channel_of(following, self.id) == lease.channel \
                        and not await self._queued_behind(lease, previous):
                    await self._lease_landed(lease.channel)
                i += 1
            else:
                if self._early and isinstance(commands[i], (c.Play, c.Record)) and \
                        self.ari.ordered(c.channel_of(commands[i], self.id) or self.id):
                    self._early = []        # the prompt goes behind its leases, on the answer's connection
                if self._early and isinstance(commands[i], (c.Play, c.Record)):
                    # the prompt held until the answer was done waits for its lease (``_lease_landed``)
                    early, self._early = [task for task in self._early if not task.done()], []
                    if early:
                        await asyncio.wait(early, timeout=1.0)
                await self._carry_out(commands[i])
                i += 1

    async def _together(self, commands: Sequence[Any], i: int, leading: Sequence[c.Trace] = ()) -> int:
        """A run of originates (ringall: every phone at once) or of hangups (the other legs of a hunt,
        every phone of a ringall) from ``commands[i]``, their step lines between them: the requests are
        written in one loop turn, the lines logged after (with the ``leading`` ones, in one record),
        and the run is done when every request is. One request after another, each phone would ring
        only once Asterisk had answered for the one before. Returns the index after the run."""
        kind = type(commands[i])
        j = i
        while j < len(commands) and isinstance(commands[j], (kind, c.Trace)):
            j += 1
        run = commands[i:j]
        requests = [command for command in run if isinstance(command, kind)]
        traces = [*leading, *(command for command in run if isinstance(command, c.Trace))]
        if len(requests) == 1:
            await self._carry_out(requests[0])
            self._log(traces)
            return j
        together = asyncio.gather(*(self._carry_out(command) for command in requests))
        try:
            await asyncio.sleep(0)          # each one's task runs to its request written
            self._log(traces)
            await together
        except BaseException:
            together.cancel()
            raise
        return j

    def _log(self, traces: Sequence[c.Trace]) -> None:
        """A run of step lines as one log line (a warning among them: its own line): a call's start is then
        one line, not a dozen (each record costs the loop tens of microseconds, a write to the journal)."""
        for level, same in itertools.groupby(traces, key=lambda trace: trace.level):
            log.log(logging.WARNING if level == "warning" else logging.INFO, "call %s: %s", self.id,
                    " | ".join(trace.text for trace in same))

    async def _queued_behind(self, lease: c.Lease, previous: asyncio.Task[None] | None) -> bool:
        """Whether ``lease``, just handed to its task, went behind the channel's answer in flight: the
        prompt after it then goes behind it the same way, without waiting for it to land (``CallAri.ordered``).
        Its task writes its one request at its first step, unless a lease before it is in flight."""
        if lease.last or (previous is not None and not previous.done()) or not self.ari.ordered(lease.channel):
            return False
        await asyncio.sleep(0)              # the lease's task runs to its request written
        return self.ari.ordered(lease.channel)      # still behind the answer: it was written there

    async def _lease_landed(self, channel: str, timeout: float = 1.0) -> None:
        """Wait (a moment) for the lease in flight on ``channel``: a prompt started before it lands holds
        it back until the prompt ends, and the lease before may end first (the first lease: 3 s)."""
        tail = self._lease_tail.get(channel)
        if tail is not None and not tail.done():
            await asyncio.wait([tail], timeout=timeout)

    async def _lease_after(self, previous: asyncio.Task[None] | None, lease: c.Lease) -> None:
        me = asyncio.current_task()
        if previous is not None and not previous.done() and me is not None:
            self._queued.add(me)
            try:
                await asyncio.wait([previous])
            finally:
                self._queued.discard(me)
        await self._carry_out(lease)
        if self._lease_tail.get(lease.channel) is asyncio.current_task():
            del self._lease_tail[lease.channel]

    async def _carry_out(self, command: Any) -> None:
        try:
            await self._do(command)
        except LinkError as exc:
            # 404/422 (``Channel not in Stasis application``): hung up, or taken back by the dialplan
            gone = (isinstance(exc, AriError) and exc.status in (404, 422) and isinstance(command, c.Command)
                    and c.channel_of(command, self.id) is not None)
            if isinstance(command, c.Lease) and not gone:     # a renewal behind a long prompt times out
                log.info("call %s: lease of %s not confirmed: %s", self.id, command.channel, exc)
            elif not gone and not isinstance(command, (c.Hangup, c.StopPlayback, c.DestroyBridge, c.Ringback)):
                log.warning("call %s: %s failed: %s", self.id, type(command).__name__, exc)
            if isinstance(command, c.Command):
                self.queue.put_nowait(e.RequestFailed(command, str(exc), gone=gone))

    async def _do(self, command: Any) -> None:
        """The ARI commands every flow shares; a driver handles its flow's others first."""
        ari = self.ari
        match command:
            case c.Play(channel=channel, media=media, playback=playback):
                await ari.play(channel, media, playback)
            case c.StopPlayback(playback=playback):
                await ari.stop_playback(playback)
            case c.Originate(leg=leg, endpoint=endpoint, caller_id=caller_id, timeout=timeout):
                self._register(leg, self)
                await ari.originate(leg, endpoint, app_args=f"leg,{self.id}", caller_id=caller_id,
                                    originator=self._originator, timeout=timeout,
                                    variables=self._leg_variables(timeout))
            case c.Hangup(channel=channel):
                await ari.hangup(channel)
            case c.Bridge(bridge=bridge, channels=channels):
                await ari.create_bridge(bridge)
                await ari.add_to_bridge(bridge, *channels)
            case c.DestroyBridge(bridge=bridge):
                await ari.destroy_bridge(bridge)
            case c.Engaged(person=person, talking=talking):
                self._engaged(person, self.id, talking)

    def _leg_variables(self, timeout: int) -> dict[str, str] | None:
        """Channel variables of an originated leg (an inbound call leases its legs: ``driver``)."""
        return None

    async def _abort(self, why: str) -> None:
        with contextlib.suppress(LinkError, asyncio.CancelledError):
            await self._execute(self.flow.abort(why, self.clock()))

    async def _cleanup(self) -> None:
        """Let the lease renewals in flight end (briefly), stop routing the call's channels here (a
        driver adds its own clean-up)."""
        if self._alarm is not None:
            self._alarm.cancel()
        for queued in list(self._queued):       # the call is over: a lease not sent yet is not needed
            queued.cancel()
        if self._answering is not None and not self._answering.done():
            await asyncio.wait([self._answering], timeout=5)
        if self._leases:
            await asyncio.wait(list(self._leases), timeout=5)
        for lease in self._leases:
            lease.cancel()
        for channel in (*self.channels(), self.id):
            self._register(channel, None)

    def channels(self) -> Sequence[str]:
        """The channels the flow created (its legs)."""
        return ()
