"""Properties of the whole call flow, over any order of what Asterisk and the phones may do.

- the caller never hears silence: after every step they hear a prompt, ringback, the conversation,
  or they are waiting for a menu digit or recording a message (or they are gone);
- nobody is rung once the caller has left, and every call ends logged exactly once;
- a call never gets stuck: until it ends it has a deadline, or something Asterisk always reports
  (a playback's end, a ringing or talking leg, a recording's end, a filing) is pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from tests.helpers.calls import CALL, MENU, TUESDAY_NOON, CallScript, example, line

CONFIG = example()


def variants() -> st.SearchStrategy[CallScript]:
    team = CONFIG.teams["support"]
    hangup = replace(CONFIG, teams={"support": replace(team, hunt=replace(team.hunt, on_no_answer="hangup"))})
    ringall = replace(CONFIG, teams={"support": replace(team, hunt=replace(team.hunt, strategy="ringall",
                                                                            confirm=False))})
    quick = replace(CONFIG, teams={"support": replace(team, hunt=replace(team.hunt, confirm="external",
                                                                          greeting_min=1.0))})
    makers: list[Callable[[], CallScript]] = [
        lambda: CallScript(line(CONFIG)),
        lambda: CallScript(line(quick)),
        lambda: CallScript(line(CONFIG), answered=True),
        lambda: CallScript(line(CONFIG, caller="")),
        lambda: CallScript(line(hangup)),
        lambda: CallScript(line(ringall)),
        lambda: CallScript(line(CONFIG), at=TUESDAY_NOON),
        lambda: CallScript(line(CONFIG, blocked=True)),
        lambda: CallScript(line(CONFIG, number="4242")),
        lambda: CallScript(line(CONFIG, number="1500", menu=MENU)),
        lambda: CallScript(line(CONFIG, number="1500", menu=replace(MENU, default="support"))),
    ]
    return st.sampled_from(makers).map(lambda make: make())


def possible(call: CallScript) -> list[e.Event]:
    """What may happen next, given what the flow asked for."""
    flow = call.flow
    out: list[e.Event] = [h.TimerExpired(), e.ChannelLeft(CALL), e.DigitPressed(CALL, "1"), e.DigitPressed(CALL, "5")]
    if c.Answer() in call.sent:
        out += [e.AnswerSent(), e.AnswerSent(ordered=True), e.AnswerDone(), e.RequestFailed(c.Answer(), "404"),
                e.RequestFailed(c.Answer(), "500 Internal Server Error")]
    out.append(e.RequestFailed(c.Lease(CALL, 4), "HTTP 422 Channel not in Stasis application", gone=True))
    for playback in flow.media.playbacks:
        out += [e.PlaybackStarted(playback), e.PlaybackFinished(playback), e.PlaybackFinished(playback, failed=True)]
    for command in call.sent[-6:]:
        if isinstance(command, (c.Play, c.Originate, c.Record, c.FileMessage, c.Bridge, c.ToDialplan)):
            out.append(e.RequestFailed(command, "link down"))
    if flow.callees is not None:
        for leg in flow.callees.legs:
            out += [e.ChannelRinging(leg), e.ChannelAnswered(leg), e.DigitPressed(leg, "1"), e.DigitPressed(leg, "2"),
                    e.ChannelGone(leg, 16, "Normal Clearing"), e.ChannelGone(leg, 17, "User busy"),
                    e.ChannelGone(leg, 19, "No answer")]
        out += [h.PhoneUnregistered("PJSIP/dave"), h.PersonEngaged("dave"), h.PersonReleased("dave"),
                e.PromptRendered("sound:rendered")]
    name = "astreinte-1795000000-1"
    out += [e.RecordingFinished(name, 12.0), e.RecordingFailed(name, "disk full"), e.MessageFiled()]
    return out


def timer(call: CallScript) -> object:
    """The flow's own timers (the lease's renewals do not move a call on)."""
    flow = call.flow
    hunt = flow.hunt.deadline if flow.hunt is not None and flow.phase == "hunting" else None
    own = flow._reception.until if flow.phase == "reception" else flow._until
    return min((at for at in (own, hunt) if at is not None), default=None)


def leased(call: CallScript) -> bool:
    """While the daemon holds the caller, Asterisk never takes them back: the lease runs ahead of the clock."""
    flow = call.flow
    return flow.finished or flow.caller_gone or flow.lease.extended or flow.lease.expires > call.now


def pending(call: CallScript) -> bool:
    """Something Asterisk (or the runtime) always reports is outstanding."""
    flow = call.flow
    legs_up = flow.callees is not None and flow.hunt is not None and flow.hunt.phase in ("hunting", "accepted",
                                                                                        "connected")
    message = flow._message is not None and flow._message.phase in ("recording", "filing")
    answer = c.Answer() in call.sent and (not flow._greeted or bool(flow._held))   # its AnswerDone comes
    return bool(flow.media.playbacks) or legs_up or message or answer


@settings(max_examples=400)
@given(variants(), st.data())
def test_the_caller_never_hears_silence_and_the_call_always_ends_logged(call: CallScript, data: st.DataObject) -> None:
    gone_at: int | None = None
    for _ in range(60):
        if call.flow.finished:
            break
        choice = data.draw(st.sampled_from(possible(call)))
        if isinstance(choice, h.TimerExpired):
            deadline = call.flow.deadline
            call.wait(0.0 if deadline is None else (deadline - call.now).total_seconds() + 0.001)
        else:
            call.wait(data.draw(st.sampled_from([0.0, 0.01, 0.3, 2.0, 7.0])))    # the runtime fires the timers
            call.send(choice)
        assert call.flow.hearing != "silence", (choice, call.flow.phase, call.traces()[-5:])
        if gone_at is None and call.flow.caller_gone:
            gone_at = len(call.sent)
        assert call.flow.finished or timer(call) is not None or pending(call), (call.flow.phase, choice)
        assert leased(call), (call.flow.phase, choice, call.flow.lease.expires, call.now)
    if gone_at is not None:
        assert not any(isinstance(command, c.Originate) for command in call.sent[gone_at:])
    # let the clock run: timers and the ends Asterisk reports take the call to its end
    for _ in range(200):
        if call.flow.finished:
            break
        if call.flow.media.playbacks:
            call.send(e.PlaybackFinished(next(iter(call.flow.media.playbacks))), after=1.0)
        elif (due := call.flow.deadline) is not None and (timer(call) is not None or not pending(call)):
            call.wait((due - call.now).total_seconds() + 0.001)
        else:
            call.send(e.ChannelLeft(CALL), after=1.0)
            for leg in call.flow.callees.legs if call.flow.callees is not None else ():
                call.send(e.ChannelGone(leg, 16, "Normal Clearing"))
            call.send(e.RecordingFinished("astreinte-1795000000-1", 3.0))
            call.send(e.MessageFiled())
        assert call.flow.hearing != "silence", (call.flow.phase, call.traces()[-5:])
    assert call.flow.finished
    assert len([s for s in call.sent if isinstance(s, c.SaveCall)]) == 1
    assert call.saved().record.outcome in ("answered", "voicemail", "abandoned", "outside_service", "failed")
