"""Numbers with a menu: "press 1 for support, 2 for maintenance" (spoken), with a default on silence."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.call import CallSession
    from astreinte.domain.calling import Menu
    from astreinte.domain.rota import Team


async def choose_team(session: CallSession, menu: Menu) -> Team | None:
    """Ask the caller to choose a team; a digit counts even while the prompt plays."""
    s = session.s
    await s.ari.answer(session.id)
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        await session.play_to_caller(s.prompts.menus[menu.number], "menu")
        deadline: float | None = None
        while not session.caller_gone:
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            event = await session.next_event(timeout if deadline is not None else menu.timeout + 60)
            if event is None:
                break
            match event:
                case a.ChannelDtmfReceived(channel=ch, digit=digit) if ch.id == session.id:
                    await session.stop_playbacks(lambda purpose: purpose == "menu")
                    team_id = menu.choose(digit[:1])
                    session.trace("caller pressed %s: %s", digit[:1], team_id or "no such choice")
                    if team_id is not None:
                        return s.config.teams[team_id]
                    break
                case a.PlaybackFinished(playback_id=pid) if session.playbacks.get(pid) == "menu":
                    session.playbacks.pop(pid, None)
                    deadline = loop.time() + menu.timeout
        if session.caller_gone:
            session.record.outcome = "abandoned"
            return None
        if menu.default is not None:
            session.trace("no choice: team %s by default", menu.default)
            return s.config.teams[menu.default]
        session.trace("no choice (attempt %d)", attempt)
    session.record.outcome, session.record.reason = "failed", "no_menu_choice"
    await session.say_and_hang_up(s.prompts.nobody)
    return None
