"""Burst: an incident, 200 callers arriving at 40 calls/s from one sipp caller.

Team ``burst`` rings its three on-call phones at once (ringall: alice, bob, carol, sipp UAS
that ring until cancelled), so every call opens three legs; each caller hangs up 2.5 s after
being answered. (The lab's rtp.conf gives Asterisk 10000-10999, i.e. 500 RTP sessions: with
4 s, ~160 callers and ~480 legs at once, Asterisk answered 35 calls 488 for want of RTP ports.)

Checked: no failed SIP call; the PBX's 200 OK within 500 ms p95 of the INVITE (the greeting
starts with the answer); a PlaybackStarted for every caller's channel (nobody waits in
silence); the call log holds every call, each ``abandoned`` after its three phones were rung
and cancelled. CPU time of the daemon and of Asterisk over the burst, per call, from
/proc/<pid>/stat.

The calls come in on the bench trunk (127.0.0.1:5077, [bench-trunk] 1XXX -> Stasis), so the
production dialplan's ``max_concurrent_calls`` guard (50) does not send the overflow to the
PBX tiers: the point is what the daemon takes.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

from bench.lab_bench import PORT, BenchLab, _asterisk_time, _secs, cpu_seconds
from bench.stats import summary
from lab import phones
from lab.phones import SCENARIOS, Sipp

CALLS = 200
RATE = 40
HOLD_MS = 2500      # 40/s x 2.5 s = ~100 callers + 300 legs up at once: under the lab's 500 RTP ports
_CALL_ID = re.compile(r"^Call-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def _call_id(text: str) -> str:
    found = _CALL_ID.search(text)
    return found.group(1) if found else ""


async def burst(lab: BenchLab, calls: int = CALLS, rate: int = RATE) -> dict[str, Any]:
    workdir = lab.work / "burst"
    ringing = [await phones.phone(name, PORT[name], "noanswer", workdir, ring_ms=3_600_000, calls=calls * 2)
               for name in ("alice", "bob", "carol")]
    await asyncio.sleep(0.3)
    lab.observer.seen.clear()
    cpu0 = {"daemon": cpu_seconds(lab.daemon_pid), "asterisk": cpu_seconds(lab.asterisk_pid)}
    argv = ["sipp", "127.0.0.1:5060", "-sf", str(SCENARIOS / "caller_uac.xml"), "-i", "127.0.0.1", "-p", "5077",
            "-mp", "30000", "-s", "1200", "-key", "caller", "0699999999", "-m", str(calls), "-r", str(rate),
            "-l", str(calls), "-recv_timeout", str(HOLD_MS)]
    caller = await Sipp("burst-caller", argv, workdir).start()
    code = await caller.done(120)
    rows = await lab.calls("burst", calls, timeout=90)
    await asyncio.sleep(1.0)
    cpu1 = {"daemon": cpu_seconds(lab.daemon_pid), "asterisk": cpu_seconds(lab.asterisk_pid)}
    for phone in ringing:
        await phone.stop()

    invites = {_call_id(m.text): m.at for m in caller.sent("INVITE")}
    answered = {_call_id(m.text): m.at for m in caller.received("200") if "INVITE" in m.text.split("CSeq:")[-1][:40]}
    to_answer = [_secs(invites[c], at) for c, at in answered.items() if c in invites]

    created: dict[str, Any] = {}
    for s in lab.observer.of_type("ChannelCreated"):
        ch = s.event["channel"]
        if ch["name"].startswith("PJSIP/trunkbench-"):
            created.setdefault(ch["id"], _asterisk_time(s.event))
    first_sound: dict[str, Any] = {}
    for s in lab.observer.of_type("PlaybackStarted"):
        target = str(s.event["playback"].get("target_uri", ""))
        cid = target.removeprefix("channel:")
        if cid in created:
            first_sound.setdefault(cid, _asterisk_time(s.event))
    rang = [len(p.received("INVITE")) for p in ringing]

    outcomes = Counter(r["outcome"] for r in rows)
    consistent = sum(
        1 for r in rows
        if r["outcome"] == "abandoned" and r["answered_by"] is None
        and sorted(a["person"] for a in r["attempts"]) == ["alice", "bob", "carol"]
        and all(a["result"] == "cancelled" for a in r["attempts"]))
    waits = [float(r["wait_seconds"]) for r in rows if r.get("wait_seconds") is not None]
    per_call = {k: round((cpu1[k] - cpu0[k]) / max(1, calls) * 1000, 2) for k in cpu0}
    return {
        "calls": calls, "rate": rate, "hold_ms": HOLD_MS,
        "sipp_exit": code, "invites": len(invites), "answered_200": len(to_answer),
        "failed": calls - len(to_answer),
        "answer_ms": summary(to_answer, 1000),
        "callers_seen": len(created), "callers_with_sound": len(first_sound),
        "silent_callers": len(created) - len(first_sound),
        "to_first_sound_ms": summary([_secs(created[c], first_sound[c]) for c in first_sound], 1000),
        "phone_invites": dict(zip(("alice", "bob", "carol"), rang, strict=True)),
        "call_log_rows": len(rows), "outcomes": dict(outcomes), "consistent_rows": consistent,
        "wait_seconds": summary(waits),
        "cpu_ms_per_call": per_call,
        "cpu_seconds_total": {k: round(cpu1[k] - cpu0[k], 2) for k in cpu0},
    }
