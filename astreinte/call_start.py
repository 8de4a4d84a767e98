"""The first second of a call to a team: the answer, the greeting, the first phones, in that order.

What a caller hears first and how soon the first phone rings (issue 8, docs/performance.md):

- the answer was asked for when the call arrived; the rota is looked up while Asterisk answers;
- the greeting waits for the answer: Asterisk takes requests arriving on different connections in
  any order, and a greeting queued before the answer holds the answer back for its whole length;
- the first phones wait for the greeting's PlaybackStarted, so they ring while the caller hears
  it, never before (at most GREETING_START_WAIT when Asterisk never reports it);
- the log lines and the call log's first row come after these requests, off their path;
- a caller who hangs up before the first ring gets no phone rung at all, not even for a few ms.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from astreinte.domain.errors import LinkError
from astreinte.domain.hunt import Hunt, Target

if TYPE_CHECKING:
    from astreinte.call import CallSession
    from astreinte.domain.rota import Team

GREETING_START_WAIT = 0.5     # seconds the first phones wait for the greeting's PlaybackStarted


async def start_hunt(session: CallSession, team: Team, answering: asyncio.Task[None] | None) -> Hunt:
    """Greet the caller and ring the first phones (or the outside-service destination); the hunt started."""
    s = session.s
    session.team = team
    status = s.schedule.who(team.id, s.clock())
    if status.in_service:
        targets = [Target(r.level, r.person.id, r.person.name, r.person.phones) for r in status.chain]
        policy = team.hunt
    else:
        dial = status.outside_service_dial
        targets = [Target(1, "outside_service", "outside service", (dial,))] if dial else []
        policy = replace(team.hunt, strategy="linear", rounds=1, confirm=False, on_no_answer="hangup")
        session.record.reason = "outside_service"
    hunt = Hunt(session.id, targets, policy, unreachable=s.unreachable(), busy_people=s.busy_people(),
                greeting_playing=status.in_service)
    session.hunt = hunt
    if answering is not None:
        with contextlib.suppress(LinkError):       # the caller left (or Asterisk refused): seen below
            await answering
    loop = asyncio.get_running_loop()
    greeting: asyncio.Task[None] | None = None
    if status.in_service and not session.caller_left:
        greeting = loop.create_task(session.play_to_caller(s.prompts.greeting(team.id), "greeting"))
        with contextlib.suppress(TimeoutError):    # a greeting that does not start delays nobody
            async with asyncio.timeout(GREETING_START_WAIT):
                await session.greeting_started.wait()
    left = session.caller_left                      # then no phone rings, not even for a few ms
    dialing = loop.create_task(session.execute(hunt.abandon(s.clock()) if left else hunt.start(s.clock())))
    await asyncio.sleep(0)          # the request is written before the lines below
    session.record_arrival()
    session.trace("arrived on %s from %s: team %s, %s", session.number, session.record.caller, team.id,
                  "in service" if status.in_service else "outside service hours")
    if status.in_service:
        for r in status.chain:
            session.trace("level %d (%s): %s%s, phones %s", r.level, r.layer, r.person.id,
                          " (override)" if r.override else "", ", ".join(r.person.phones))
        if greeting is not None:
            session.trace("greeting playing")
    else:
        session.trace("outside service hours: dialing %s", status.outside_service_dial
                      or "nobody (no outside_service.dial)")
    if left:
        session.caller_gone = True
        session.trace("caller hung up before the first ring")
    await asyncio.gather(dialing, *(() if greeting is None else (greeting,)))
    return hunt
