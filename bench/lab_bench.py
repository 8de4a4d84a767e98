"""The lab for the benchmarks, and the two signalling benchmarks of issues 4 and 8.

One lab Asterisk (its own run id) and one daemon serve every benchmark of a run; the
native systems it is compared with (plain ``Dial()``, Dial sequences, FollowMe) live in
asterisk_conf/extensions_bench.conf, reached from the bench trunk (127.0.0.1:5074-5077).

- ``overhead``: caller's INVITE (sent, caller's sipp) -> first phone's INVITE (received,
  phone's sipp), through astreinte and through plain ``Dial()``, one call at a time,
  alternating.
- ``hunt_reaction``: the first level's CANCEL (ring timeout) or 486 -> the next level's
  INVITE, through astreinte and through a dialplan Dial sequence, alternating.

Times come from sipp's message logs (all processes read the same clock). Nothing asserts a
timing: the figures are printed and returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.stats import ratio, summary
from lab import phones
from lab.observer import Observer
from lab.pbx import LabPbx
from tests.helpers.daemon import REPO, DaemonProcess, lab_config

PORT = {"alice": 5081, "bob": 5082, "carol": 5083, "dave": 5084, "mobile": 5086,
        "fm1": 5091, "fm2": 5092, "fmd1": 5093, "fmd2": 5094, "du1": 5095, "du2": 5096}
GREETING_TEXT = ("Bonjour, vous êtes en relation avec l'astreinte du support technique. "
                 "Nous recherchons la personne de garde, merci de patienter quelques instants.")
GREETINGS = {"6": 6.0, "4": 4.62}     # file astreinte-bench/greeting<key>.wav, seconds


def team(name: str, numbers: list[str], layers: tuple[str, ...], *, ring: str = "20s",
         confirm: bool | str = False, greeting: str = "Astreinte de test.", strategy: str = "linear",
         on_no_answer: str = "hangup", confirm_timeout: str = "10s", extra: str = "") -> str:
    layer_yaml = "\n".join(
        f"    - name: l{i}\n      rotation: {{members: [{person}], every: 1 week, handoff: 'monday 09:00', "
        f"start: 2026-11-02}}" for i, person in enumerate(layers, start=1))
    nums = ", ".join(f'"{n}"' for n in numbers)
    return (f"{name}:\n  numbers: [{nums}]\n  greeting: \"{greeting}\"\n"
            f"  service_hours: {{weekdays: all-day, weekends: all-day}}\n"
            f"  hunt: {{strategy: {strategy}, ring_timeout: {ring}, rounds: 1, confirm: {str(confirm).lower()},"
            f" on_no_answer: {on_no_answer}, confirm_timeout: {confirm_timeout}{extra}}}\n  layers:\n{layer_yaml}\n")


MOBILE = "+33611223344"        # dialed through asterisk.outbound (trunk-out, 127.0.0.1:5086): it must press 1
PEOPLE = f"""
  alice: {{name: Alice Martin, phones: [PJSIP/alice]}}
  bob: {{name: Bob Durand, phones: [PJSIP/bob]}}
  carol: {{name: Carol Petit, phones: [PJSIP/carol]}}
  dave: {{name: David Moreau, phones: [PJSIP/dave]}}
  reception: {{name: Accueil, phones: [PJSIP/reception]}}
  mobile: {{name: Marc Mobile, phones: ["{MOBILE}"]}}
