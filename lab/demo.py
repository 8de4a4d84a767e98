"""`make demo`: one real call hunting through the sample rota, with a readable trace.

Starts the lab Asterisk, the sipp phones of the people on call, and the astreinte
daemon with ./config.yaml; dials the `lab` team (1999) from the trunk. The first
level's phone rings without answering, the second answers and presses 1, and the
caller is bridged. Then everything it started is stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lab import phones
from lab.pbx import REPO, LabPbx, LabUnavailable

RUN_ID = "demo"
NUMBER = "1999"
PORTS = {"alice": 5081, "bob": 5082, "carol": 5083, "dave": 5084, "reception": 5085}
MOBILE_PORT = 5086
HOLD_S = 18
console = Console(highlight=False, width=max(110, Console().width))


def demo_config(workdir: Path) -> Path:
    text = (REPO / "config.yaml").read_text()
    text = text.replace("/lab/dev/", f"/lab/{RUN_ID}/")
    text = re.sub(r"^database: .*$", f"database: {workdir / 'astreinte.db'}", text, flags=re.M)
    path = workdir / "config.yaml"
    path.write_text(text)
    return path


def who(config: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "astreinte", "--config", str(config), "who", "--team", "lab",
                          "--json"], capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


async def main() -> int:
    console.rule("[bold]astreinte demo")
    try:
        pbx = LabPbx.start(RUN_ID)
    except LabUnavailable as exc:
        console.print(f"[red]lab unavailable:[/] {exc}")
        return 1
    console.print(f"Asterisk {pbx.version} running on 127.0.0.1 (Debian sid, in {pbx.root})")
    started: list[phones.Sipp] = []
    daemon: asyncio.subprocess.Process | None = None
    workdir = Path(tempfile.mkdtemp(prefix="astreinte-demo-"))
    try:
        config = demo_config(workdir)
        status = who(config)
        chain = status["teams"][0]["chain"]  # type: ignore[index]
        table = Table(title=f"who is on call for team 'lab' (number {NUMBER}) now")
        for col in ("level", "layer", "person", "phones", "until", "phone behaviour in this demo"):
            table.add_column(col)
        behaviour = {}
        for i, link in enumerate(chain):
            behaviour[link["person"]] = "rings, never answers" if i == 0 else "answers after 1 s, presses 1"
            until = datetime.fromisoformat(link["until"]).strftime("%a %d %b %H:%M")
            table.add_row(str(link["level"]), link["layer"], link["name"], ", ".join(link["phones"]),
                          until, behaviour[link["person"]])
        console.print(table)
        for i, link in enumerate(chain):
            kind = "noanswer" if i == 0 else "dtmf1"
            for phone in link["phones"]:
                if phone.startswith("PJSIP/"):
                    name = phone.removeprefix("PJSIP/")
                    started.append(await phones.phone(name, PORTS[name], kind, workdir, ring_ms=1000))
                else:  # a mobile, dialed through asterisk.outbound (the lab's trunk-out): it rings, unanswered
                    started.append(await phones.phone("mobile", MOBILE_PORT, "noanswer", workdir))
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astreinte", "--config", str(config), "run",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: list[str] = []

        async def read() -> None:
            assert daemon is not None and daemon.stdout is not None
            async for raw in daemon.stdout:
                lines.append(raw.decode(errors="replace").rstrip())

        reader = asyncio.create_task(read())
        for _ in range(200):
            if any("ready: taking calls" in line for line in lines):
                break
            await asyncio.sleep(0.1)
        else:
            console.print("[red]the daemon did not start:[/]\n" + "\n".join(lines))
            return 1
        console.print(f"\nDialing {NUMBER} from 0611223344 on the trunk "
                      f"(the caller stays on the line {HOLD_S} s, then hangs up)...\n")
        caller = await phones.call(NUMBER, workdir, hold_ms=HOLD_S * 1000)
        rc = await caller.done(90)
        for _ in range(50):
            if any("finished:" in line for line in lines):
                break
            await asyncio.sleep(0.1)
        print_trace(lines)
        console.print(f"\ncaller's sipp: {'call completed' if rc == 0 else f'FAILED (exit {rc})'}")
        daemon.send_signal(signal.SIGTERM)
        await asyncio.wait_for(daemon.wait(), 40)
        await asyncio.wait_for(reader, 5)
        return 0 if rc == 0 else 1
    finally:
        if daemon is not None and daemon.returncode is None:
            daemon.kill()
            await daemon.wait()
        for phone in started:
            await phone.stop()
        pbx.stop()
        console.print("stopped the daemon, the phones and the lab Asterisk.")


_LINE = re.compile(r"^(\S+ \S+) \S+\s+astreinte\.call: call \S+: (.*)$")


def print_trace(lines: list[str]) -> None:
    console.rule("[bold]trace of the call")
    t0: datetime | None = None
    for line in lines:
        m = _LINE.match(line)
        if not m:
            continue
        at = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
        t0 = t0 or at
        for step in m.group(2).split(" | "):         # the steps of one moment share a line
            console.print(f"[dim]+{(at - t0).total_seconds():6.2f} s[/]  {step}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
