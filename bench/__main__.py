"""``make bench``: every benchmark of the project, then bench/results/latest.json and latest.md.

    bash lab/isolated .venv/bin/python -m bench               # the full run (about 20 minutes)
    bash lab/isolated .venv/bin/python -m bench --quick       # a few calls of each (about 4 minutes)
    bash lab/isolated .venv/bin/python -m bench --only overhead,hunt --update   # re-run two, keep the rest

Benchmarks: ``cli`` (bench/cli_startup.py: ``astreinte who`` and ``who --json`` beside
``python -c 'import click, yaml, sqlite3'``, no lab), ``who`` (bench/bench_who.py, no lab),
then against one lab Asterisk and one daemon:
``overhead`` and ``hunt`` (bench/lab_bench.py), ``burst`` (bench/burst.py), ``baseline`` (bench/baseline.py:
the same burst through the code issue 18 measured and through today's, alternated), ``human``
(bench/human.py: issue 18's four cells, bench/targets.py), then the daemon's own share of each
overhead and burst call's start from its ARI trace (bench/share.py, ``ASTREINTE_ARI_TRACE``),
``soak`` (bench/soak.py, which starts its own lab), and last ``chaos``
(bench/chaos.py: calls under random faults, its own lab; ``--quick``: 60 calls over 2 minutes). Nothing asserts
a timing: the figures are printed and written, latest.md opening with the targets of issue 18 and
whether this run met them; the machine's load is recorded beside them. ``make bench`` and
``make bench-quick`` run this module (``BENCH_ARGS='--only human'`` passes arguments).
Compare systems only within one run: each benchmark alternates (or runs side by side) the
systems it compares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import baseline, burst, cli_startup, human, lab_bench, share
from bench.report import markdown

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
ALL = ("cli", "who", "overhead", "hunt", "burst", "baseline", "human", "soak", "chaos")


def _run_script(argv: list[str], timeout: float) -> dict[str, Any]:
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=timeout, cwd=REPO)
        code, out = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        code, out = -1, f"timed out after {timeout:.0f} s\n{partial}"
    print(out, flush=True)
    return {"exit": code, "seconds": round(time.monotonic() - started, 1), "output": out.strip().splitlines()[-40:]}


async def _lab(selected: set[str], quick: bool, results: dict[str, Any]) -> None:
    work = RESULTS / "work"
    shutil.rmtree(work, ignore_errors=True)        # sipp logs and the call log of this run only
    async with lab_bench.bench_lab(f"bench{os.getpid()}", work) as lab:
        results["asterisk"] = lab.pbx.version
        if "overhead" in selected:
            results["overhead"] = await lab_bench.overhead(lab, 15 if quick else 150)
            _show("overhead", results["overhead"])
        if "hunt" in selected:
            results["hunt"] = await lab_bench.hunt_reaction(lab, 8 if quick else 40)
            _show("hunt", results["hunt"])
        if "burst" in selected:
            results["burst"] = await burst.burst(lab, 60 if quick else burst.CALLS, burst.RATE)
            _show("burst", results["burst"])
        if "baseline" in selected:
            results["baseline"] = await baseline.compare(lab, 60 if quick else burst.CALLS, rounds=2)
            _show("baseline", results["baseline"])
        if "human" in selected:
            results["human"] = await human.time_to_human(lab, 3 if quick else 10)
            _show("human", results["human"])
    # the daemon's ARI trace is complete once it stopped: its own share of each call's start
    trace = work / "ari-trace.txt"
    if trace.exists():
        lines = trace.read_text().splitlines()
        for name, team in (("overhead", "1000"), ("burst", "1200")):
            if name in results:
                results[name]["daemon_share"] = share.daemon_share(lines, exten=team)
                _show(f"{name}: daemon share", results[name]["daemon_share"])


def _show(name: str, value: Any) -> None:
    print(f"== {name}\n{json.dumps(value, indent=1)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few calls of each benchmark")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    parser.add_argument("--soak-calls", type=int, default=None,
                        help="calls for bench/soak.py (default 200: it takes about one call a second)")
    parser.add_argument("--update", action="store_true",
                        help="merge these benchmarks into the existing latest.json instead of starting afresh")
    args = parser.parse_args()
    selected = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = selected - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous: dict[str, Any] = {}
    if args.update and (RESULTS / "latest.json").exists():
        previous = json.loads((RESULTS / "latest.json").read_text())
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
                    "load_before": os.getloadavg()},
        "quick": args.quick,
    }
    started = time.monotonic()
    if "cli" in selected:
        results["cli"] = cli_startup.startup(9 if args.quick else 31)
        print("\n".join(cli_startup.table(results["cli"])), flush=True)
    if "who" in selected:
        who_args = ["--teams", "50", "--queries", "20000", "--cli-runs", "5"] if args.quick else []
        results["who"] = _run_script(["bench/bench_who.py", *who_args], timeout=600)
    if selected & {"overhead", "hunt", "burst", "baseline", "human"}:
        asyncio.run(_lab(selected, args.quick, results))
    if "soak" in selected:
        soak = REPO / "bench" / "soak.py"
        if soak.exists():
            calls = args.soak_calls or (100 if args.quick else 200)
            results["soak"] = _run_script([str(soak), "--calls", str(calls)], timeout=1800)
        else:
            results["soak"] = {"skipped": "bench/soak.py not found"}
    if "chaos" in selected:
        argv = ["bench/chaos.py", *(["--calls", "60", "--minutes", "2", "--every", "20"] if args.quick else [])]
        results["chaos"] = _run_script(argv, timeout=2400)
    results["machine"]["load_after"] = os.getloadavg()
    results["seconds"] = elapsed = round(time.monotonic() - started, 1)
    if previous:
        updated = {name: results["started_at"] for name in selected}
        results = {**previous, **{k: v for k, v in results.items() if k in selected or k == "asterisk"},
                   "updated": {**previous.get("updated", {}), **updated}}
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "latest.md").write_text(markdown(results))
    print((RESULTS / "latest.md").read_text())
    print(f"written: {RESULTS / 'latest.json'}, {RESULTS / 'latest.md'} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
