"""The running daemon follows the rota: file edits, SIGHUP and CLI overrides, and refuses a bad edit."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.clock import system_clock
from lab import phones
from lab.observer import Observer
from tests.helpers.daemon import call_log, cli, lab_config
from tests.helpers.lab import PORT, bridged, team

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def one_call(observer: Observer, tmp_path: Path, person: str, name: str) -> None:
    phone = await phones.phone(person, PORT[person], "answer", tmp_path / name, ring_ms=300)
    caller = await phones.call("1000", tmp_path / name, hold_ms=3000)
    await bridged(observer, person)
    assert await caller.done(30) == 0 and await phone.done(30) == 0
    observer.seen.clear()


def rewrite_keeping_mtime(path: Path, text: str) -> None:
    """Change the file without changing its modification time: only a SIGHUP can make the daemon read it."""
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns


async def test_edits_sighup_and_overrides_reach_the_next_call(lab: Any, daemon: Any, observer: Observer,
                                                             tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",)))
    proc = await daemon(config)
    await one_call(observer, tmp_path, "alice", "c1")

    text = config.read_text()
    mark = proc.mark
    config.write_text(text.replace("members: [alice]", "members: [bob]"))
    await proc.wait_for_line(f"reloaded {config} (file changed)", since=mark)
    await one_call(observer, tmp_path, "bob", "c2")

    mark = proc.mark
    config.write_text(text.replace("members: [alice]", "members: [carl]"))     # a typo
    refused = await proc.wait_for_line("reload (file changed) refused, keeping the running rota", since=mark)
    assert "teams.support.layers[0].rotation.members[0]" in refused and "carl" in refused
    await one_call(observer, tmp_path, "bob", "c3")                                 # nothing changed

    mark = proc.mark
    rewrite_keeping_mtime(config, text.replace("members: [alice]", "members: [dave]"))
    proc.signal(signal.SIGHUP)
    await proc.wait_for_line(f"reloaded {config} (SIGHUP)", since=mark)
    assert not any("(file changed)" in line for line in proc.lines[mark:]), "the file watcher saw no change"
    await one_call(observer, tmp_path, "dave", "c4")                                # the SIGHUP read the file

    now = system_clock().astimezone(ZoneInfo("Europe/Paris"))  # the daemon's clock; --from/--to: the configured zone
    window = ["--from", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "--to", (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")]
    mark = proc.mark
    await cli(config, "override", "add", "-t", "support", "-p", "carol", *window, "--reason", "test")
    await proc.wait_for_line("overrides changed", since=mark)
    await one_call(observer, tmp_path, "carol", "c5")

    rows = await call_log(config, count=5)
    assert [row["answered_by"] for row in rows] == ["alice", "bob", "bob", "dave", "carol"]
