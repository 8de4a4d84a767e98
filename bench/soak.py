"""Soak: thousands of sequential calls through the lab and the real daemon; memory and fds at start and end.

    bash lab/isolated .venv/bin/python bench/soak.py --calls 2000

Each call: the trunk caller dials the team number, the daemon answers, plays a short
greeting (``sound:beep``), rings alice (a sipp phone that answers at once), bridges, and the
caller hangs up after ``--hold-ms`` (the next level when alice is still talking).
``--concurrency N`` calls at once (sipp ``-l N``; default one). Prints the daemon's
RSS and open file descriptors after a warm-up and at the end, and the call outcomes from
the call log; exits 1 if a call failed or the daemon grew more than ``--max-growth-mb``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lab import phones  # noqa: E402
from lab.pbx import LabPbx  # noqa: E402
from tests.helpers.daemon import DaemonProcess, lab_config  # noqa: E402

TEAM = """
support:
  numbers: ["1000"]
  greeting: "sound:beep"
  service_hours: {weekdays: all-day, weekends: all-day}
  hunt: {strategy: linear, ring_timeout: 10s, rounds: 1, confirm: false, on_no_answer: hangup}
  layers:
    - name: primary
      rotation: {members: [alice], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
    - name: backup
      rotation: {members: [bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
    - name: third
      rotation: {members: [carol], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
    - name: fourth
      rotation: {members: [dave], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""
PHONES = {"alice": 5081, "bob": 5082, "carol": 5083, "dave": 5084}


def usage(pid: int) -> tuple[float, int]:
    """(RSS in MiB, open file descriptors) of a process."""
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd"))


async def soak(calls: int, hold_ms: int, warmup: int, max_growth_mb: float, concurrency: int) -> int:
    pbx = LabPbx.start(f"soak{os.getpid()}")
    work = Path(tempfile.mkdtemp(prefix="astreinte-soak-"))
    daemon: DaemonProcess | None = None
    try:
        config = lab_config(pbx, work, TEAM)
        daemon = await DaemonProcess(config).start()
        assert daemon.proc is not None
        pid = daemon.proc.pid
        # a person talking on a call is skipped: with N calls at once, the next free level takes the call
        rung = [await phones.phone(name, port, "answer", work, ring_ms=20, calls=calls + warmup)
                for name, port in PHONES.items()]

        async def run(n: int, name: str) -> int:
            argv = ["sipp", "127.0.0.1:5060", "-sf", str(phones.SCENARIOS / "caller_uac.xml"), "-i", "127.0.0.1",
                    "-p", "5070", "-mp", "18000", "-s", "1000", "-key", "caller", "0611223344", "-m", str(n),
                    "-l", str(concurrency), "-r", "50", "-recv_timeout", str(hold_ms)]
            caller = await phones.Sipp(name, argv, work).start()
            return await caller.done(timeout=60 + n * 5)

        if warmup:
            await run(warmup, "warmup")
        rss0, fds0 = usage(pid)
        print(f"start (after {warmup} warm-up calls): daemon pid {pid} RSS {rss0:.1f} MiB, {fds0} open fds")
        t0 = time.monotonic()
        code = await run(calls, "soak")
        elapsed = time.monotonic() - t0
        await asyncio.sleep(2)
        rss1, fds1 = usage(pid)
        print(f"end   (after {calls} calls in {elapsed:.0f} s, {calls / elapsed:.1f} calls/s): "
              f"RSS {rss1:.1f} MiB ({rss1 - rss0:+.1f}), {fds1} open fds ({fds1 - fds0:+d})")
        for phone in rung:
            await phone.stop()
        with sqlite3.connect(work / "astreinte.db") as db:
            outcomes = dict(db.execute("SELECT outcome, count(*) FROM calls GROUP BY outcome").fetchall())
        print(f"call log: {outcomes}; sipp caller exit {code}")
        failed = code != 0 or set(outcomes) != {"answered"} or rss1 - rss0 > max_growth_mb or fds1 > fds0 + 5
        return 1 if failed else 0
    finally:
        if daemon is not None:
            print(f"daemon exit {await daemon.stop()}")
        pbx.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--hold-ms", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=1, help="calls at once (at most 3: four people)")
    args = parser.parse_args()
    return asyncio.run(soak(args.calls, args.hold_ms, args.warmup, args.max_growth_mb, min(3, args.concurrency)))


if __name__ == "__main__":
    sys.exit(main())
