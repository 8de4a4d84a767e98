"""What the caller hears, against the lab: the greeting, "please hold" every `hold_message_every` seconds
(none with 0), "nobody is available" then the hang-up with `on_no_answer: hangup`, a blocked caller's
message, and the bridge the moment the greeting is over (docs/hunt.md, "What the caller hears").

Playbacks are read from Asterisk's own ARI events (PlaybackStarted/Finished on the caller's channel),
times from Asterisk's event timestamps. Numbers 1301-1399 are this file's.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import call_log, lab_config
from tests.helpers.lab import PORT, bridged, caller_channel, finished, media, playbacks, results, stamp, team
from tests.helpers.timing import scaled

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def test_please_hold_every_interval_then_nobody_is_available_and_the_hang_up(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    teams = team(("alice",), ring="15s", numbers='["1301"]', hunt_extra=", hold_message_every: 6s")
    config = lab_config(lab, tmp_path, teams)
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = await phones.call("1301", tmp_path, hold_ms=40000)        # stays until astreinte hangs up
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(20) == 0
    channel = caller_channel(observer)
    played = playbacks(observer, channel)
    greeting, *holds, nobody = played
    assert len(holds) == 2, [media(p) for p in played]                 # at +6 s and +12 s of a 15 s ring
    assert {media(h) for h in holds} == {media(holds[0])} and media(holds[0]) not in (media(greeting), media(nobody))
    first_ring = alice.received("INVITE")[0].at.astimezone()
    greeting_end = stamp(finished(observer, greeting))
    assert stamp(greeting) <= first_ring, "the phone rings during the greeting"
    for n, hold in enumerate(holds, 1):
        late = (stamp(hold) - greeting_end).total_seconds() - 6 * n
        assert -0.2 < late < scaled(0.5), f"'please hold' #{n} came {late:+.2f} s off its 6 s interval"
    ring_end = alice.received("CANCEL")[0].at.astimezone()
    assert 15 - 0.2 < (ring_end - first_ring).total_seconds() < 15 + scaled(0.6)
    after = max(ring_end, stamp(finished(observer, holds[-1])))   # a "please hold" still playing ends first
    assert ring_end <= stamp(nobody), "'nobody is available' only once the hunt is over"
    assert (stamp(nobody) - after).total_seconds() < scaled(1.0)
    nobody_end = stamp(finished(observer, nobody))
    assert finished(observer, nobody).event["playback"]["state"] == "done", "the message was played to its end"
    bye = caller.received("BYE")[0].at.astimezone()
    assert nobody_end <= bye, "hung up only once the message was over"
    assert (bye - nobody_end).total_seconds() < scaled(1.0)
    (row,) = await call_log(config)
    assert (row["outcome"], row["answered_by"]) == ("failed", None)
    assert results(row) == [("alice", "no_answer")]


async def test_hold_message_every_0_plays_no_please_hold(lab: Any, daemon: Any, observer: Observer,
                                                         tmp_path: Path) -> None:
    teams = team(("alice",), ring="14s", numbers='["1302"]', hunt_extra=", hold_message_every: 0")
    config = lab_config(lab, tmp_path, teams)
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = await phones.call("1302", tmp_path, hold_ms=40000)
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(20) == 0
    played = playbacks(observer, caller_channel(observer))
    assert len(played) == 2, [media(p) for p in played]                 # the greeting, then "nobody is available"
    assert caller.received("BYE"), "astreinte hangs up after the message"


async def test_a_blocked_caller_hears_a_message_then_is_hung_up(lab: Any, daemon: Any, observer: Observer,
                                                                tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1303"]'), extra='blocklist: ["0699999999"]\n')
    await daemon(config)
    caller = await phones.call("1303", tmp_path, caller="0699999999", hold_ms=30000)
    assert await caller.done(30) == 0, caller.output
    (message,) = playbacks(observer, caller_channel(observer))
    done = finished(observer, message)
    assert done.event["playback"]["state"] == "done", "the caller heard the whole message"
    bye = caller.received("BYE")[0].at.astimezone()
    assert stamp(done) <= bye and (bye - stamp(done)).total_seconds() < scaled(1.0)
    assert not [s for s in observer.of_type("ChannelCreated") if not channel_name(s).startswith("PJSIP/trunk-")]
    (row,) = await call_log(config)
    assert (row["outcome"], row["reason"], row["attempts"]) == ("failed", "blocked", [])


async def test_the_caller_is_bridged_the_moment_the_greeting_is_over(lab: Any, daemon: Any, observer: Observer,
                                                                    tmp_path: Path) -> None:
    """alice answers at once, during a greeting of several seconds: she waits, then is bridged as it ends."""
    long_greeting = ("Bonjour, vous êtes en relation avec l'astreinte du support. Merci de patienter, "
                     "nous recherchons la personne de garde.")
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1304"]', greeting=long_greeting))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=200)
    caller = await phones.call("1304", tmp_path, hold_ms=12000)
    await bridged(observer, "alice")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    (greeting,) = playbacks(observer, caller_channel(observer))
    greeting_end = stamp(finished(observer, greeting))
    answered = alice.sent("200")[0].at.astimezone()
    assert (greeting_end - answered).total_seconds() > 2, "alice answered well before the greeting ended"
    entered = next(s for s in observer.of_type("ChannelEnteredBridge") if channel_name(s).startswith("PJSIP/alice-"))
    delay = (stamp(entered) - greeting_end).total_seconds()
    assert 0 <= delay < scaled(0.3), f"bridged {delay:.3f} s after the greeting ended"
    (row,) = await call_log(config)
    assert (row["outcome"], row["answered_by"]) == ("answered", "alice")


def tone_share(samples: list[int], rate: int, frequency: float) -> float:
    """The share of a window's energy at ``frequency`` (Goertzel), 0 for silence."""
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s_prev = s_prev2 = 0.0
    for x in samples:
        s_prev, s_prev2 = x + coeff * s_prev - s_prev2, s_prev
    power = s_prev2**2 + s_prev**2 - coeff * s_prev * s_prev2
    total = sum(x * x for x in samples)
    return 0.0 if total == 0 else power / (total * len(samples) / 2)


