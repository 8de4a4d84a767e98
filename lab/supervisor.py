"""What systemd does with contrib/astreinte.service, for the lab (this machine has no systemd as PID 1).

    async with Supervisor(config, workdir) as daemon:     # starts `astreinte run`, waits for READY=1
        ...                                               # restarted after RestartSec if it exits or dies;
                                                          # killed (SIGABRT, then SIGKILL) when its WATCHDOG=1
                                                          # heartbeats stop for WatchdogSec

The settings are read from the unit file itself (WatchdogSec, RestartSec, TimeoutAbortSec), so the
lab runs what is shipped. Only the parts of systemd the daemon relies on: NOTIFY_SOCKET (a datagram
socket), WATCHDOG_USEC, WATCHDOG_PID, Restart=always.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "contrib" / "astreinte.service"


def unit_seconds(key: str, default: float, unit: Path = UNIT) -> float:
    """A ``KEY=N`` (seconds) of the shipped unit file."""
    found = re.search(rf"^{key}=(\d+(?:\.\d+)?)s?\s*$", unit.read_text(), re.MULTILINE)
    return float(found.group(1)) if found else default


@dataclass
class Supervisor:
    config: Path
    workdir: Path
    watchdog: float = field(default_factory=lambda: unit_seconds("WatchdogSec", 0))
    restart_after: float = field(default_factory=lambda: unit_seconds("RestartSec", 0.1))
    abort_grace: float = field(default_factory=lambda: unit_seconds("TimeoutAbortSec", 5))
    lines: list[str] = field(default_factory=list)          # every daemon's output, in order
    notes: list[tuple[float, int, str]] = field(default_factory=list)   # (loop time, pid, message)
    starts: int = 0
    watchdog_kills: int = 0
    proc: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _sock: socket.socket | None = None
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False
    _last_ping: float = 0.0

    @property
    def socket_path(self) -> Path:
        return self.workdir / "notify.sock"

    async def __aenter__(self) -> Supervisor:
        self.socket_path.unlink(missing_ok=True)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self.socket_path))
        self._sock.setblocking(False)
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._on_datagram)
        self._task = asyncio.create_task(self._keep_running())
        await self.wait_ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping = True
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGCONT)
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 45)
            except TimeoutError:
                self.proc.kill()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self.ready.wait(), timeout)

    def heard(self, message: str) -> list[tuple[float, int, str]]:
        return [note for note in self.notes if message in note[2]]

    def _on_datagram(self) -> None:
        assert self._sock is not None
        with contextlib.suppress(BlockingIOError):
            while True:
                data = self._sock.recv(4096).decode(errors="replace")
                now = asyncio.get_running_loop().time()
                pid = self.proc.pid if self.proc is not None else 0
                for line in data.splitlines():
                    self.notes.append((now, pid, line))
                    if line == "READY=1":
                        self.ready.set()
                    if line in ("WATCHDOG=1", "READY=1"):
                        self._last_ping = now

    async def _keep_running(self) -> None:
        """Restart=always: start, watch, and start again RestartSec after any end."""
        while not self._stopping:
            self.ready.clear()
            env = {**os.environ, "PYTHONUNBUFFERED": "1", "NOTIFY_SOCKET": str(self.socket_path)}
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "astreinte", "--config", str(self.config), "run",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                env=env | ({"WATCHDOG_USEC": str(int(self.watchdog * 1e6))} if self.watchdog else {}),
                cwd=REPO)
            self.starts += 1
            self._last_ping = asyncio.get_running_loop().time()
            reader = asyncio.create_task(self._read(self.proc))
            watcher = asyncio.create_task(self._watch(self.proc))
            await self.proc.wait()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(reader, 5)
            self.lines.append(f"--- supervisor: daemon {self.proc.pid} ended ({self.proc.returncode})")
            if not self._stopping:
                await asyncio.sleep(self.restart_after)

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    async def _watch(self, proc: asyncio.subprocess.Process) -> None:
        """WatchdogSec: no WATCHDOG=1 for that long -> SIGABRT, then SIGKILL after TimeoutAbortSec."""
        if not self.watchdog:
            return
        loop = asyncio.get_running_loop()
        while proc.returncode is None:
            await asyncio.sleep(0.2)
            if self.ready.is_set() and loop.time() - self._last_ping > self.watchdog:
                self.watchdog_kills += 1
                self.lines.append(f"--- supervisor: watchdog timeout for {proc.pid}: SIGABRT")
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGABRT)
                try:
                    await asyncio.wait_for(proc.wait(), self.abort_grace)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                return