"""
# (first step, kind) -> the levels: the answering phone is alice/bob (softphones) or the mobile
LAYERS = {("0", "1"): ("alice", "bob"), ("5", "1"): ("alice", "bob"),
          ("0", "2"): ("mobile", "bob"), ("5", "2"): ("alice", "mobile")}

TEAMS = "".join([
    team("ovh", ["1000"], ("alice",)),                                   # overhead
    team("hunt", ["1100"], ("alice", "bob"), ring="1s"),                 # hunt reaction
    team("burst", ["1200"], ("alice", "bob", "carol"), strategy="ringall"),
    team("soak", ["1300"], ("alice",)),
    *(team(f"g{g}r{r}", [f"1{g}{r}"], ("alice", "bob"), ring=f"{20 if r == '0' else 5}s", confirm=True,
           greeting=f"sound:astreinte-bench/greeting{g}") for g in GREETINGS for r in ("0", "5")),
    # time to a human, issue 18: confirm only where a voicemail may answer, a greeting that gives way;
    # 1<G><S><K>: greeting G, first step S s (0: 20 s), K 1 a softphone answers, 2 a mobile (trunk-out)
    *(team(f"i{g}r{r}k{k}", [f"1{g}{r}{k}"], LAYERS[(r, k)], ring=f"{20 if r == '0' else 5}s", confirm="external",
           greeting=f"sound:astreinte-bench/greeting{g}", extra=", greeting_interruptible: true")
      for g in GREETINGS for r in ("0", "5") for k in ("1", "2")),
])


@dataclass
class BenchLab:
    pbx: LabPbx
    work: Path
    config: Path
    daemon: DaemonProcess
    observer: Observer
    code: Path = REPO                  # where the CLI's package comes from (bench/baseline.py: an older one)

    @property
    def daemon_pid(self) -> int:
        assert self.daemon.proc is not None
        return self.daemon.proc.pid

    @property
    def asterisk_pid(self) -> int:
        return int((self.pbx.run_dir / "pid").read_text().strip())

    async def calls(self, team_id: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """The call log rows of one team (``astreinte calls --team T --json``) once ``count`` are complete."""
        deadline = time.monotonic() + timeout
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "astreinte", "--config", str(self.config), "calls", "--team", team_id,
                "--json", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=self.code)
            out, _ = await proc.communicate()
            rows = json.loads(out) if proc.returncode == 0 else []
            if len(rows) >= count and all(r["outcome"] != "in_progress" for r in rows):
                return rows
            await asyncio.sleep(0.5)
        return rows

    async def hangup(self, channel_id: str) -> None:
        session = self.observer._session
        assert session is not None
        async with session.delete(f"{self.observer.url}/channels/{channel_id}") as resp:
            await resp.read()


def write_greetings(pbx: LabPbx, work: Path) -> None:
    """Greetings of exact lengths (espeak-ng + sox, padded/trimmed) where Asterisk finds ``astreinte-bench/``."""
    folder = pbx.root / "usr/share/asterisk/sounds/astreinte-bench"
    folder.mkdir(parents=True, exist_ok=True)
    raw = work / "greeting-raw.wav"
    speech = subprocess.run(["espeak-ng", "-v", "fr-fr", "-s", "150", "--stdout", GREETING_TEXT],
                            capture_output=True, check=True).stdout
    subprocess.run(["sox", "-t", "wav", "-", "-D", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(raw)], input=speech, check=True)
    for key, seconds in GREETINGS.items():       # the text is longer than both: cut at the exact length
        path = folder / f"greeting{key}.wav"
        subprocess.run(["sox", str(raw), "-D", str(path), "trim", "0", f"{seconds:.3f}"], check=True)
        length = float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True).stdout)
        if abs(length - seconds) > 0.01:
            raise RuntimeError(f"{path} lasts {length:.3f} s, expected {seconds:.3f} s")


@contextlib.asynccontextmanager
async def bench_lab(run_id: str, work: Path, conf_dir: Path | None = None) -> AsyncIterator[BenchLab]:
    work.mkdir(parents=True, exist_ok=True)
    pbx = await asyncio.to_thread(LabPbx.start, run_id, *(() if conf_dir is None else (conf_dir,)))
    try:
        write_greetings(pbx, work)
        config = lab_config(pbx, work, TEAMS, people=PEOPLE)
        trace = work / "ari-trace.txt"          # the daemon's ARI timing trace (bench/share.py)
        trace.unlink(missing_ok=True)
        daemon = await DaemonProcess(config, env={"ASTREINTE_ARI_TRACE": str(trace)}).start()
        try:
            async with Observer() as observer:
                yield BenchLab(pbx, work, config, daemon, observer)
        finally:
            await daemon.stop()
    finally:
        await asyncio.to_thread(pbx.stop)


def _first_after(at: datetime, candidates: list[datetime], before: datetime | None = None) -> datetime | None:
    for c in candidates:
        if c >= at and (before is None or c < before):
            return c
    return None


def _asterisk_time(event: dict[str, Any]) -> datetime:
    """An ARI event's timestamp, as the naive local time sipp's logs use."""
    aware = datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return aware.astimezone().replace(tzinfo=None)


def _secs(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


async def _sequential_calls(lab: BenchLab, plan: list[tuple[str, str, int]], workdir: Path,
                            hold_ms: int) -> list[tuple[str, datetime]]:
    """Place the calls of ``plan`` ((system, number, port), ...) one after the other: (system, INVITE sent)."""
    sent: list[tuple[str, datetime]] = []
    for i, (system, number, port) in enumerate(plan):
        caller = await phones.call(number, workdir, hold_ms=hold_ms, port=port, name=f"c{i:04d}-{system}")
        await caller.done(30)
        invites = caller.sent("INVITE")
        if invites:
            sent.append((system, invites[0].at))
        await asyncio.sleep(0.15)        # let both sides finish the call before the next one
    return sent


async def overhead(lab: BenchLab, calls: int) -> dict[str, Any]:
    """Caller INVITE -> first phone INVITE, astreinte vs plain Dial(), ``calls`` each, alternating."""
    workdir = lab.work / "overhead"
    lab.observer.seen.clear()
    alice = await phones.phone("alice", PORT["alice"], "answer", workdir, ring_ms=100, calls=10 * calls + 10)
    await asyncio.sleep(0.2)
    plan = [p for _ in range(calls) for p in (("astreinte", "1000", 5070), ("dial", "1000", 5071))]
    sent = await _sequential_calls(lab, plan, workdir, hold_ms=150)
    await asyncio.sleep(0.5)
    await alice.stop()
    rung = [m.at for m in alice.received("INVITE")]
    greetings = sorted(_asterisk_time(s.event) for s in lab.observer.of_type("PlaybackStarted")
                       if "tts-" in s.event["playback"]["media_uri"])
    delays: dict[str, list[float]] = {"astreinte": [], "dial": []}
    margins: list[float] = []
    for i, (system, at) in enumerate(sent):
        nxt = sent[i + 1][1] if i + 1 < len(sent) else None
        got = _first_after(at, rung, nxt)
        if got is not None:
            delays[system].append(_secs(at, got))
        greeting = _first_after(at, greetings, nxt)
        if system == "astreinte" and got is not None and greeting is not None:
            margins.append(_secs(greeting, got))
    result: dict[str, Any] = {system: summary(values, 1000) for system, values in delays.items()}
    result["ratio"] = {k: ratio(result["astreinte"][k], result["dial"][k]) for k in ("median", "p95", "p99")}
    # the phone must ring after the greeting started (Asterisk's timestamps are truncated to the ms)
    result["greeting_to_phone"] = {**summary(margins, 1000), "phone_first": sum(1 for m in margins if m < 0)}
    result["unit"] = "ms"
    return result


async def hunt_reaction(lab: BenchLab, calls: int) -> dict[str, Any]:
    """First level's CANCEL (1 s timeout) or 486 -> second level's INVITE, astreinte vs a Dial sequence."""
    out: dict[str, Any] = {"unit": "ms"}
    for case, behaviour in (("timeout", "noanswer"), ("busy", "busy")):
        workdir = lab.work / f"hunt-{case}"
        lab.observer.seen.clear()
        alice = await phones.phone("alice", PORT["alice"], behaviour, workdir, ring_ms=3_600_000,
                                   calls=10 * calls + 10)
        bob = await phones.phone("bob", PORT["bob"], "busy", workdir, calls=10 * calls + 10)
        await asyncio.sleep(0.2)
        plan = [p for _ in range(calls) for p in (("astreinte", "1100", 5070), ("dial", "501", 5074))]
        sent = await _sequential_calls(lab, plan, workdir, hold_ms=1600)
        await asyncio.sleep(0.5)
        await alice.stop()
        await bob.stop()
        ends = [m.at for m in (alice.received("CANCEL") if case == "timeout" else alice.sent("486"))]
        rung = [m.at for m in bob.received("INVITE")]
        delays: dict[str, list[float]] = {"astreinte": [], "dial": []}
        for i, (system, at) in enumerate(sent):
            nxt = sent[i + 1][1] if i + 1 < len(sent) else None
            end = _first_after(at, ends, nxt)
            got = _first_after(at, rung, nxt)
            if end is not None and got is not None:
                delays[system].append(_secs(end, got))     # < 0: the INVITE left before the CANCEL
        res: dict[str, Any] = {system: summary(values, 1000) for system, values in delays.items()}
        res["ratio"] = {k: ratio(res["astreinte"][k], res["dial"][k]) for k in ("median", "p95", "p99")}
        out[case] = res
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, int]:
    """(RSS in MB, open file descriptors) of a process."""
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip()
