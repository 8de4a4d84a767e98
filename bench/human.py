"""Time to a human: from the caller's INVITE to the caller entering a bridge with the callee.

Four systems take the same call at the same time, each with its own caller port and its own
two phones, so every round compares them under the same load (a 6 s greeting everywhere):

    astreinte      trunk 5070 -> Stasis; team i<G>r<S>k<K>: confirm: external, greeting_interruptible
    FollowMe       bench trunk 5074 -> 2GSK: Answer, greeting, FollowMe (fm1, fm2)
    FollowMe d     bench trunk 5075 -> 3GSK: the same with option d (fmd1, fmd2)
    Dial + U()     bench trunk 5076 -> 4GSK: Answer, greeting, Dial(du1,S,U(confirm)), Dial(du2,20,U(...))

The cells (bench/targets.py CELLS, issue 18): the answering phone is a softphone (K=1: astreinte
takes its answer as the acceptance; the natives are configured alike, without the callee's
confirmation: FollowMe's enable_callee_prompt=false, Dial without U()) or a mobile-like leg
(K=2: astreinte dials it through asterisk.outbound, so it must press 1; the natives confirm too);
the first level answers (S=0), or stays silent 5 s and the second answers (S=5). The phone that
answers rings 2 s; a confirming one presses 1 (RFC 4733) 3 s after answering. Callers send audio
(``Answer()`` waits for media otherwise). The bridge time is the Asterisk timestamp of the
observer's ChannelEnteredBridge for the caller's channel; the INVITE time is from the caller's sipp
log. After the bridge, the bench hangs the caller up through ARI.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from bench.lab_bench import GREETINGS, PORT, BenchLab, _asterisk_time, _secs
from bench.stats import summary
from bench.targets import CELLS, Cell, cell_verdict
from lab import phones
from lab.observer import Seen, channel_name
from lab.phones import Sipp

RING_S = 2.0          # the answering phone rings this long...
DTMF_S = 3.0          # ...then, if it must confirm, presses 1 this long after answering
SILENT_STEP_S = 5.0
GREETING = "6"        # bench/lab_bench.py GREETINGS: 6.0 s


@dataclass(frozen=True)
class System:
    name: str
    prefix: str          # first digit of the number on the bench trunk ("" : astreinte)
    port: int            # caller's source port (selects the trunk endpoint)
    phones: tuple[str, str]
    caller_id: str

    def number(self, cell: Cell) -> str:
        return f"{self.prefix or '1'}{GREETING}{cell.step}{cell.kind}"

    def legs(self, cell: Cell) -> tuple[str, str]:
        """(first level's phone, second level's phone): astreinte's mobile is the outbound trunk's."""
        if self.prefix or cell.kind == "1":
            return self.phones
        return ("mobile", self.phones[1]) if cell.step == "0" else (self.phones[0], "mobile")


SYSTEMS = (
    System("astreinte", "", 5070, ("alice", "bob"), "0610000001"),
    System("FollowMe", "2", 5074, ("fm1", "fm2"), "0610000002"),
    System("FollowMe d", "3", 5075, ("fmd1", "fmd2"), "0610000003"),
    System("Dial + U()", "4", 5076, ("du1", "du2"), "0610000004"),
)


async def _one(lab: BenchLab, system: System, cell: Cell, tag: str) -> float | None:
    workdir = lab.work / "human" / tag / system.name.replace(" ", "_").replace("+", "").replace("()", "U")
    first, second = system.legs(cell)
    started: list[Sipp] = []

    async def answering(name: str) -> Sipp:
        if cell.kind == "1":
            return await phones.phone(name, PORT[name], "answer", workdir, ring_ms=int(RING_S * 1000))
        return await phones.phone(name, PORT[name], "dtmf", workdir, ring_ms=int(RING_S * 1000),
                                  dtmf_delay_ms=int(DTMF_S * 1000))

    if cell.step == "0":
        started.append(await answering(first))
    else:
        started.append(await phones.phone(first, PORT[first], "noanswer", workdir, ring_ms=60_000))
        started.append(await answering(second))
    await asyncio.sleep(0.3)
    since = time.time()
    caller = await phones.call(system.number(cell), workdir, caller=system.caller_id, hold_ms=60_000,
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


async def time_to_human(lab: BenchLab, rounds: int) -> dict[str, Any]:
    """``rounds`` calls per system and cell; the systems run side by side in each round."""
    out: dict[str, Any] = {"unit": "s", "rounds": rounds, "greeting_s": GREETINGS[GREETING], "ring_s": RING_S,
                           "dtmf_after_answer_s": DTMF_S, "silent_step_s": SILENT_STEP_S, "cells": {}}
    for cell in CELLS:
        times: dict[str, list[float]] = {s.name: [] for s in SYSTEMS}
        failed: dict[str, int] = {s.name: 0 for s in SYSTEMS}
        for rnd in range(rounds):
            lab.observer.seen.clear()
            tag = f"{cell.step}{cell.kind}/{rnd}"
            got = await asyncio.gather(*(_one(lab, s, cell, tag) for s in SYSTEMS))
            for system, value in zip(SYSTEMS, got, strict=True):
                if value is None:
                    failed[system.name] += 1
                else:
                    times[system.name].append(value)
            await asyncio.sleep(0.5)
        floor = (SILENT_STEP_S if cell.step == "5" else 0.0) + RING_S + (DTMF_S if cell.kind == "2" else 0.0)
        row: dict[str, Any] = {"physical_floor_s": floor,
                               "sequential_s": round(GREETINGS[GREETING] + floor, 2)}
        for name, values in times.items():
            row[name] = {**summary(values), "failed": failed[name]}
        row["verdict"] = cell_verdict(row, cell.target_s)
        out["cells"][cell.name] = row
    return out
