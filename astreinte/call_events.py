"""What an ARI event means for a call's hunt: the translation the call session feeds the pure ``Hunt``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from astreinte.domain import hunt_events as h
from astreinte.wire import ari_events as a

if TYPE_CHECKING:
    from astreinte.call import CallSession

log = logging.getLogger("astreinte.call")


def translate(session: CallSession, event: a.Event | h.Event) -> Iterable[h.Event]:
    """An ARI event of a call -> the hunt's events (none for what the hunt does not care about).

    Keeps the session's view of its legs and playbacks up to date and writes the steps a person
    reading the log needs (answered, pressed, hung up, failed with its cause)."""
    if not isinstance(event, a.Event):
        return (event,)
    match event:
        case a.PlaybackStarted():
            return ()
        case a.PlaybackFinished(playback_id=pid, state=state):
            purpose = session.playbacks.pop(pid, None)
            if state == "failed" and purpose is not None and not session.caller_gone:
                log.warning("call %s: playback %s (%s) failed: check the prompt file", session.id, pid, purpose)
            if purpose == "greeting":
                return (h.GreetingFinished(),)
            if purpose == "hold":
                session.resume_ringback_later()
                return ()
            if purpose in session.legs:
                return (h.PromptFinished(purpose),)
            return ()
        case a.StasisStart(channel=ch) if ch.id in session.legs:
            session.answered_legs.add(ch.id)
            session.trace("%s answered on %s", session.legs[ch.id].target.person, session.legs[ch.id].phone)
            return (h.LegAnswered(ch.id),)
        case a.ChannelStateChange(channel=ch) if ch.id in session.legs and ch.state == "Ringing":
            return (h.LegRinging(ch.id),)
        case a.ChannelDtmfReceived(channel=ch, digit=digit) if ch.id in session.legs:
            if session.bridge_id is None:
                session.trace("%s pressed %s", session.legs[ch.id].target.person, digit[:1])
            return (h.DigitReceived(ch.id, digit),)
        case a.ChannelDestroyed(channel=ch, cause=cause, cause_txt=txt) if ch.id in session.legs:
            session.forget(ch.id)
            if ch.id in session.cancelled:
                return ()
            if ch.id in session.answered_legs:
                session.trace("%s hung up", session.legs[ch.id].target.person)
                return (h.LegHungUp(ch.id),)
            fail = a.FAILURE_CAUSES.get(cause, "no_answer")
            session.trace("%s on %s: %s (cause %d %s)", session.legs[ch.id].target.person,
                       session.legs[ch.id].phone, fail, cause, txt)
            return (h.LegFailed(ch.id, fail),)
        case a.StasisEnd(channel=ch) | a.ChannelDestroyed(channel=ch) if ch.id == session.id:
            if session.caller_gone:
                return ()
            session.caller_gone = True
            session.trace("caller hung up")
            return (h.CallerHungUp(),)
    return ()
