"""Time to a human: from the caller's INVITE to the caller entering a bridge with the callee.

Four systems take the same call at the same time, each with its own caller port and its own
two phones, so every round compares them under the same load:

    astreinte      trunk 5070 -> Stasis; team g<G>r<S> (greeting, alice then bob, press 1)
    FollowMe       bench trunk 5074 -> 2GS: Answer, greeting, FollowMe (fm1, fm2)
    FollowMe d     bench trunk 5075 -> 3GS: the same with option d (fmd1, fmd2)
    Dial + U()     bench trunk 5076 -> 4GS: Answer, greeting, Dial(du1,S,U(confirm)), Dial(du2,20,U(...))

Scenarios: the first level answers; the first level is silent (5 s step) and the second answers;
the first level is busy (486) and the second answers. The phone that answers rings 2 s, then
presses 1 (RFC 4733) 3 s later. Callers send audio (``Answer()`` waits for media otherwise). The
bridge time is the Asterisk timestamp of the observer's ChannelEnteredBridge for the caller's
channel; the INVITE time is from the caller's sipp log. After the bridge, the bench hangs the
caller up through ARI.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.lab_bench import GREETINGS, PORT, BenchLab, _asterisk_time, _secs
from lab import phones
from lab.observer import Seen, channel_name
from lab.phones import Sipp

RING_S = 2.0          # the answering phone rings this long...
DTMF_S = 3.0          # ...then presses 1 this long after answering
SILENT_STEP_S = 5.0


@dataclass(frozen=True)
class System:
    name: str
    prefix: str          # first digit of the number on the bench trunk ("" : astreinte)
    port: int            # caller's source port (selects the trunk endpoint)
    phones: tuple[str, str]
    caller_id: str

    def number(self, greeting: str, step: str) -> str:
        if not self.prefix:
            return f"1{greeting}{step}"           # astreinte team g<G>r<S> (bench/lab_bench.py TEAMS)
        return f"{self.prefix}{greeting}{step}"


SYSTEMS = (
    System("astreinte", "", 5070, ("alice", "bob"), "0610000001"),
    System("FollowMe", "2", 5074, ("fm1", "fm2"), "0610000002"),
    System("FollowMe d", "3", 5075, ("fmd1", "fmd2"), "0610000003"),
    System("Dial + U()", "4", 5076, ("du1", "du2"), "0610000004"),
)
SCENARIOS = ("first level answers", "first level silent", "first level busy")


async def _one(lab: BenchLab, system: System, scenario: str, greeting: str, tag: str) -> float | None:
    workdir = lab.work / "human" / tag / system.name.replace(" ", "_").replace("+", "").replace("()", "U")
    step = "5" if scenario == "first level silent" else "0"
    first, second = system.phones
    started: list[Sipp] = []
    if scenario == "first level answers":
        started.append(await phones.phone(first, PORT[first], "dtmf", workdir, ring_ms=int(RING_S * 1000),
                                          dtmf_delay_ms=int(DTMF_S * 1000)))
    else:
        behaviour = "noanswer" if scenario == "first level silent" else "busy"
        started.append(await phones.phone(first, PORT[first], behaviour, workdir, ring_ms=60_000))
        started.append(await phones.phone(second, PORT[second], "dtmf", workdir, ring_ms=int(RING_S * 1000),
                                          dtmf_delay_ms=int(DTMF_S * 1000)))
    await asyncio.sleep(0.3)
    since = time.time()
    caller = await phones.call(system.number(greeting, step), workdir, caller=system.caller_id, hold_ms=60_000,
                               port=system.port, media=True, name="caller")
    prefix = "PJSIP/trunk-" if system.port == 5070 else "PJSIP/trunkbench-"

    def entered(s: Seen) -> bool:
        ch = s.event.get("channel") or {}
        return (s.type == "ChannelEnteredBridge" and s.at >= since and channel_name(s).startswith(prefix)
                and (ch.get("caller") or {}).get("number") == system.caller_id)

    bridged: Seen | None = None
    try:
        bridged = await lab.observer.wait_for(entered, timeout=45, what=f"{system.name} caller bridged")
        await asyncio.sleep(0.3)
        await lab.hangup(bridged.event["channel"]["id"])
    except AssertionError:
        pass
    for sipp in (caller, *started):
        with contextlib.suppress(AssertionError):
            await sipp.done(15)
        await sipp.stop()
    invites = caller.sent("INVITE")
    if bridged is None or not invites:
        return None
    return _secs(invites[0].at, _asterisk_time(bridged.event))


async def time_to_human(lab: BenchLab, rounds: int, greetings: tuple[str, ...] = ("6", "4")) -> dict[str, Any]:
    """``rounds`` calls per system, scenario and greeting; the systems run side by side in each round."""
    out: dict[str, Any] = {"unit": "s", "rounds": rounds, "ring_s": RING_S, "dtmf_after_answer_s": DTMF_S}
    for greeting in greetings:
        seconds = GREETINGS[greeting]
        table: dict[str, Any] = {}
        for scenario in SCENARIOS:
            times: dict[str, list[float]] = {s.name: [] for s in SYSTEMS}
            failed: dict[str, int] = {s.name: 0 for s in SYSTEMS}
            for rnd in range(rounds):
                lab.observer.seen.clear()
                tag = f"g{greeting}/{scenario.replace(' ', '_')}/{rnd}"
                got = await asyncio.gather(*(_one(lab, s, scenario, greeting, tag) for s in SYSTEMS))
                for system, value in zip(SYSTEMS, got, strict=True):
                    if value is None:
                        failed[system.name] += 1
                    else:
                        times[system.name].append(value)
                await asyncio.sleep(0.5)
            waits = (SILENT_STEP_S if scenario == "first level silent" else 0.0)
            row: dict[str, Any] = {
                "sequential_sum": round(seconds + waits + RING_S + DTMF_S, 2),
                "parallel_floor": round(max(seconds, waits + RING_S + DTMF_S), 2),
            }
            for name, values in times.items():
                row[name] = {"median": round(statistics.median(values), 3) if values else None,
                             "min": round(min(values), 3) if values else None,
                             "max": round(max(values), 3) if values else None,
                             "n": len(values), "failed": failed[name]}
            table[scenario] = row
        out[f"greeting {seconds:.2f} s"] = table
    return out
