"""bench/results/latest.md: the figures of a ``python -m bench`` run as short Markdown tables."""

from __future__ import annotations

from typing import Any

from bench.stats import fmt
from bench.targets import NATIVE, summary_rows, yes_no


def _ms(row: dict[str, Any]) -> str:
    return f"{fmt(row.get('median'))} | {fmt(row.get('p95'))} | {fmt(row.get('p99'))} | {row.get('n', 0)}"


def _human(row: dict[str, Any]) -> str:
    return fmt(row.get("median")) + (f" ({row['failed']} failed)" if row.get("failed") else "")


def markdown(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    verdicts = summary_rows(r)
    head = ["## Targets (issue 18)", "", "| target | measured | wanted | met |", "|---|---|---|---|",
            *(f"| {what} | {got} | {wanted} | {met} |" for what, got, wanted, met in verdicts), ""]
    out = [f"# astreinte benchmarks — {r.get('started_at', '')}", "",
           f"{m.get('cpus')} CPUs, Python {m.get('python')}, Asterisk {r.get('asterisk', '?')}, "
           f"load {', '.join(f'{x:.1f}' for x in m.get('load_before', ()))} before / "
           f"{', '.join(f'{x:.1f}' for x in m.get('load_after', ()))} after"
           + (" — **quick run**" if r.get("quick") else "") + ". Systems compared within this run only.", ""]
    if verdicts:
        out += head
    if r.get("updated"):
        out += ["Re-run afterwards (`--update`): " + ", ".join(f"{k} at {v}" for k, v in r["updated"].items()), ""]
    if "cli" in r:
        c = r["cli"]
        out += [f"## CLI start-up (median of {c['runs']} runs each, alternated, same interpreter)", "",
                "| command | median | min | × floor | paired × floor |", "|---|---|---|---|---|"]
        for row in c["rows"].values():
            out.append(f"| {row['label']} | {fmt(row['median_ms'])} ms | {fmt(row['min_ms'])} ms | "
                       f"{fmt(row['ratio'])}× | {fmt(row['paired_ratio'])}× |")
        out += ["", f"Target: `who --json` within {fmt(c['target_ratio'])}× the floor "
                    f"(`python -c 'import click, yaml, sqlite3'`).", ""]
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
    for name in ("overhead", "burst"):
        share = (r.get(name) or {}).get("daemon_share")
        if share:
            out += [f"## {name}: the daemon's own share, StasisStart read → first originate written (ms)", "",
                    "| figure | median | p95 | p99 | calls |", "|---|---|---|---|---|",
                    f"| wall (answer and greeting start awaited) | {_ms(share['wall_ms'])} |",
                    f"| own (nothing awaited from Asterisk) | {_ms(share['own_ms'])} |", "",
                    "From the daemon's ARI trace (`ASTREINTE_ARI_TRACE`, bench/share.py). Target (issue 18): own "
                    "p50 ≤ 1 ms, p99 ≤ 3 ms.", ""]
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
    if (r.get("baseline") or {}).get("runs"):
        b = r["baseline"]
        out += [f"## Burst CPU beside the baseline ({b['baseline']}, the code issue 18 measured), "
                f"{b['calls']} callers, alternated", "",
                "| run | code | daemon CPU per call | Asterisk CPU per call | failed | silent | consistent rows |",
                "|---|---|---|---|---|---|---|",
                *(f"| {i} | {x['which']} | {x['daemon_ms']} ms | {x['asterisk_ms']} ms | {x['failed']} | "
                  f"{x['silent_callers']} | {x['consistent_rows']} of {x['calls']} |"
                  for i, x in enumerate(b["runs"], start=1)),
                "", f"Current ÷ baseline: **{fmt(b['ratio'])}** (target ≤ 0.5: at most half of the CPU the "
                    "baseline's daemon takes for the same calls on the same machine). Both daemons have the "
                    "same configuration (team `burst` only) and no ARI trace.", ""]
    if "human" in r:
        hu = r["human"]
        out += [f"## Time to a human (s; {fmt(hu['greeting_s'])} s greeting, the phone rings {fmt(hu['ring_s'])} s, "
                f"a mobile presses 1 {fmt(hu['dtmf_after_answer_s'])} s after answering; {hu['rounds']} calls "
                "per cell and system, side by side)", "",
                "| cell | physical floor | astreinte median (p95, min–max) | target | FollowMe | FollowMe `d` "
                "| Dial + `U()` | met | beats all natives |", "|---|---|---|---|---|---|---|---|---|"]
        for name, row in hu.get("cells", {}).items():
            v = row["verdict"]
            ours = row["astreinte"]
            cells = [_human(row[system]) for system in NATIVE]
            out.append(f"| {name} | {fmt(row['physical_floor_s'])} | {_human(ours)} ({fmt(ours.get('p95'))}, "
                       f"{fmt(ours.get('min'))}–{fmt(ours.get('max'))}) | ≤ {fmt(v['target_s'])} | "
                       + " | ".join(cells) + f" | {yes_no(v['met'])} | {yes_no(v['beats_all'])} |")
        out += ["", "Softphone cells: the natives without the callee's confirmation (FollowMe "
                "`enable_callee_prompt=false`, `Dial()` without `U()`), as astreinte's `confirm: external` "
                "treats a softphone; mobile cells: every system asks for the 1.", ""]
    for name in ("who", "soak", "chaos"):
        if name in r:
            part = r[name]
            out += [f"## {name}", ""]
            if "output" in part:
                out += ["```", *part["output"][-15:], "```", f"exit {part['exit']}, {part['seconds']} s", ""]
            else:
                out += [str(part), ""]
    return "\n".join(out) + "\n"
