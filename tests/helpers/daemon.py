"""The real daemon as a subprocess (as in production), its CLI, and lab configurations for it.

The e2e tests drive ``python -m astreinte run`` black-box: they read its log lines, its exit status,
``astreinte calls --json`` and what Asterisk and the SIP phones saw, never its internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.helpers.timing import scaled

REPO = Path(__file__).resolve().parents[2]
READY = "ready: taking calls"


def lab_config(lab: Any, tmp_path: Path, teams: str, people: str | None = None, extra: str = "",
               outbound: str = "PJSIP/{number}@trunk-out") -> Path:
    """A configuration for the lab: real credentials of the lab, prompts inside its Asterisk root; its
    dialplan written into the lab's Asterisk (the entry point takes the configured numbers only)."""
    people = people or """
      alice: {name: Alice Martin, phones: [PJSIP/alice]}
      bob: {name: Bob Durand, phones: [PJSIP/bob]}
      carol: {name: Carol Petit, phones: [PJSIP/carol]}
      dave: {name: David Moreau, phones: [PJSIP/dave]}
      reception: {name: Accueil, phones: [PJSIP/reception]}
    """
    text = f"""\
timezone: Europe/Paris
database: {tmp_path / "astreinte.db"}
asterisk:
  ari: {{url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}}
  ami: {{host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}}
  outbound: "{outbound}"
  prompts: {{dir: {lab.prompts_dir}, asterisk_dir: {lab.prompts_asterisk_dir}}}
  recordings: {lab.spool_dir / "recording"}
holidays: {{country: FR}}
people:
{textwrap.indent(textwrap.dedent(people).strip(), "  ")}
teams:
{textwrap.indent(textwrap.dedent(teams).strip(), "  ")}
{textwrap.dedent(extra).strip()}
"""
    path = tmp_path / "config.yaml"
    path.write_text(text)
    write_dialplan(lab, path)
    return path


def write_dialplan(lab: Any, config: Path) -> None:
    """What a user does after changing the numbers: ``astreinte dialplan write --reload`` into the lab's
    Asterisk (its entry point takes the configured numbers only, so every configuration needs its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "astreinte", "--config", str(config), "dialplan", "write",
         "-o", str(lab.etc_dir / "extensions_astreinte.conf"), "--reload"],
        capture_output=True, text=True, cwd=REPO, timeout=scaled(60))
    assert done.returncode == 0 and "dialplan reloaded" in done.stdout, done.stdout + done.stderr


class DaemonProcess:
    """``astreinte --config CONFIG run`` and every line it logged."""

    def __init__(self, config: Path, *, env: dict[str, str] | None = None, cwd: Path = REPO) -> None:
        self.config = config
        self.env = env or {}                 # added to the environment (e.g. libfaketime's: another clock)
        self.cwd = cwd                       # its package comes from here (bench/baseline.py: an older one)
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self, ready: str | None = READY) -> DaemonProcess:
        """Start it; wait for ``ready`` in its log (None: do not wait, e.g. it is meant to fail). Started
        again after a stop, it waits for this start's ``ready``, not the last one's."""
        since = self.mark
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astreinte", "--config", str(self.config), "run",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env, cwd=self.cwd)
        self._reader = asyncio.create_task(self._read())
        if ready is not None:
            await self.wait_for_line(ready, timeout=20, since=since)
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self._changed.set()

    @property
    def mark(self) -> int:
        """The number of lines so far: ``wait_for_line(..., since=mark)`` ignores the earlier ones."""
        return len(self.lines)

    def count(self, needle: str) -> int:
        return sum(needle in line for line in self.lines)

    async def wait_for_line(self, needle: str, timeout: float = 10.0, *, since: int = 0) -> str:
        """The first line from line ``since`` on that holds ``needle``; fails after ``timeout`` (scaled)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + scaled(timeout)
        while True:
            for line in self.lines[since:]:
                if needle in line:
                    return line
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"daemon exited ({self.proc.returncode}) before logging {needle!r}:\n"
                                     + self.log())
            left = end - loop.time()
            if left <= 0:
                raise AssertionError(f"daemon never logged {needle!r}:\n" + self.log())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def exited(self, timeout: float) -> int:
        """Its exit status, once it exits by itself within ``timeout`` (scaled)."""
        assert self.proc is not None
        try:
            code = await asyncio.wait_for(self.proc.wait(), scaled(timeout))
        except TimeoutError:
            raise AssertionError(f"the daemon did not exit within {scaled(timeout):.0f} s:\n" + self.log()) from None
        if self._reader is not None:       # every line it wrote before exiting
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._reader, scaled(5))
        return code

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def log(self) -> str:
        return "\n".join(self.lines[-80:])

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), scaled(40))
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return self.proc.returncode if self.proc.returncode is not None else -1


async def cli(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``astreinte --config CONFIG ARGS...`` as a user types it (a subprocess), stdout and stderr kept apart."""
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "astreinte", "--config", str(config), *args],
        capture_output=True, text=True, cwd=REPO, timeout=scaled(60))
    if check:
        assert done.returncode == 0, f"astreinte {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    return done


async def call_log(config: Path, *, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
    """``astreinte calls --json`` once ``count`` calls are complete (the daemon writes as calls end)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + scaled(timeout)
    rows: list[dict[str, Any]] = []
    while loop.time() < end:
        rows = json.loads((await cli(config, "calls", "--json")).stdout)
        if len(rows) >= count and all(row["outcome"] != "in_progress" for row in rows):
            return rows
        await asyncio.sleep(0.3)
    raise AssertionError(f"the call log never held {count} completed call(s): {rows}")