async def test_after_the_greeting_the_caller_hears_the_ringback_tone(lab: Any, daemon: Any, observer: Observer,
                                                                    tmp_path: Path) -> None:
    """What goes out to the caller, recorded by an ARI snoop channel: after the greeting, the French ringback
    (440 Hz, 1.5 s on, 3.5 s off, asterisk_conf/indications.conf) until the hunt ends."""
    teams = team(("alice",), ring="9s", numbers='["1305"]', hunt_extra=", hold_message_every: 0")
    config = lab_config(lab, tmp_path, teams)
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = await phones.call("1305", tmp_path, hold_ms=40000)
    await observer.wait_for(lambda s: s.type == "ChannelCreated" and channel_name(s).startswith("PJSIP/trunk-"),
                            timeout=10, what="the call")
    channel = caller_channel(observer)
    await observer.wait_for(lambda s: s.type == "PlaybackStarted"
                            and s.event["playback"].get("target_uri") == f"channel:{channel}",
                            timeout=10, what="the greeting starting")
    ear = f"ear-{channel.replace('.', '-')}"
    await observer.post(f"/channels/{channel}/snoop", app=observer.app, spy="out", snoopId=ear)
    await observer.post(f"/channels/{ear}/record", name=ear, format="wav", ifExists="overwrite")
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(20) == 0
    started = await observer.wait_for(lambda s: s.type == "RecordingStarted" and s.event["recording"]["name"] == ear,
                                      what="the recording starting")
    await observer.wait_for(lambda s: s.type == "RecordingFinished" and s.event["recording"]["name"] == ear,
                            what="the recording finished")
    greeting, nobody = playbacks(observer, channel)
    after_greeting = (stamp(finished(observer, greeting)) - stamp(started)).total_seconds()
    until_nobody = (stamp(nobody) - stamp(started)).total_seconds()
    with wave.open(str(lab.spool_dir / "recording" / f"{ear}.wav")) as audio:
        rate = audio.getframerate()
        frames = audio.readframes(audio.getnframes())
    samples = list(struct.unpack(f"<{len(frames) // 2}h", frames))
    window = rate // 5                                                      # 200 ms
    shares = [tone_share(samples[i:i + window], rate, 440.0) for i in range(0, len(samples) - window, window)]
    between = shares[int(after_greeting * 5) + 1:int(until_nobody * 5)]
    ringing = [share > 0.8 for share in between]
    assert ringing[:3] == [True, True, True], f"no 440 Hz right after the greeting: {between[:10]}"
    assert sum(ringing) >= 7, "ringback: 1.5 s of tone every 5 s, two bursts in 7 s of hunt"
    assert not any(share > 0.8 for share in shares[:max(0, int(after_greeting * 5) - 1)]), "no tone over the greeting"
