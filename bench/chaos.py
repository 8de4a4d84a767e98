"""Chaos: hundreds of calls while faults are injected at random; every call accounted for at the end.

    bash lab/isolated .venv/bin/python bench/chaos.py                       # 500 calls over 10 minutes
    bash lab/isolated .venv/bin/python bench/chaos.py --calls 120 --minutes 3 --seed 7

The real daemon runs as systemd runs it (lab/supervisor.py: Restart=always, WatchdogSec from
contrib/astreinte.service), its ARI and AMI links through gates that can be closed. Faults, one
every ``--every`` seconds on average, at random: ``kill -9`` (restarted 1 s later), SIGSTOP for 10 s,
an Asterisk restart, the ARI port closed for 15 s, the AMI port closed for 15 s, a configuration
edit written in two halves (the first ending after the first team).

Callers (sipp, one unique caller number per call): 60 % call the support line (three people who
answer after 300 ms and end the conversation 3.5 s later; the caller waits up to 12 s after being
answered for someone: the issue's 5 s for the PBX tiers to take a caller from a dead or frozen
daemon, plus their ring), 10 % the voicemail line (nobody answers: a message), 15 % a slow line (the
person answers after 25 s, the caller gives up 5 s after the answer), 15 % are on the block list.
At the end each call is:

    answered      Asterisk bridged the caller with a phone (the daemon's bridge or a PBX tier's Dial)
    message       a message recorded: listed by ``astreinte messages``, or a PBX tier's Record() file
    hung up first the caller of the slow line left before anyone answered
    refused       a blocked caller, refused, and no phone rang for them
    PBX restart   placed while Asterisk itself was restarting, or cut by its restart (no software
                  can keep a call the PBX drops); counted apart, not hidden
    lost          anything else, listed one by one

Prints ``lost: N of CALLS`` and writes bench/results/chaos.json; the run's folder (printed) keeps the
daemon's log, Asterisk's console log (each channel's dialplan, its ``Channel will hangup at``) and sipp's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from astreinte.adapters.ari_http import basic_auth  # noqa: E402
from lab import phones  # noqa: E402
from lab.pbx import LabPbx  # noqa: E402
from lab.phones import SCENARIOS, Sipp  # noqa: E402
from lab.supervisor import Supervisor  # noqa: E402
from tests.helpers.daemon import lab_config  # noqa: E402

RESULTS = REPO / "bench" / "results"
FAULTS = ("kill9", "sigstop", "asterisk_restart", "ari_closed", "ami_closed", "config_halves")
# name: (port, behaviour, ring ms); the support people answer after 300 ms and hang up 3.5 s later
PHONES = {"alice": (5081, "talk", 300), "bob": (5082, "talk", 300), "reception": (5085, "talk", 300),
          "carol": (5083, "noanswer", 500), "dave": (5084, "answer", 25000)}
TALK_MS = 3500          # a support conversation: ended by the person who answered
PATIENCE_MS = {"support": 12000, "voicemail": 12000, "other": 5000}   # how long a caller stays after the answer


def layer(name: str, person: str) -> str:
    return (f"    - name: {name}\n      rotation: {{members: [{person}], every: 1 week, handoff: 'monday 09:00', "
            f"start: 2026-11-02}}\n")


def teams() -> str:
    hunt = "hunt: {{strategy: linear, ring_timeout: {ring}, rounds: 1, confirm: false, on_no_answer: {end}}}"
    always = "service_hours: {weekdays: all-day, weekends: all-day}"
    return (f"support:\n  numbers: ['1000']\n  greeting: 'sound:beep'\n  {always}\n"
            f"  {hunt.format(ring='6s', end='hangup')}\n  layers:\n"
            + layer("l1", "alice") + layer("l2", "bob") + layer("l3", "reception")
            + f"voicemail:\n  numbers: ['1100']\n  greeting: 'sound:beep'\n  {always}\n"
            f"  {hunt.format(ring='2s', end='voicemail')}\n"
            "  voicemail: {greeting: 'sound:beep', max_length: 20s, max_silence: 20s}\n  layers:\n"
            + layer("l1", "carol")
            + f"slow:\n  numbers: ['1200']\n  greeting: 'sound:beep'\n  {always}\n"
            f"  {hunt.format(ring='30s', end='hangup')}\n  layers:\n" + layer("l1", "dave"))


class Gate:
    """A TCP forwarder whose port can be closed (connections cut, new ones refused) and opened again."""

    def __init__(self, listen: int, target: int) -> None:
        self.listen, self.target = listen, target
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.listen)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.links):
            writer.close()
        self.links.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self.links -= {writer, up_writer}


@dataclass
class Watcher:
    """Every channel and bridge Asterisk reports (an ARI app subscribed to all), across its restarts."""

    callers: dict[str, str] = field(default_factory=dict)            # channel id -> caller number
    names: dict[str, str] = field(default_factory=dict)              # channel id -> channel name
    bridges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    async def run(self) -> None:
        app = f"chaoswatch-{random.randrange(1 << 30):x}"
        url = "ws://127.0.0.1:8088/ari/events"
        while True:
            try:
                async with aiohttp.ClientSession(headers={"Authorization": basic_auth("astreinte", "secret")}) as s, \
                        s.ws_connect(url, params={"app": app, "subscribeAll": "true"}) as ws:
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            self._seen(json.loads(msg.data))
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.3)

    def _seen(self, event: dict[str, Any]) -> None:
        channel = event.get("channel") or {}
        cid = str(channel.get("id", ""))
        if cid:
            self.names[cid] = str(channel.get("name", ""))
            number = str((channel.get("caller") or {}).get("number", ""))
            if number:
                self.callers[cid] = number
        if event.get("type") == "ChannelEnteredBridge":
            self.bridges[str(event["bridge"]["id"])].add(cid)

    def answered(self) -> dict[str, str]:
        """Caller number -> the phone Asterisk bridged them with."""
        out = {}
        for members in self.bridges.values():
            phone = next((self.names[m].split("-")[0] for m in members if re.match(
                r"PJSIP/(alice|bob|reception|carol|dave)-", self.names.get(m, ""))), None)
            if phone is None:
                continue
            for m in members:
                number = self.callers.get(m, "")
                if number.startswith("07"):
                    out[number] = phone
        return out


@dataclass
class Call:
    caller: str
    kind: str                   # support, voicemail, slow, blocked
    number: str
    invite_at: float = 0.0
    final: str = ""             # the final response to the INVITE ("200", "603"...), "" if none
    hung_up_first: bool = False


def scenario(work: Path, media: bool) -> Path:
    text = (SCENARIOS / ("caller_uac_rtp_loop.xml" if media else "caller_uac.xml")).read_text()
    path = work / f"chaos_{'rtp' if media else 'plain'}.xml"
    path.write_text(text.replace("[caller]", "[field0]").replace("[service]", "[field1]"))
    return path


def plan(count: int, rng: random.Random) -> list[Call]:
    kinds = rng.choices(["support", "voicemail", "slow", "blocked"], weights=[60, 10, 15, 15], k=count)
    number = {"support": "1000", "voicemail": "1100", "slow": "1200", "blocked": "1000"}
    return [Call(f"07{n:08d}", kind, number[kind]) for n, kind in enumerate(kinds, 1)]


async def callers(calls: list[Call], minutes: float, work: Path) -> list[Sipp]:
    """Three sipp callers (the trunk identifies ports 5070, 5072, 5073), each its share of the rate."""
    groups = {"support": ([c for c in calls if c.kind == "support"], 5070, PATIENCE_MS["support"], False),
              "voicemail": ([c for c in calls if c.kind == "voicemail"], 5072, PATIENCE_MS["voicemail"], True),
              "other": ([c for c in calls if c.kind in ("slow", "blocked")], 5073, PATIENCE_MS["other"], False)}
    started = []
    for name, (group, port, hold, media) in groups.items():
        if not group:
            continue
        csv = work / f"{name}.csv"
        csv.write_text("SEQUENTIAL\n" + "".join(f"{c.caller};{c.number};\n" for c in group))
        per_10s = max(1, round(len(group) / (minutes * 60) * 10))
        argv = ["sipp", "127.0.0.1:5060", "-sf", str(scenario(work, media)), "-inf", str(csv), "-i", "127.0.0.1",
                "-p", str(port), "-mp", str(20000 + port % 100 * 200), "-m", str(len(group)), "-r", str(per_10s),
                "-rp", "10000", "-l", "60", "-recv_timeout", str(hold)]
        started.append(await Sipp(f"chaos-{name}", argv, work).start())
    return started


async def inject(kind: str, systemd: Supervisor, pbx: LabPbx, gates: dict[str, Gate], config: Path,
                 restarts: list[tuple[float, float]]) -> None:
    proc = systemd.proc
    if kind == "kill9" and proc is not None and proc.returncode is None:
        proc.kill()
    elif kind == "sigstop" and proc is not None and proc.returncode is None:
        proc.send_signal(signal.SIGSTOP)
        await asyncio.sleep(10)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)
    elif kind == "asterisk_restart":
        begun = time.time()
        await asyncio.to_thread(pbx.cli, "core restart now")
        await asyncio.sleep(2)
        for _ in range(120):
            with contextlib.suppress(Exception):
                if "Asterisk" in await asyncio.to_thread(pbx.cli, "core show uptime"):
                    break
            await asyncio.sleep(0.5)
        restarts.append((begun, time.time()))
    elif kind in ("ari_closed", "ami_closed"):
        gate = gates[kind[:3]]
        await gate.close()
        await asyncio.sleep(15)
        await gate.open()
    elif kind == "config_halves":
        text = config.read_text() + f"# chaos edit {time.time():.0f}\n"
        cut = text.index("\n  voicemail:") + 1
        with config.open("w") as out:
            out.write(text[:cut])
            out.flush()
            await asyncio.sleep(5)
            out.write(text[cut:])


def outcomes(calls: list[Call], sippers: list[Sipp], watcher: Watcher, listed: set[str], recorded: set[str],
             rung: set[str], blocked: set[str], restarts: list[tuple[float, float]]) -> dict[str, list[Call]]:
    by_caller = {c.caller: c for c in calls}
    for sipp in sippers:
        dialogs: dict[str, list[Any]] = defaultdict(list)
        for message in sipp.messages():
            found = re.search(r"^Call-ID:\s*(\S+)", message.text, re.MULTILINE | re.IGNORECASE)
            if found:
                dialogs[found.group(1)].append(message)
        for dialog in dialogs.values():
            invite = next((m for m in dialog if m.direction == "sent" and m.method == "INVITE"), None)
            if invite is None or not (who := re.search(r"sip:(07\d{8})@", invite.text)):
                continue
            call = by_caller.get(who.group(1))
            if call is None:
                continue
            call.invite_at = invite.at.timestamp()
            finals = [m.method for m in dialog if m.direction == "received" and m.method.isdigit()
                      and int(m.method) >= 200 and "INVITE" in m.text.split("CSeq:", 1)[-1][:20]]
            call.final = finals[0] if finals else ""
            bye = [m for m in dialog if m.method == "BYE"]
            call.hung_up_first = bool(bye) and bye[0].direction == "sent"
    answered = watcher.answered()
    out: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        during_restart = any(start - 1 <= call.invite_at <= end + 1 for start, end in restarts) or any(
            call.invite_at < start and call.caller not in answered and call.caller not in listed | recorded
            and call.kind != "blocked" and start - call.invite_at < 20 for start, _ in restarts)
        if call.caller in answered and call.kind != "blocked":
            out["answered"].append(call)
        elif call.caller in listed or call.caller in recorded:
            out["message"].append(call)
        elif call.kind == "blocked" and call.caller not in rung and call.caller not in answered:
            out["refused"].append(call)
        elif call.kind == "slow" and call.hung_up_first:
            out["hung up first"].append(call)
        elif during_restart:
            out["PBX restart"].append(call)
        else:
            out["lost"].append(call)
    return out


async def chaos(count: int, minutes: float, every: float, seed: int, faults: tuple[str, ...] = FAULTS) -> int:
    rng = random.Random(seed)
    calls = plan(count, rng)
    blocked = {c.caller for c in calls if c.kind == "blocked"}
    pbx = LabPbx.start(f"chaos{seed}")
    work = Path(tempfile.mkdtemp(prefix="astreinte-chaos-"))
    gates = {"ari": Gate(8089, 8088), "ami": Gate(5039, 5038)}
    restarts: list[tuple[float, float]] = []
    injected: list[tuple[float, str]] = []
    try:
        extra = "blocklist: [" + ", ".join(f'"{n}"' for n in sorted(blocked)) + "]" if blocked else ""
        config = lab_config(pbx, work, teams(), extra=extra)
        config.write_text(config.read_text().replace("127.0.0.1:8088", "127.0.0.1:8089").replace("port: 5038",
                                                                                                "port: 5039"))
        for gate in gates.values():
            await gate.open()
        watcher = Watcher()
        watching = asyncio.create_task(watcher.run())
        ringing = [await phones.phone(name, port, "keys" if kind == "talk" else kind, work, ring_ms=ring,
                                      calls=count * 2, hang_up_ms=TALK_MS if kind == "talk" else None)
                   for name, (port, kind, ring) in PHONES.items()]
        async with Supervisor(config, work) as systemd:
            await asyncio.sleep(3)
            t0 = time.time()
            sippers = await callers(calls, minutes, work)
            while time.time() - t0 < minutes * 60 - 20:
                await asyncio.sleep(rng.expovariate(1 / every))
                if time.time() - t0 >= minutes * 60 - 20:
                    break
                kind = rng.choice(faults)
                injected.append((round(time.time() - t0, 1), kind))
                print(f"[{time.time() - t0:6.1f} s] fault: {kind}", flush=True)
                await inject(kind, systemd, pbx, gates, config, restarts)
            for sipp in sippers:
                with contextlib.suppress(AssertionError):
                    await sipp.done(timeout=minutes * 60 + 180)
            await asyncio.sleep(15)                        # the last calls' ends, the journal, the recovery
            listing = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "astreinte", "--config", str(config), "messages", "--json"],
                capture_output=True, text=True, cwd=REPO)
            listed_rows = json.loads(listing.stdout or "[]")
            daemon_log = list(systemd.lines)
            (work / "daemon.log").write_text("\n".join(daemon_log) + "\n")
            starts, kills = systemd.starts, systemd.watchdog_kills
        watching.cancel()
        for phone in ringing:
            await phone.stop()
        listed = {str(row["caller"]) for row in listed_rows}
        spool = pbx.root / "var/spool/asterisk/astreinte"
        recorded = {watcher.callers.get(p.stem.split("-", 1)[1], "") for p in spool.glob("*.wav")
                    if p.stat().st_size > 44} if spool.exists() else set()
        rung = set()
        for phone in ringing:
            rung |= {found.group(1) for m in phone.received("INVITE")
                     if (found := re.search(r"(07\d{8})", m.text.split("\n\n", 1)[0]))}
        result = outcomes(calls, sippers, watcher, listed, recorded, rung, blocked, restarts)
    finally:
        for gate in gates.values():
            await gate.close()
        with contextlib.suppress(OSError):          # kept beside daemon.log: the lost calls' channel history
            (work / "asterisk-console.log").write_text(pbx.console_log())
        pbx.stop()
    summary = {kind: len(items) for kind, items in sorted(result.items())}
    lost = result.get("lost", [])
    report = {"calls": count, "minutes": minutes, "seed": seed, "t0": t0, "faults": injected,
              "fault_counts": dict(Counter(kind for _, kind in injected)), "outcomes": summary,
              "daemon_starts": starts, "watchdog_kills": kills,
              "lost_calls": [vars(c) for c in lost],
              "pbx_restart_calls": [c.caller for c in result.get("PBX restart", [])],
              "daemon_errors": [line for line in daemon_log if " ERROR " in line][-20:], "work": str(work)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chaos.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: report[k] for k in ("fault_counts", "outcomes", "daemon_starts", "watchdog_kills")},
                     indent=1))
    for call in lost:
        print(f"  lost: {call.caller} ({call.kind}, {call.number}) INVITE at {call.invite_at:.1f}, "
              f"final {call.final or 'none'}, caller hung up first: {call.hung_up_first}")
    print(f"lost: {len(lost)} of {count} (daemon and Asterisk logs in {work})")
    return 1 if lost else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=45.0, help="mean seconds between two faults")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated subset of {','.join(FAULTS)}")
    args = parser.parse_args()
    faults = tuple(f for f in args.faults.split(",") if f in FAULTS) or FAULTS
    return asyncio.run(chaos(args.calls, args.minutes, args.every, args.seed, faults))


if __name__ == "__main__":
    sys.exit(main())
