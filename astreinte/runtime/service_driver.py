"""A call to the service line: who it is (``service_line_for``), and the driver that pumps its pure
``ServiceFlow`` (``runtime.pump``): it renders what the flow says, records, and carries its store actions
out in the store's thread, answering each with the event the flow waits for.

    a managed softphone dials the extension ──▶ Stasis(app, service): the channel's endpoint names the person
    a mobile dials a service number ──▶ Stasis(app, NUMBER): the caller's number names the person (+ a PIN)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.clock import Clock
from astreinte.adapters.speech import SpeechError
from astreinte.adapters.store.service import ServiceBook
from astreinte.config.phones import managed_endpoint
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls.service import ServiceFlow
from astreinte.domain.errors import AstreinteError
from astreinte.runtime import service_actions as actions
from astreinte.runtime.pump import Engaged, Pump, Register
from astreinte.runtime.service_speech import media

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.config import Config
    from astreinte.runtime.ports import CallAri
    from astreinte.runtime.services import Services
    from astreinte.wire.ari_events import Channel

log = logging.getLogger("astreinte.service")
SERVICE_ARG = "service"        # Stasis(app, service): the softphones' extension (dialplan_file)


def service_line_for(live: Services, channel: Channel, number: str, now: datetime, *,
                     from_phone: bool) -> s.ServiceLine:
    """Who calls: a managed softphone's endpoint (authenticated by Asterisk) or a person's mobile number
    (then a PIN); anyone else is nobody known. Their teams, the schedule and the live announcements."""
    config = live.config
    person, how = None, "unknown"
    caller = config.numbering.caller(channel.caller_number)
    for candidate in config.people.values():
        if from_phone and config.phones is not None and config.phones.manages(candidate.id) and any(
                managed_endpoint(phone) is not None and phone == channel.endpoint for phone in candidate.phones):
            person, how = candidate, "softphone"
        elif not from_phone and caller and any(
                "/" not in phone and config.numbering.caller(phone) == caller for phone in candidate.phones):
            person, how = candidate, "mobile"
        if person is not None:
            break
    teams = tuple(team for team in config.teams.values() if person is not None and any(
        person.id in layer.rotation.members for layer in team.layers))
    live_ones = {team: a for team, a in live.announcements.items() if a.until > now}
    return s.ServiceLine(channel.id, config.numbering.shown(channel.caller_number), person, how,  # type: ignore[arg-type]
                         teams, live.schedule, config.service, live_ones,
                         max_call_duration=config.daemon.max_call_duration,
                         language=config.language_of(person.id if person else None))


class ServiceDriver(Pump[ServiceFlow]):
    failed = "service call %s: failed (%s)"

    def __init__(self, flow: ServiceFlow, *, ari: CallAri, clock: Clock, live: Services, register: Register,
                 engaged: Engaged, tell: Callable[[Config, Any], None]) -> None:
        super().__init__(flow, ari=ari, clock=clock, register=register, engaged=engaged, originator=flow.id)
        self.live, self.config = live, live.config
        self._tell = tell               # a publication's notices, sent in the background (the daemon's)
        self._actions: set[asyncio.Task[None]] = set()

    async def _do(self, command: Any) -> None:
        ari, call = self.ari, self.id
        match command:
            case c.Answer():
                await ari.answer(call)
                self.queue.put_nowait(e.AnswerDone())
            case c.Lease(channel=channel, seconds=seconds, last=last):
                if last:
                    await ari.set_variable(channel, "ASTREINTE_LEASE", "last")
                await ari.set_variable(channel, "TIMEOUT(absolute)", str(seconds))
            case c.Record(name=name, max_seconds=seconds, max_silence=silence):
                await ari.record(call, name, max_seconds=seconds, max_silence=silence)
            case s.Say(channel=channel, playback=playback, parts=parts, language=language):
                settings = self.config.asterisk.prompts
                try:
                    spoken = await media(parts, settings, language or self.config.language, self.config.timezone,
                                         self.clock())
                except (SpeechError, OSError, KeyError, ValueError, TypeError) as exc:
                    log.warning("service call %s: could not render what to say: %s", call, exc)
                    self.queue.put_nowait(e.RequestFailed(c.Play(channel, "", playback), str(exc)))
                    return
                # the call's first lease (3 s, the dialplan's) is replaced before the first prompt plays:
                # behind a prompt, the lease would land only at its end (seen: hung up 3 s into the PIN prompt)
                await self._lease_landed(channel)
                await self._carry_out(c.Play(channel, spoken, playback))     # a refusal: RequestFailed(Play)
            case s.CheckPin() | s.TakeOnCall() | s.SaveAnnouncement() | s.ClearAnnouncement() | s.ListMessages() \
                    | s.AcknowledgeMessage() | s.DeclareIntervention():
                self._act(command)
            case _:
                await super()._do(command)

    def _act(self, command: s.ServiceAction) -> None:
        """A store action in the background: the call's events keep coming meanwhile."""
        task = asyncio.ensure_future(self._store_action(command))
        self._actions.add(task)
        task.add_done_callback(self._actions.discard)

    async def _store_action(self, command: s.ServiceAction) -> None:
        store, config, now, flow = self.live.store, self.config, self.clock(), self.flow
        try:
            if store is None:
                raise AstreinteError("no database")
            reply = await self._reply(store.run, config, command, now)
        except Exception as exc:
            log.warning("service call %s: %s failed: %s", self.id, type(command).__name__, exc)
            self.queue.put_nowait(s.ServiceFailed(command, str(exc)))
            return
        if isinstance(reply, s.PinChecked) and not reply.ok and store is not None:
            caller = flow.line.caller
            await store.run(lambda st: ServiceBook(st.db).log(now, self.id, flow.person, caller, "wrong pin"
                                                               if reply.known else "no pin"))
        self.queue.put_nowait(reply)

    async def _reply(self, run: Callable[[Callable[[Store], Any]], Awaitable[Any]], config: Config,
                     command: s.ServiceAction, now: datetime) -> s.ServiceReply:
        match command:
            case s.CheckPin(person=person, pin=pin):
                return await run(lambda st: actions.check_pin(st, person, pin))        # type: ignore[no-any-return]
            case s.TakeOnCall():
                done, publication = await run(lambda st: actions.take(config, st, command, now))
                if publication is not None:
                    log.info("service call %s: %s took %s/%s until %s", self.id, command.person, command.team,
                             command.layer, command.end.isoformat())
                    self._tell(config, publication)
                return done                                                          # type: ignore[no-any-return]
            case s.SaveAnnouncement(announcement=announcement, name=name, duration=duration):
                await run(lambda st: ServiceBook(st.db).add_announcement(announcement, name, duration, now))
                self.live.announcements[announcement.team] = announcement
                return s.AnnouncementDone(announcement.team, announcement)
            case s.ClearAnnouncement(team=team, person=person):
                await run(lambda st: ServiceBook(st.db).clear_announcement(team, person, now))
                self.live.announcements.pop(team, None)
                return s.AnnouncementDone(team, None)
            case s.ListMessages(teams=teams):
                return await run(lambda st: actions.pending(st, teams))               # type: ignore[no-any-return]
            case s.AcknowledgeMessage(message=message, person=person, phone=phone):
                done = await run(lambda st: st.acknowledge(message, person, "phone", now, phone=phone,
                                                           detail="service line"))
                return s.AckDone(done.first)
            case s.DeclareIntervention():
                return await run(lambda st: actions.declare(config, st, command, now))  # type: ignore[no-any-return]
        raise AstreinteError(f"unknown action {command!r}")

    async def _cleanup(self) -> None:
        if self._actions:           # an announcement saved as the caller hung up: let it be written
            await asyncio.wait(list(self._actions), timeout=10)
        await super()._cleanup()

    def channels(self) -> Sequence[str]:
        return ()
