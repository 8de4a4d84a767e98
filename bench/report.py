"""bench/results/latest.md: the figures of a ``python -m bench`` run as short Markdown tables."""

from __future__ import annotations

from typing import Any

from bench.stats import fmt


def _ms(row: dict[str, Any]) -> str:
    return f"{fmt(row.get('median'))} | {fmt(row.get('p95'))} | {fmt(row.get('p99'))} | {row.get('n', 0)}"


def markdown(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    out = [f"# astreinte benchmarks — {r.get('started_at', '')}", "",
           f"{m.get('cpus')} CPUs, Python {m.get('python')}, Asterisk {r.get('asterisk', '?')}, "
           f"load {', '.join(f'{x:.1f}' for x in m.get('load_before', ()))} before / "
           f"{', '.join(f'{x:.1f}' for x in m.get('load_after', ()))} after"
           + (" — **quick run**" if r.get("quick") else "") + ". Systems compared within this run only.", ""]
    if r.get("updated"):
        out += ["Re-run afterwards (`--update`): " + ", ".join(f"{k} at {v}" for k, v in r["updated"].items()), ""]
    if "overhead" in r:
        o = r["overhead"]
        g = o.get("greeting_to_phone", {})
        out += ["## Caller's INVITE → first phone's INVITE (ms)", "",
                "| path | median | p95 | p99 | calls |", "|---|---|---|---|---|",
                f"| astreinte (answer, greeting, originate) | {_ms(o['astreinte'])} |",
                f"| plain `Dial()` | {_ms(o['dial'])} |",
                f"| ratio | {fmt(o['ratio']['median'])}× | {fmt(o['ratio']['p95'])}× | {fmt(o['ratio']['p99'])}× | |",
                "", f"Greeting's PlaybackStarted → phone's INVITE: median {fmt(g.get('median'))} ms, "
                    f"min {fmt(g.get('min'))} ms; phone rung before the greeting started: "
                    f"{g.get('phone_first', '?')} of {g.get('n', 0)} calls.", ""]
    if "hunt" in r:
        h = r["hunt"]
        out += ["## Hunt reaction: level ends → next level's INVITE (ms)", "",
                "| step ends by | astreinte median | p95 | p99 | n | Dial sequence median | p95 | p99 | n |",
                "|---|---|---|---|---|---|---|---|---|"]
        for case, label in (("timeout", "ring timeout (CANCEL received)"), ("busy", "486 Busy (sent)")):
            if case in h:
                out.append(f"| {label} | {_ms(h[case]['astreinte'])} | {_ms(h[case]['dial'])} |")
        out.append("")
    if "burst" in r:
        b = r["burst"]
        out += [f"## Burst: {b['calls']} callers at {b['rate']} calls/s, three phones rung at once", "",
                "| figure | value |", "|---|---|",
                f"| failed calls (no 200 OK) | {b['failed']} (sipp exit {b['sipp_exit']}) |",
                f"| INVITE → 200 OK, median / p95 / p99 | {fmt(b['answer_ms']['median'])} / "
                f"{fmt(b['answer_ms']['p95'])} / {fmt(b['answer_ms']['p99'])} ms |",
                f"| callers without any sound | {b['silent_callers']} of {b['callers_seen']} |",
                f"| channel created → first sound, p95 | {fmt(b['to_first_sound_ms']['p95'])} ms |",
                f"| call log | {b['call_log_rows']} rows, {b['consistent_rows']} consistent, {b['outcomes']} |",
                f"| phones rung (alice, bob, carol) | {b['phone_invites']} |",
                f"| CPU per call: daemon / Asterisk | {b['cpu_ms_per_call']['daemon']} / "
                f"{b['cpu_ms_per_call']['asterisk']} ms |", ""]
    if "human" in r:
        hu = r["human"]
        for key, table in hu.items():
            if not key.startswith("greeting"):
                continue
            out += [f"## Time to a human, {key} (s, median; phone rings 2 s, presses 1 3 s later)", "",
                    "| scenario | sequential sum | astreinte | FollowMe | FollowMe `d` | Dial + `U()` |",
                    "|---|---|---|---|---|---|"]
            for scenario, row in table.items():
                cells = []
                for system in ("astreinte", "FollowMe", "FollowMe d", "Dial + U()"):
                    s = row[system]
                    cells.append(fmt(s["median"]) + (f" ({s['failed']} failed)" if s["failed"] else ""))
                out.append(f"| {scenario} | {fmt(row['sequential_sum'])} | " + " | ".join(cells) + " |")
            out.append("")
    for name in ("who", "soak"):
        if name in r:
            part = r[name]
            out += [f"## {name}", ""]
            if "output" in part:
                out += ["```", *part["output"][-15:], "```", f"exit {part['exit']}, {part['seconds']} s", ""]
            else:
                out += [str(part), ""]
    return "\n".join(out) + "\n"
