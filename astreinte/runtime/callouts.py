"""Calling messages out: the rounds of each message as its team's ``messages:`` policy says, a round
stopped within a second when the message is acknowledged elsewhere, hand-offs and opening hours.

    every ``poll`` s:
      rounds going on whose message is now acknowledged (CLI, web, another phone) ──▶ stopped at once
      a team's first level changing hands, its service hours ending ──▶ the messages concerned start over
      messages due (store) ──▶ a round: the people on call now (``callout_plan``), one round per team at once
    a round over ──▶ the next one ``every`` later, or the message expires after ``rounds``

The decisions are pure (``domain.calls.callout_plan``, ``domain.calls.callout``); the state lives in
the store, so a restarted daemon resumes where the previous one stopped (a round it was making when it
died is made again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from astreinte.adapters.clock import Clock
from astreinte.adapters.speech import SpeechError
from astreinte.dialplan import NUMBER, endpoint
from astreinte.domain.calls.callout import CalloutFlow
from astreinte.domain.calls.callout_line import CalloutLine, CalloutTimings, Message
from astreinte.domain.calls.callout_plan import Watch, after_round, change, round_steps, started_since, watch
from astreinte.domain.errors import StoreError
from astreinte.runtime.callout_driver import CalloutDriver
from astreinte.runtime.callout_prompts import callout_prompts
from astreinte.runtime.pump import Fed

if TYPE_CHECKING:
    from astreinte.domain.rota import Team
    from astreinte.runtime.ports import CallAri, StorePort
    from astreinte.runtime.services import Services

log = logging.getLogger("astreinte.callout")

POLL = 0.5                          # an acknowledgement elsewhere stops a round within this (and a hang-up)
RETRY = timedelta(minutes=1)        # after a round could not start (its prompt could not be rendered)


class Offline(Protocol):
    def offline(self) -> frozenset[str]: ...


class Board(Protocol):
    """What callouts need from the router: their legs' events, and who is busy (``runtime.router``)."""

    @property
    def presence(self) -> Offline: ...
    @property
    def talking(self) -> dict[str, str]: ...

    def register(self, channel_id: str, driver: Fed | None) -> None: ...
    def engaged(self, person: str, call_id: str, talking: bool) -> None: ...


@dataclass
class Round:
    message_id: int
    team: str
    number: int
    driver: CalloutDriver
    task: asyncio.Task[None] | None = None
    told: bool = False                  # of an acknowledgement elsewhere


