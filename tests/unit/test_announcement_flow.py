"""A team's announcement before anyone is rung (pure ``CallFlow``): the caller hears the greeting, the
announcement, then "1 the person on call, 2 a message"; nobody rings until they choose or stay silent."""

from __future__ import annotations

from dataclasses import replace

from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from tests.helpers.calls import CALL, PROMPTS, CallScript, line

ANNOUNCED = replace(line(), announcements={"support": "recording:outage"},
                    prompts=replace(PROMPTS, announcement_choice="sound:choice"))


def heard_so_far(script: CallScript) -> list[str]:
    return [play.media for play in script.of(c.Play) if play.channel == CALL]


def test_greeting_then_announcement_then_the_choice_and_nobody_rung_meanwhile() -> None:
    script = CallScript(ANNOUNCED)
    script.greeted()
    assert heard_so_far(script) == ["sound:greeting"] and not script.of(c.Originate)
    script.finished("sound:greeting", after=2)
    assert heard_so_far(script)[-1] == "recording:outage"
    script.finished("recording:outage", after=5)
    assert heard_so_far(script)[-1] == "sound:choice" and not script.of(c.Originate)
    script.finished("sound:choice", after=4)
    assert script.hears() == "waiting for a digit"
    script.send(e.DigitPressed(CALL, "1"), after=1)
    assert [o.endpoint for o in script.of(c.Originate)] == ["PJSIP/alice"]


def test_pressing_2_during_the_announcement_leaves_a_message_without_ringing_anyone() -> None:
    script = CallScript(ANNOUNCED)
    script.greeted()
    script.finished("sound:greeting", after=2)
    script.send(e.DigitPressed(CALL, "2"), after=1)
    assert c.StopPlayback(script.playback("recording:outage")) in script.last
    assert heard_so_far(script)[-1] == "sound:leave-a-message" and not script.of(c.Originate)


def test_silence_after_the_choice_asked_twice_reaches_the_person_on_call() -> None:
    script = CallScript(ANNOUNCED)
    script.greeted()
    script.finished("sound:greeting", after=2)
    script.finished("recording:outage", after=5)
    script.finished("sound:choice", after=4)
    script.wait(9)
    assert heard_so_far(script).count("sound:choice") == 2 and not script.of(c.Originate)
    script.finished("sound:choice", after=4)
    script.wait(9)
    assert [o.endpoint for o in script.of(c.Originate)] == ["PJSIP/alice"]
    assert "after the announcement: hunt" in script.traces()


def test_without_an_announcement_the_first_phone_rings_during_the_greeting() -> None:
    script = CallScript(line())
    script.greeted()
    assert [o.endpoint for o in script.of(c.Originate)] == ["PJSIP/alice"]
