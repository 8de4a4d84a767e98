"""Issue 18 against the real lab: a greeting that gives way, and confirmation only where it protects.

A 7-second greeting; alice's softphone (PJSIP/alice) answers after ~1.5 s; a "mobile" is a number
dialed through the outbound trunk (sipp on 127.0.0.1:5086) that answers and never presses a digit,
as a mobile's voicemail does.
"""

from __future__ import annotations

import textwrap
import wave
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import call_log, lab_config
from tests.helpers.timing import scaled

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

LONG_GREETING = ("Bonjour, vous êtes en relation avec le service d'astreinte de l'équipe de test. "
                 "Merci de patienter quelques instants, nous recherchons la personne de garde.")


def team(hunt: str, layers: tuple[str, ...]) -> str:
    layer_yaml = "\n".join(
        f"    - name: l{i}\n      rotation: {{members: [{person}], every: 1 week, handoff: 'monday 09:00', "
        f"start: 2026-11-02}}" for i, person in enumerate(layers, start=1))
    return textwrap.dedent(f"""\
        support:
          numbers: ["1000"]
          greeting: "{LONG_GREETING}"
          service_hours: {{weekdays: all-day, weekends: all-day}}
          hunt: {{{hunt}}}
          layers:
        """) + layer_yaml + "\n"


def seconds(wav: Path) -> float:
    with wave.open(str(wav)) as audio:
        return float(audio.getnframes() / audio.getframerate())


async def greeting_start(observer: Observer, lab: Any) -> tuple[float, float]:
    """When the caller's greeting started (observer clock) and how long it would play to its end."""
    started = await observer.wait_for(lambda s: s.type == "PlaybackStarted" and "tts-" in
                                      str(s.event["playback"].get("media_uri", "")), what="the greeting")
    name = str(started.event["playback"]["media_uri"]).rsplit("/", 1)[-1]
    return started.at, seconds(Path(lab.prompts_dir) / f"{name}.wav")


async def test_a_callee_accepting_during_the_greeting_is_bridged_before_its_end(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("ring_timeout: 10s, confirm: external, greeting_min: 1s, "
                                            "on_no_answer: hangup", ("alice",)))
    await daemon(config)
    alice = await phones.phone("alice", 5081, "answer", tmp_path, ring_ms=1500)
    caller = await phones.call("1000", tmp_path, hold_ms=12000)
    begun, length = await greeting_start(observer, lab)
    assert length > 6, f"the test needs a long greeting ({length:.1f} s)"
    entered = await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                                      and channel_name(s).startswith("PJSIP/trunk-"), timeout=15,
                                      what="the caller entering the bridge")
    early = begun + length - entered.at
    assert early > 3, f"the caller was bridged {early:.2f} s before the greeting's end: it should give way"
    stopped = [s for s in observer.of_type("PlaybackFinished") if "tts-" in str(s.event["playback"]["media_uri"])]
    assert stopped and stopped[0].at < begun + length - 3, "the greeting was stopped, not played to its end"
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    assert not alice.received("INFO"), "alice pressed nothing: her softphone's answer accepted the call"
    (row,) = await call_log(config)
    assert (row["outcome"], row["answered_by"]) == ("answered", "alice")
    assert row["wait_seconds"] < scaled(4)


async def test_confirm_external_asks_the_mobile_for_its_1_and_accepts_the_softphone_answer(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    people = """
      mobile: {name: Marc Mobile, phones: ["+33611223344"]}
      alice: {name: Alice Martin, phones: [PJSIP/alice]}
    """
    config = lab_config(lab, tmp_path, team("ring_timeout: 10s, confirm: external, confirm_timeout: 3s, "
                                            "on_no_answer: hangup", ("mobile", "alice")), people=people)
    await daemon(config)
    mobile = await phones.phone("mobile", 5086, "answer", tmp_path, ring_ms=500)   # never presses a digit
    alice = await phones.phone("alice", 5081, "answer", tmp_path, ring_ms=500)
    caller = await phones.call("1000", tmp_path, hold_ms=12000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=25, what="alice entering the bridge")
    assert await caller.done(40) == 0 and await alice.done(30) == 0
    await mobile.done(20)
    assert mobile.received("BYE"), "the mobile's 'voicemail' never pressed 1: astreinte hung it up"
    assert not alice.received("INFO"), "alice pressed nothing: her softphone's answer accepted the call"
    legs = {str(s.event["playback"]["target_uri"]).rsplit("-L", 1)[-1] for s in observer.of_type("PlaybackStarted")
            if "-L" in str(s.event["playback"].get("target_uri", ""))}
    assert "1" in legs, "the mobile was asked to press 1"
    (row,) = await call_log(config)
    assert [(a["person"], a["result"]) for a in row["attempts"]] == [("mobile", "declined"), ("alice", "answered")]
    assert (row["outcome"], row["answered_by"]) == ("answered", "alice")
