"""Issue 15, item 6 against the real lab: a configuration caught half-written is never applied.

The file is rewritten in two halves, the first ending after the first team (valid YAML, a team
short). The daemon must keep the running rota (the other team's callers still reach their phone),
say where the file was cut, record no bogus publication; it applies the complete file, and applies a
team's removal made on purpose (``astreinte rota load``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import REPO, call_log, lab_config
from tests.helpers.lab import PORT

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


def team(name: str, number: str, person: str) -> str:
    return f"""
{name}:
  numbers: ["{number}"]
  greeting: "sound:beep"
  service_hours: {{weekdays: all-day, weekends: all-day}}
  hunt: {{strategy: linear, ring_timeout: 10s, rounds: 1, confirm: false, on_no_answer: hangup}}
  layers:
    - name: primary
      rotation: {{members: [{person}], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}}
"""


async def cli(config: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astreinte", "--config", str(config), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def reaches(observer: Observer, tmp_path: Path, number: str, person: str, name: str) -> None:
    phone = await phones.phone(person, PORT[person], "answer", tmp_path / name, ring_ms=300)
    call = await phones.call(number, tmp_path / name, hold_ms=2000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith(
        f"PJSIP/{person}-"), timeout=20, what=f"{person} bridged for {number}")
    assert await call.done(30) == 0 and await phone.done(30) == 0
    observer.seen.clear()


async def test_a_file_written_in_two_halves_is_never_applied_half_and_a_removal_on_purpose_is(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("support", "5401", "alice") + team("network", "5402", "bob"))
    daemon = await run_daemon(config)
    before = await cli(config, "rota", "log", "--changes")
    text = config.read_text() + "# edited: a comment only\n"
    cut = text.index("\n  network:") + 1                  # the first half ends after the first team
    with config.open("w") as out:                         # an editor, a cp, a configuration tool...
        out.write(text[:cut])
        out.flush()
        os.fsync(out.fileno())
        refused = await daemon.wait_for_line("refused, keeping the running rota", timeout=15)
        assert "teams.network" in refused and f"{config}:" in refused and "rota load" in refused, refused
        await reaches(observer, tmp_path, "5402", "bob", "during")      # still served, not unknown_number
        out.write(text[cut:])
    await daemon.wait_for_line("(file changed)", timeout=15)
    assert sum("refused, keeping the running rota" in line for line in daemon.lines) == 1, "warned once"
    await reaches(observer, tmp_path, "5402", "bob", "after")
    assert await cli(config, "rota", "log", "--changes") == before, "no bogus removal and re-addition"

    without = text[:cut]                                   # now on purpose: the network team is gone
    config.write_text(without)
    await daemon.wait_for_line("teams.network", timeout=15)
    await cli(config, "rota", "load")
    await daemon.wait_for_line("(rota load)", timeout=15)
    caller = await phones.call("5402", tmp_path / "gone", hold_ms=2000)
    await caller.done(30)
    rows = await call_log(config, count=3)
    assert [row["reason"] for row in rows][-1] == "unknown_number", rows
