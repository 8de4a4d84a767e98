"""Nobody took the call: a prompt, a beep, a bounded recording, stored and announced."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from astreinte.adapters import notify
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.call import CallSession
    from astreinte.domain.rota import Team

log = logging.getLogger("astreinte.call")

MAX_ATTACHMENT = 10 * 1024 * 1024   # recordings larger than this are not attached to the e-mail


async def take_message(session: CallSession, team: Team) -> None:
    """Prompt, beep, record (bounded), store and notify."""
    s = session.s
    await session.stop_playbacks(lambda purpose: True)
    await session.ringback(False)
    await session.play_to_caller(s.prompts.voicemails[team.id], "voicemail-greeting")
    await session.wait_playbacks_done(timeout=60)
    if session.caller_gone:
        session.record.outcome = "abandoned"
        return
    name = "astreinte-" + re.sub(r"[^A-Za-z0-9-]", "-", session.id)
    limit = team.voicemail.max_seconds
    await s.ari.record(session.id, name, max_seconds=int(limit), max_silence=int(team.voicemail.max_silence))
    session.trace("recording a message (at most %.0f s)", limit)
    recorded_at = s.clock()
    loop = asyncio.get_running_loop()
    end = loop.time() + limit + 15
    finished: a.RecordingFinished | a.RecordingFailed | None = None
    while finished is None and loop.time() < end:
        event = await session.next_event(end - loop.time())
        if isinstance(event, (a.RecordingFinished, a.RecordingFailed)) and event.name == name:
            finished = event
    if not session.caller_gone:
        await s.ari.hangup(session.id)
        session.caller_gone = True
    path = s.config.asterisk.recordings / f"{name}.wav"
    if isinstance(finished, a.RecordingFailed) or finished is None:
        log.error("call %s: the voicemail recording failed (%s)", session.id,
                  finished.cause if finished is not None else "no RecordingFinished event")
    duration = float(finished.duration) if isinstance(finished, a.RecordingFinished) and finished.duration \
        else None
    session.trace("message recorded: %s (%s s)", path, "?" if duration is None else f"{duration:.0f}")
    notified = await _notify(session, team, path, recorded_at, duration)
    if s.store is not None:
        call_id, caller = session.id, session.record.caller
        await s.store.run(lambda st: st.add_message(call_id, team.id, caller, recorded_at, duration,
                                                    str(path), notified))
    session.record.outcome = "voicemail"
    session.trace("finished: voicemail after %.1f s", (s.clock() - session.started).total_seconds())

def _on_call_addresses(session: CallSession) -> tuple[str, ...]:
    """The e-mail of each person the hunt tried to reach (``people.<id>.email``), in the order tried."""
    people = session.s.config.people
    tried = dict.fromkeys(attempt.person for attempt in (session.hunt.attempts if session.hunt else ()))
    return tuple(email for person in tried if person in people and (email := people[person].email))


async def _notify(session: CallSession, team: Team, path: Path, at: datetime,
                  duration: float | None) -> dict[str, bool]:
    settings = session.s.config.notifications
    if not settings.enabled:
        return {}
    local = at.astimezone(session.s.config.timezone)
    attachments: list[tuple[str, bytes, str]] = []
    with contextlib.suppress(OSError):
        if path.stat().st_size <= MAX_ATTACHMENT:
            attachments.append((path.name, path.read_bytes(), "audio/wav"))
    notice = notify.Notice(
        "voicemail", f"[astreinte] message on {team.id} from {session.record.caller}",
        f"{session.record.caller} called the {team.id} on-call line ({session.number}) at "
        f"{local:%Y-%m-%d %H:%M}, nobody answered, and left a message"
        f"{'' if duration is None else f' of {duration:.0f} s'}.\nRecording: {path}\n",
        {"call_id": session.id, "team": team.id, "caller": session.record.caller, "number": session.number,
         "recorded_at": local.isoformat(), "duration": duration, "path": str(path)},
        attachments, to=_on_call_addresses(session))
    results = await notify.send(settings, notice)
    session.trace("message notified: %s", ", ".join(f"{k} {'ok' if ok else 'FAILED'}" for k, ok in results.items()))
    return results