class CalloutService:
    def __init__(self, live: Services, store: StorePort, ari: CallAri, clock: Clock, board: Board, *,
                 poll: float = POLL, timings: CalloutTimings | None = None) -> None:
        self.live, self.store, self.ari, self.clock, self.board = live, store, ari, clock, board
        self.poll, self.timings = poll, timings or CalloutTimings()
        self.rounds: dict[int, Round] = {}           # message id -> its round going on
        self._watch: dict[str, Watch] = {}
        self._why: dict[int, str] = {}                # message id -> why its next round comes (hand-off...)
        self._not_before: dict[int, datetime] = {}

    async def run(self) -> None:
        now = self.clock()
        resumed = await self.store.run(lambda s: s.resume_callouts(now))
        if resumed:
            log.warning("resuming the callouts of %d message(s) a previous daemon was calling out", len(resumed))
        try:
            while True:
                try:
                    await self.tick()
                except StoreError as exc:
                    log.warning("callouts: %s", exc)
                await asyncio.sleep(self.poll)
        finally:
            tasks = [r.task for r in self.rounds.values() if r.task is not None]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=10)

    async def tick(self) -> None:
        await self._stop_acknowledged()
        now = self.clock()
        await self._changes(now)
        await self._start_due(now)

    async def _stop_acknowledged(self) -> None:
        ids = list(self.rounds)
        if not ids:
            return
        states = await self.store.run(lambda s: s.message_states(ids))
        for message_id, row in states.items():
            going = self.rounds.get(message_id)
            if going is not None and row["state"] == "acknowledged" and not going.told:
                going.told = True
                going.driver.acknowledged(str(row["acknowledged_by"]), str(row["acknowledged_how"]))

    async def _changes(self, now: datetime) -> None:
        """Hand-offs (the first level changing hands) and the end of the service hours."""
        config, schedule = self.live.config, self.live.schedule
        for team in config.teams.values():
            policy = team.messages
            if not policy.active:
                continue
            before, after = self._watch.get(team.id), watch(schedule.who(team.id, now))
            self._watch[team.id] = after
            why = change(before, after) if before is not None else None
            if why is None or (why == "hand-off" and not policy.callout) or \
                    (why == "opening" and policy.at_opening is None) or before is None:
                continue
            revived = await self._revive(team.id, why, started_since(why, schedule, team.id, before, now), now)
            if revived:
                who = policy.at_opening if why == "opening" else after.first
                log.info("team %s %s: %d message(s) not acknowledged called out to %s", team.id, why, len(revived),
                         who)

    async def _revive(self, team: str, why: str, since: datetime, now: datetime) -> list[int]:
        busy = [r.message_id for r in self.rounds.values()]
        revived = await self.store.run(lambda s: s.revive_messages(team, since, now, why, busy))
        for message_id in revived:
            self._why[message_id] = why
        return revived

    async def _start_due(self, now: datetime) -> None:
        config = self.live.config
        busy_teams = {r.team for r in self.rounds.values()}
        for row in await self.store.run(lambda s: s.messages_due(now)):
            message_id, team = int(row["id"]), config.teams.get(row.get("team") or "")
            if team is None or message_id in self.rounds or team.id in busy_teams:
                continue
            if self._not_before.get(message_id, now) > now:
                continue
            if await self._begin(row, team, now):
                busy_teams.add(team.id)

    async def _begin(self, row: dict[str, Any], team: Team, now: datetime) -> bool:
        """Start the message's next round, if it has someone to call now."""
        config, policy = self.live.config, team.messages
        status = self.live.schedule.who(team.id, now)
        if status.in_service and not policy.callout:
            return False                       # only at_opening calls this team's messages out
        number = int(row.get("rounds_done") or 0) + 1
        steps = round_steps(status, policy, number, config.people)
        if not steps:
            return False                       # nobody to call (outside service, no at_opening): it waits
        message = Message(int(row["id"]), team.id, row.get("caller") or "", row.get("number") or "",
                          datetime.fromisoformat(row["recorded_at"]), row.get("duration"), row.get("media"))
        callout_id = f"callout-{message.id}-{number}-{int(now.timestamp())}"
        try:
            prompts, intro = await callout_prompts(config.asterisk.prompts, message, config.timezone, now, callout_id)
        except SpeechError as exc:
            log.error("message %s: cannot call it out, its prompt cannot be rendered: %s", message.id, exc)
            self._not_before[message.id] = now + RETRY
            return False
        caller = message.caller
        why = self._why.pop(message.id, "message" if number == 1 else "again")
        line = CalloutLine(callout_id, message, team, number, steps, prompts, partial(endpoint, config),
                           endpoint(config, caller) if caller and NUMBER.match(caller) else None, why, self.timings)
        board = self.board
        flow = CalloutFlow(line, now, unreachable=board.presence.offline(), busy_people=frozenset(board.talking))
        await self.store.run(lambda s: s.callout_started(message.id, callout_id, number, why, now))
        driver = CalloutDriver(flow, ari=self.ari, clock=self.clock, store=self.store, register=board.register,
                               engaged=board.engaged)
        going = self.rounds[message.id] = Round(message.id, team.id, number, driver)
        going.task = asyncio.get_running_loop().create_task(self._round(going, intro), name=callout_id)
        return True

    async def _round(self, going: Round, intro: Path) -> None:
        flow = going.driver.flow
        try:
            await going.driver.run()
        except asyncio.CancelledError:          # the daemon stops: the next one makes this round again
            with contextlib.suppress(StoreError, asyncio.CancelledError):
                now = self.clock()
                await self.store.run(lambda s: s.callout_finished(
                    going.message_id, flow.id, reason="interrupted", answered_by=None, rounds_done=going.number - 1,
                    next_at=now, now=now))
            raise
        finally:
            intro.unlink(missing_ok=True)
            self.rounds.pop(going.message_id, None)
        result, now = flow.result, self.clock()
        team = self.live.config.teams.get(going.team)
        policy = team.messages if team is not None else flow.line.team.messages
        next_at = None if result.acknowledged else after_round(policy, going.number, now)
        try:
            state = await self.store.run(lambda s: s.callout_finished(
                going.message_id, flow.id, reason=result.reason, answered_by=result.answered_by,
                rounds_done=going.number, next_at=next_at, now=now))
        except StoreError as exc:
            log.error("message %s: round %d not recorded: %s", going.message_id, going.number, exc)
            return
        later = f", next round at {next_at.astimezone(self.live.config.timezone):%H:%M:%S}" if next_at else ""
        log.info("message %s: round %d over (%s): %s%s", going.message_id, going.number, result.reason, state, later)
