"""The running daemon follows the rota: file edits, SIGHUP and CLI overrides, and refuses a bad edit."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lab import phones
from lab.observer import Observer
from tests.e2e.conftest import REPO, call_log, lab_config
from tests.e2e.test_hunt import PORT, bridged, team

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def one_call(observer: Observer, tmp_path: Path, person: str, name: str) -> None:
    phone = await phones.phone(person, PORT[person], "answer", tmp_path / name, ring_ms=300)
    caller = await phones.call("1000", tmp_path / name, hold_ms=3000)
    await bridged(observer, person)
    assert await caller.done(30) == 0 and await phone.done(30) == 0
    observer.seen.clear()


async def test_edits_sighup_and_overrides_reach_the_next_call(lab: Any, daemon: Any, observer: Observer,
                                                             tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",)))
    proc = await daemon(config)
    await one_call(observer, tmp_path, "alice", "c1")

    text = config.read_text()
    config.write_text(text.replace("members: [alice]", "members: [bob]"))
    await proc.wait_for_line("(file changed)")
    await one_call(observer, tmp_path, "bob", "c2")

    config.write_text(text.replace("members: [alice]", "members: [carl]"))     # a typo
    refused = await proc.wait_for_line("refused, keeping the running rota")
    assert "teams.support.layers[0].rotation.members[0]" in refused and "carl" in refused
    await one_call(observer, tmp_path, "bob", "c3")                                 # nothing changed

    config.write_text(text.replace("members: [alice]", "members: [bob]"))
    await asyncio.sleep(2.5)
    assert proc.proc is not None
    proc.proc.send_signal(signal.SIGHUP)
    await proc.wait_for_line("(SIGHUP)")

    now = datetime.now(ZoneInfo("Europe/Paris"))     # --from/--to without offset: the configured zone
    window = ["--from", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "--to", (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")]
    await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "astreinte", "--config", str(config), "override", "add",
                         "-t", "support", "-p", "carol", *window, "--reason", "test"],
        check=True, capture_output=True, cwd=REPO)
    await proc.wait_for_line("overrides changed")
    await one_call(observer, tmp_path, "carol", "c4")

    rows = await call_log(config, count=4)
    assert [row["answered_by"] for row in rows] == ["alice", "bob", "bob", "carol"]
