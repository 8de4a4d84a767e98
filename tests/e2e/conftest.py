"""End-to-end fixtures: the real daemon (a subprocess, as in production) against the lab Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer
from lab.phones import TIMEOUT_FACTOR

REPO = Path(__file__).resolve().parents[2]


def lab_config(lab: Any, tmp_path: Path, teams: str, people: str | None = None, extra: str = "") -> Path:
    """A configuration for the lab: real credentials of the lab, prompts inside its Asterisk root."""
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
  outbound: "PJSIP/{{number}}@trunk-out"
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
    return path


class DaemonProcess:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> DaemonProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astreinte", "--config", str(self.config), "run",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env, cwd=REPO)
        self._reader = asyncio.create_task(self._read())
        await self.wait_for_line("ready: taking calls", timeout=20)
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self._changed.set()

    async def wait_for_line(self, needle: str, timeout: float = 10.0) -> str:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout * TIMEOUT_FACTOR
        while True:
            for line in self.lines:
                if needle in line:
                    return line
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"daemon exited ({self.proc.returncode}):\n" + self.log())
            left = end - loop.time()
            if left <= 0:
                raise AssertionError(f"daemon never logged {needle!r}:\n" + self.log())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def log(self) -> str:
        return "\n".join(self.lines[-80:])

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 40)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return self.proc.returncode if self.proc.returncode is not None else -1


@pytest.fixture
async def daemon(lab: Any) -> AsyncIterator[Callable[[Path], Awaitable[DaemonProcess]]]:
    started: list[DaemonProcess] = []

    async def start(config: Path) -> DaemonProcess:
        process = await DaemonProcess(config).start()
        started.append(process)
        return process

    yield start
    for process in started:
        code = await process.stop()
        print(f"--- daemon log (exit {code}) ---\n" + process.log())  # shown by pytest when a test fails


@pytest.fixture(autouse=True)
async def _no_leftover_phones() -> AsyncIterator[None]:
    yield
    await phones.stop_all()


@pytest.fixture
async def observer(lab: Any) -> AsyncIterator[Observer]:
    async with Observer() as obs:
        yield obs


async def call_log(config: Path, *, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
    """``astreinte calls --json`` once ``count`` calls are complete (the daemon writes as calls end)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout * TIMEOUT_FACTOR
    rows: list[dict[str, Any]] = []
    while loop.time() < end:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astreinte", "--config", str(config), "calls", "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO)
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        rows = json.loads(out)
        if len(rows) >= count and all(row["outcome"] != "in_progress" for row in rows):
            return rows
        await asyncio.sleep(0.3)
    raise AssertionError(f"the call log never held {count} completed call(s): {rows}")
