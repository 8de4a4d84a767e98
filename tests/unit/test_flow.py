"""The whole inbound call as a pure flow (astreinte/domain/calls/flow.py), scripted without Asterisk.

The example configuration: support (1000) is in service on Saturday 7 November 2026 at noon, alice
at level 1, dave at level 2, 20 s per level, two rounds, press 1 to accept; outside service on
Tuesday noon, calls go to PJSIP/reception.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.line import Timings
from tests.helpers.calls import CALL, MENU, TUESDAY_NOON, CallScript, example, kinds, line


def test_a_blocked_caller_hears_the_refusal_and_is_hung_up_without_ringing_anyone() -> None:
    call = CallScript(line(blocked=True))
    assert kinds(call.last) == ["Answer", "SaveArrival"]
    assert call.traces() == ["arrived on 1000 from 0611223344: number blocked, refused"]
    assert call.of(c.Play, call.answered()) == [c.Play(CALL, "sound:blocked", call.playback("sound:blocked"))]
    assert call.hears() == "prompt"
    assert kinds(call.finished("sound:blocked", after=2.0)) == ["Hangup", "SaveCall"]
    record = call.saved().record
    assert (record.outcome, record.reason, record.team) == ("failed", "blocked", "support")
    assert call.legs() == [] and call.flow.finished


def test_a_blocked_caller_whose_message_never_ends_is_hung_up_after_15_s() -> None:
    call = CallScript(line(blocked=True))
    call.answered()
    assert call.wait(14.9) == []
    assert kinds(call.wait(0.2)) == ["Hangup", "SaveCall"]


def test_an_unknown_number_is_told_so_then_handed_to_the_dialplan() -> None:
    call = CallScript(line(number="4242"))
    assert call.traces() == ["arrived on unknown number 4242 from 0611223344: dialplan fallback"]
    call.answered()
    assert call.of(c.Play)[0].media == "sound:unknown"
    out = call.finished("sound:unknown", after=1.5)
    assert c.ToDialplan("4242", "unknown-number", 7199) in out, "with the rest of the call's time (2 h)"
    assert c.Hangup(CALL) not in call.sent                        # the dialplan has the caller now
    assert call.hears() == "nothing: handed to the dialplan"
    record = call.saved().record
    assert (record.outcome, record.reason, record.tier) == ("failed", "unknown_number", "dialplan")


def test_an_unknown_number_whose_message_fails_goes_to_the_dialplan_at_once() -> None:
    call = CallScript(line(number="4242"))
    call.answered()
    out = call.send(e.RequestFailed(call.of(c.Play)[0], "404 Channel not found"))
    assert c.ToDialplan("4242", "unknown-number", 7200) in out, "with the rest of the call's time (2 h)"


def test_the_menu_takes_a_digit_pressed_during_its_prompt() -> None:
    call = CallScript(line(number="1500", menu=MENU))
    assert call.traces() == ["arrived on menu 1500 from 0611223344"]
    call.answered()
    menu = call.playback("sound:menu")
    out = call.send(e.DigitPressed(CALL, "1"), after=1.0)
    assert out[0] == c.StopPlayback(menu)
    assert c.Play(CALL, "sound:greeting", call.playback("sound:greeting")) in out
    assert "caller pressed 1: support" in call.traces()
    out = call.started("sound:greeting")
    assert [o.endpoint for o in call.of(c.Originate, out)] == ["PJSIP/alice"]
    assert call.flow.record.team == "support"


def test_the_menu_asks_again_after_silence_or_an_unknown_digit_then_gives_up() -> None:
    call = CallScript(line(number="1500", menu=MENU))
    call.answered()
    call.finished("sound:menu", after=3.0)
    assert call.hears() == "waiting for a digit"
    assert call.wait(5.9) == []
    again = call.wait(0.2)                                        # 6 s of silence: the prompt again
    assert [p.media for p in call.of(c.Play, again)] == ["sound:menu"]
    out = call.send(e.DigitPressed(CALL, "7"), after=1.0)         # no such choice, no default: given up
    assert [p.media for p in call.of(c.Play, out)] == ["sound:nobody"]
    assert call.traces()[-3:] == ["no choice (attempt 1)", "caller pressed 7: no such choice",
                                  "no choice (attempt 2)"]
    assert kinds(call.finished("sound:nobody", after=3.0)) == ["Hangup", "SaveCall"]
    record = call.saved().record
    assert (record.outcome, record.reason) == ("failed", "no_menu_choice")
    assert call.legs() == []


def test_the_menu_default_takes_silence_and_unknown_digits() -> None:
    menu = replace(MENU, default="support")
    call = CallScript(line(number="1500", menu=menu))
    call.answered()
    call.finished("sound:menu")
    call.wait(6.0)
    assert "no choice: team support by default" in call.traces()
    assert call.of(c.Play)[-1].media == "sound:greeting"
    other = CallScript(line(number="1500", menu=menu))
    other.answered()
    other.send(e.DigitPressed(CALL, "9"))
    assert "caller pressed 9: support" in other.traces()


def test_a_caller_leaving_the_menu_is_an_abandoned_call() -> None:
    call = CallScript(line(number="1500", menu=MENU))
    call.answered()
    assert kinds(call.caller_hangs_up(after=2.0)) == ["SaveCall"]
    assert call.saved().record.outcome == "abandoned"


def test_outside_service_hours_the_destination_rings_at_once_without_a_greeting_or_confirmation() -> None:
    call = CallScript(line(), at=TUESDAY_NOON)
    out = call.answered()
    assert [o.endpoint for o in call.of(c.Originate, out)] == ["PJSIP/reception"]
    assert call.of(c.Play) == [] and c.Ringback(True) in out
    leg = call.legs()[0]
    out = call.send(e.ChannelAnswered(leg), after=2.0)            # no press 1: bridged at once
    assert c.Bridge(call.flow.bridge or "", (CALL, leg)) in out
    assert "outside service hours: dialing PJSIP/reception" in call.traces()
    call.send(e.ChannelGone(leg, 16, "Normal Clearing"), after=30.0)
    record = call.saved().record
    assert (record.outcome, record.reason, record.answered_by) == ("outside_service", "outside_service", None)


def test_the_first_phones_wait_for_the_greeting_to_start_but_half_a_second_at_most() -> None:
    call = CallScript(line())
    assert kinds(call.last) == ["Answer"]
    assert call.of(c.Play, call.answered()) != [] and call.legs() == []
    assert call.wait(0.49) == []
    out = call.wait(0.02)                                         # the greeting never reported starting
    assert call.legs() == [f"{CALL}-L1"]
    assert kinds(out)[0] == "Originate" and "SaveArrival" in kinds(out), "the arrival is saved after the request"
    assert call.traces()[:4] == ["ringing alice (level 1) on PJSIP/alice",
                                 "arrived on 1000 from 0611223344: team support, in service",
                                 "level 1 (primary): alice, phones PJSIP/alice",
                                 "level 2 (secondary): dave, phones PJSIP/dave"]
    assert c.RenderConfirmation("support", "0611223344") in out  # confirm: true, the caller's number is known


def test_the_greeting_is_decided_while_the_answer_travels_and_played_once_it_is_done() -> None:
    # the runtime sends the answer and says so (AnswerSent): the greeting's lease goes beside it, the
    # greeting itself only once Asterisk has answered (it must not play to a channel not answered yet)
    call = CallScript(line())
    sent = call.send(e.AnswerSent(), after=0.001)
    assert [type(command).__name__ for command in sent] == ["Lease"], "only the lease travels with the answer"
    (lease,) = call.of(c.Lease, sent)
    assert lease.channel == CALL and lease.seconds > 4, "the lease is moved past the greeting's end"
    done = call.answered()
    assert kinds(done) == ["Play"] and call.of(c.Play, done)[0].media == "sound:greeting"
    assert call.of(c.Lease, done) == [], "the greeting's lease is not asked twice"


def test_on_a_pbx_slow_to_answer_no_phone_rings_before_the_greeting_is_asked() -> None:
    # the greeting's half second (the first phones ring then if it never reports starting) runs from
    # the answer's end, as when the flow decided only then: an answer taking 0.8 s rings nobody early
    call = CallScript(line())
    call.send(e.AnswerSent(), after=0.001)
    assert call.wait(0.8) == [] and call.legs() == []
    call.answered()
    assert call.of(c.Play) != [] and call.wait(0.49) == [] and call.legs() == []
    call.wait(0.02)
    assert call.legs() == [f"{CALL}-L1"]


def test_behind_an_answer_the_runtime_keeps_in_order_the_greeting_goes_at_once_its_timer_waits() -> None:
    # ARI queues the caller's requests behind the answer in flight (AnswerSent.ordered): the lease and
    # the greeting go with the answer, in that order; the greeting's half second still runs from the answer's end
    call = CallScript(line())
    sent = call.send(e.AnswerSent(ordered=True), after=0.001)
    assert [type(command).__name__ for command in sent] == ["Lease", "Play"]
    assert call.of(c.Play, sent)[0].media == "sound:greeting" and call.of(c.Lease, sent)[0].seconds > 4
    assert call.wait(0.8) == [] and call.legs() == [], "a slow answer rings nobody before the greeting"
    done = call.answered()
    assert call.of(c.Play, done) == [] and call.of(c.Lease, done) == [], "nothing is asked twice"
    assert call.wait(0.49) == [] and call.legs() == []
    call.wait(0.02)
    assert call.legs() == [f"{CALL}-L1"]


def test_a_refused_answer_after_it_was_sent_still_plays_the_greeting() -> None:
    # Asterisk refuses the answer (not a vanished channel): the call goes on as after any refused answer
    call = CallScript(line())
    call.send(e.AnswerSent(), after=0.001)
    out = call.send(e.RequestFailed(c.Answer(), "500 Internal Server Error"), after=0.01)
    assert [p.media for p in call.of(c.Play, out)] == ["sound:greeting"], "the caller is not left in silence"


def test_a_caller_gone_while_the_answer_travels_hears_nothing_of_what_was_decided() -> None:
    call = CallScript(line())
    call.send(e.AnswerSent(), after=0.001)
    call.caller_hangs_up(after=0.002)
    call.answered()
    assert call.of(c.Play) == [] and call.legs() == []
    assert call.saved().record.outcome == "abandoned"


def test_a_caller_gone_before_the_greeting_starts_gets_nobody_rung() -> None:
    call = CallScript(line())
    call.answered()
    call.caller_hangs_up(after=0.1)
    call.started("sound:greeting")
    assert call.legs() == []
    assert "caller hung up before the first ring" in call.traces()
    record = call.saved().record
    assert (record.outcome, record.attempts) == ("abandoned", [])


def test_a_caller_gone_before_the_answer_completes_gets_nobody_rung() -> None:
    call = CallScript(line())
    call.caller_hangs_up(after=0.002)
    call.send(e.RequestFailed(c.Answer(), "404 Channel not found"))
    assert call.legs() == [] and call.of(c.Play) == []
    assert call.saved().record.outcome == "abandoned"


def test_a_caller_gone_during_the_greeting_cancels_the_ringing_phone() -> None:
    call = CallScript(line())
    call.greeted()
    leg = call.legs()[0]
    call.send(e.ChannelRinging(leg), after=0.05)
    out = call.caller_hangs_up(after=2.0)
    assert c.Hangup(leg) in out and "stop ringing alice on PJSIP/alice" in call.traces()
    record = call.saved().record
    assert record.outcome == "abandoned"
    assert [(a.person, a.result) for a in record.attempts] == [("alice", "cancelled")]


def test_accepted_during_the_greeting_then_bridged_when_it_ends() -> None:
    call = CallScript(line())
    call.greeted()
    leg = call.legs()[0]
    out = call.send(e.ChannelAnswered(leg), after=2.0)
    assert c.Play(leg, "sound:confirm", call.playback("sound:confirm")) in out   # no rendered prompt yet
    out = call.send(e.DigitPressed(leg, "1"), after=3.0)
    assert c.StopPlayback(call.playback("sound:confirm")) in out
    assert call.flow.bridge is None                                # the greeting still plays
    out = call.finished("sound:greeting", after=1.0)
    assert out[:2] == [c.StopPlayback(call.playback("sound:connecting")), c.Bridge(call.flow.bridge or "", (CALL, leg))]
    assert c.Engaged("alice", True) in out and call.hears() == "conversation"
    out = call.caller_hangs_up(after=60.0)
    assert [o for o in out if not isinstance(o, c.Trace)] == [
        c.Hangup(leg), c.DestroyBridge(call.flow.bridge or ""), c.Engaged("alice", False), call.saved()]
    record = call.saved().record
    assert (record.outcome, record.answered_by) == ("answered", "alice")
    assert record.wait_seconds == 6.02 and record.talk_seconds == 60.0     # answer, greeting, 2 + 3 + 1 s


def test_the_rendered_prompt_naming_the_caller_is_played_once_ready() -> None:
    call = CallScript(line())
    call.greeted()
    call.send(e.PromptRendered("sound:/prompts/call-1795000000-1"), after=0.03)
    leg = call.legs()[0]
    out = call.send(e.ChannelAnswered(leg), after=2.0)
    assert [p.media for p in call.of(c.Play, out)] == ["sound:/prompts/call-1795000000-1"]


def test_nobody_accepts_then_a_message_is_recorded_and_filed() -> None:
    call = CallScript(line())
    call.greeted()
    call.finished("sound:greeting", after=6.0)
    assert call.hears() == "ringback"
    call.wait(4 * 20.0 + 1)                                      # alice, dave, alice, dave: 20 s each
    assert call.flow.phase == "message"
    assert [p.media for p in call.of(c.Play)][-1] == "sound:leave-a-message"
    out = call.finished("sound:leave-a-message", after=4.0)
    assert out[:2] == [c.Lease(CALL, 135), c.Record("astreinte-1795000000-1", 120, 10)], "leased first"
    assert call.hears() == "recording"
    call.caller_hangs_up(after=20.0)                              # ends the recording: it is kept
    out = call.send(e.RecordingFinished("astreinte-1795000000-1", 20.0), after=0.1)
    assert kinds(out) == ["FileMessage"]
    message = call.of(c.FileMessage, out)[0]
    assert isinstance(message, c.FileMessage)
    assert (message.team, message.caller, message.duration, message.tried) == ("support", "0611223344", 20.0,
                                                                               ("alice", "dave"))
    out = call.send(e.MessageFiled((("email", True), ("webhook", False))), after=0.5)
    assert kinds(out) == ["SaveCall"]
    assert "message notified: email ok, webhook FAILED" in call.traces()
    record = call.saved().record
    assert (record.outcome, [a.result for a in record.attempts]) == ("voicemail", ["no_answer"] * 4)


def test_a_recording_that_fails_or_never_ends_is_still_filed() -> None:
    for ending in ("failed", "lost"):
        call = CallScript(line(timings=Timings(recording_margin=5.0)))
        call.greeted()
        call.finished("sound:greeting", after=6.0)
        call.wait(81.0)
        call.finished("sound:leave-a-message", after=4.0)
        if ending == "failed":
            out = call.send(e.RecordingFailed("astreinte-1795000000-1", "Cannot write"), after=1.0)
            assert "the voicemail recording failed (Cannot write)" in call.traces()
        else:
            assert call.wait(124.9) == []
            out = call.wait(0.2)                                  # 120 s + 5 s: given up on its end
            assert "the voicemail recording failed (no RecordingFinished event)" in call.traces()
        assert c.Hangup(CALL) in out                              # the caller was still there
        message = call.of(c.FileMessage, out)[0]
        assert isinstance(message, c.FileMessage) and message.duration is None
        call.send(e.MessageFiled())
        assert call.saved().record.outcome == "voicemail"


def test_a_caller_gone_during_the_voicemail_prompt_leaves_no_message() -> None:
    call = CallScript(line())
    call.greeted()
    call.finished("sound:greeting", after=6.0)
    call.wait(81.0)
    call.caller_hangs_up(after=1.0)
    assert call.of(c.Record) == [] and call.of(c.FileMessage) == []
    assert call.saved().record.outcome == "abandoned"


def test_on_no_answer_hangup_says_nobody_is_available_then_hangs_up() -> None:
    config = example()
    team = config.teams["support"]
    hangup = replace(config, teams={"support": replace(team, hunt=replace(team.hunt, on_no_answer="hangup",
                                                                           rounds=1))})
    call = CallScript(line(hangup))
    call.greeted()
    call.finished("sound:greeting", after=6.0)
    out = call.wait(41.0)
    assert [p.media for p in call.of(c.Play, out)][-1] == "sound:nobody"
    assert not call.flow.media.playing("hold")                    # "please hold" stopped for it
    assert "nobody answered" in call.traces()
    assert kinds(call.finished("sound:nobody", after=4.0)) == ["Hangup", "SaveCall"]
    assert call.saved().record.reason == "nobody_available"


def test_please_hold_between_the_hold_music_and_back() -> None:
    call = CallScript(line())
    call.greeted()
    call.finished("sound:greeting", after=6.0)
    out = call.wait(20.0)                                         # hold_message_every: 20 s
    assert c.Ringback(False) in out and call.playback("sound:hold")
    assert call.hears() == "prompt"
    assert call.finished("sound:hold", after=3.0) == [c.Ringback(True)]


def test_a_failed_originate_moves_to_the_next_level_at_once() -> None:
    call = CallScript(line())
    call.greeted()
    first = call.of(c.Originate)[0]
    out = call.send(e.RequestFailed(first, "ARI 500"), after=0.01)
    assert [o.endpoint for o in call.of(c.Originate, out)] == ["PJSIP/dave"]
    assert "could not ring alice on PJSIP/alice: ARI 500" in call.traces()


def test_a_phone_that_goes_offline_before_its_turn_is_skipped() -> None:
    call = CallScript(line())
    call.send(h.PhoneUnregistered("PJSIP/alice"))                 # before the hunt starts
    out = call.greeted()
    assert [o.endpoint for o in call.of(c.Originate, out)] == ["PJSIP/dave"]


def test_abort_hands_a_waiting_caller_to_the_dialplan_and_leaves_a_conversation_alone() -> None:
    call = CallScript(line())
    call.greeted()
    out = call.flow.abort("daemon stopping", call.now)
    assert out[0] == c.ToDialplan("1000", "daemon stopping") and c.Hangup(call.legs()[0]) in out
    assert (call.flow.record.outcome, call.flow.record.tier) == ("failed", "dialplan")
    talking = CallScript(line())
    talking.greeted()
    leg = talking.legs()[0]
    talking.send(e.ChannelAnswered(leg), after=1.0)
    talking.send(e.DigitPressed(leg, "1"), after=1.0)
    talking.finished("sound:greeting", after=4.0)
    out = talking.flow.abort("daemon stopping", talking.now)
    assert kinds(out) == ["Engaged", "SaveCall"]                  # nobody hung up: the next daemon adopts it


def test_events_after_the_end_change_nothing() -> None:
    call = CallScript(line(blocked=True))
    call.answered()
    call.finished("sound:blocked")
    assert call.caller_hangs_up() == [] and call.send(h.TimerExpired()) == []


def test_an_interruptible_greeting_stops_for_a_callee_who_accepts_and_the_caller_is_bridged_at_once() -> None:
    config = example()
    team = config.teams["support"]
    quick = replace(config, teams={"support": replace(team, hunt=replace(team.hunt, confirm="external",
                                                                         greeting_min=1.0))})
    call = CallScript(line(quick))
    call.greeted()
    leg = call.legs()[0]                                          # PJSIP/alice: a softphone, no press 1
    early = call.send(e.ChannelAnswered(leg), after=0.5)
    assert [p.media for p in call.of(c.Play, early)] == ["sound:connecting"]
    assert call.flow.bridge is None and call.flow.deadline == call.flow.started + timedelta(seconds=1.02)
    out = call.wait(0.6)                                          # the greeting played its minimum
    greeting = call.playback("sound:greeting")
    assert c.StopPlayback(greeting) in out and any(isinstance(x, c.Bridge) for x in out)
    assert out.index(c.StopPlayback(greeting)) < next(i for i, x in enumerate(out) if isinstance(x, c.Bridge))
    assert call.hears() == "conversation"
