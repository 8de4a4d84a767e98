"""Issue 15, item 7 against the real lab: the call log survives a ``kill -9`` mid-message and a full
disk. The full disk is real: a 12 MB tmpfs mounted for the test, filled, then freed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from astreinte.dialplan import TRACE_FAMILY
from lab import phones
from lab.observer import Observer
from tests.helpers.daemon import REPO, call_log, lab_config
from tests.helpers.lab import PORT, bridged, team

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

VOICEMAIL = 'voicemail: {greeting: "Laissez un message.", max_length: 30s, max_silence: 20s}\n'


def messages(config: Path) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "astreinte", "--config", str(config), "messages", "--json"],
                          capture_output=True, text=True, check=True, cwd=REPO)
    return list(json.loads(done.stdout))


async def test_a_message_recorded_when_the_daemon_is_killed_is_filed_and_its_call_closed_on_restart(
        lab: Any, run_daemon: Any, tmp_path: Path) -> None:
    pbx_recordings = lab.root / "var/spool/asterisk/astreinte"     # the PBX tiers' folder, seen from the daemon
    config = lab_config(lab, tmp_path, team(("alice",), ring="2s", on_no_answer="voicemail", extra=VOICEMAIL),
                        extra=f"daemon: {{fallback: {{recordings_dir: {pbx_recordings}}}}}")
    first = await run_daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = await phones.call("1000", tmp_path, speaks_after_ms=500, hold_ms=13000)   # speaks 7 s, gone at 13.5 s
    await first.wait_for_line("recording a message", timeout=20)
    await asyncio.sleep(1.0)
    assert first.proc is not None
    first.proc.kill()                                     # kill -9 while the caller speaks
    await first.proc.wait()
    # Asterisk 22 cuts the recording short when the app's WebSocket goes ("Took too long, cutting it
    # short"); the caller then leaves Stasis() for the PBX tiers, which record the rest. The next daemon
    # files one message for the call (the first recording it meets) and names the other in the call's steps
    assert await caller.done(40) == 0, caller.output
    await alice.stop()
    second = await run_daemon(config)
    await second.wait_for_line("left in progress by a stopped daemon", timeout=30)
    (row,) = await call_log(config, timeout=20)
    assert (row["outcome"], row["reason"]) == ("voicemail", "daemon_restarted"), row
    (message,) = await asyncio.to_thread(messages, config)
    audio = Path(message["path"])
    assert message["call_id"] == row["id"] and audio.exists() and audio.stat().st_size > 8000, "a partial message"
    assert message["duration"] is not None and message["duration"] >= 1.0, message
    needle = f"imported call {row['id']}"
    if not any(needle in line for line in second.lines) and f"/{row['id']}/" not in lab.cli(
            f"database show {TRACE_FAMILY}"):
        return                                 # the caller left with Stasis(): the PBX tiers never had them
    imported = await second.wait_for_line(needle, timeout=20)       # the PBX's part, merged into the row
    (again,) = await call_log(config)
    assert (again["outcome"], again["reason"]) == ("voicemail", "daemon_restarted"), again
    if ", message #" not in imported:
        return                                 # the PBX's recording was too short to be a message
    with contextlib.closing(sqlite3.connect(tmp_path / "astreinte.db")) as db:
        steps = "\n".join(d for (d,) in db.execute("SELECT detail FROM call_events WHERE call_id = ?", [row["id"]]))
    assert len(await asyncio.to_thread(messages, config)) == 1, "one message for the call"
    other = re.search(r"(/\S+\.wav)[;,]? .*message(?: is)? #" + str(message["id"]), steps)
    assert other, f"the call's other recording is named in its steps:\n{steps}"
    kept = pbx_recordings / Path(other[1]).name if "/var/spool/asterisk/" in other[1] else Path(other[1])
    assert kept.exists(), "both recordings are kept: nothing the caller said is lost"


@contextlib.contextmanager
def small_disk(path: Path, size: str = "12m") -> Iterator[Path]:
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    # unbuffered, and the error suppressed outside the file: a buffered file's close flushes the bytes a
    # partial write left behind, and raises ENOSPC again there
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as out:
        while True:
            out.write(b"\xff" * 65536)
    return filler


async def one_call(observer: Observer, tmp_path: Path, name: str) -> None:
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path / name, ring_ms=200)
    caller = await phones.call("1000", tmp_path / name, hold_ms=2000)
    await bridged(observer, "alice")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    observer.seen.clear()


async def test_a_full_disk_loses_no_call_and_the_daemon_restarts_on_it(
        lab: Any, run_daemon: Any, observer: Observer, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        config = lab_config(lab, tmp_path, team(("alice",)))
        config.write_text(config.read_text().replace(f"database: {tmp_path / 'astreinte.db'}",
                                                     f"database: {disk / 'astreinte.db'}"))
        daemon = await run_daemon(config)
        await one_call(observer, tmp_path, "before")
        await call_log(config, count=1)
        filler = fill(disk)
        await one_call(observer, tmp_path, "full")
        await daemon.wait_for_line("the call log cannot be written", timeout=15)
        assert daemon.proc is not None
        daemon.proc.send_signal(signal.SIGTERM)           # a restart on the full disk, the rota unchanged
        assert await daemon.proc.wait() == 0
        again = await run_daemon(config)                  # "ready: taking calls": it started
        await one_call(observer, tmp_path, "restarted")
        rows = await call_log(config, count=1)
        assert len(rows) == 1, "nothing written while the disk is full"
        filler.unlink()                                   # space is back
        await again.wait_for_line("are now in it", timeout=20)
        rows = await call_log(config, count=3)
        assert [row["outcome"] for row in rows] == ["answered"] * 3 and all(row["answered_by"] == "alice"
                                                                            for row in rows), rows
        assert again.proc is not None
        again.proc.send_signal(signal.SIGTERM)
        await again.proc.wait()
