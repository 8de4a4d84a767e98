"""A real softphone for the lab: baresip (Debian ``baresip-core``), headless, driven over ctrl_tcp.

``Baresip`` writes a config folder from ``lab/baresip/config.template`` and one account
line, starts ``baresip -f DIR -s`` (``-s``: SIP trace on stdout, kept in ``baresip.log``),
and keeps a ctrl_tcp connection that records every event (``REGISTER_OK``,
``REGISTER_FAIL``, ``CALL_INCOMING``, ``CALL_ESTABLISHED``, ``CALL_CLOSED``...).

    phone = await Baresip("zoe", password, tmp_path).start()
    await phone.register()                         # uanew: the account is created, REGISTER sent
    await phone.wait_event("REGISTER_OK")
    await phone.wait_event("CALL_ESTABLISHED")     # answermode=auto
    await phone.command("sndcode", "1")            # RFC 4733 digit
    await phone.unregister()                       # uadel: REGISTER Expires: 0, baresip keeps running
    await phone.stop()                             # quit
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.phones import TIMEOUT_FACTOR

TEMPLATE = Path(__file__).resolve().parent / "baresip" / "config.template"
_instances = itertools.count()


def available() -> bool:
    return shutil.which("baresip") is not None


def netstring(payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    return str(len(body)).encode() + b":" + body + b","


def parse_netstrings(buffer: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """The complete frames in ``buffer`` and what is left over."""
    frames: list[dict[str, Any]] = []
    while b":" in buffer:
        size, rest = buffer.split(b":", 1)
        length = int(size)
        if len(rest) < length + 1:
            break
        frames.append(json.loads(rest[:length]))
        buffer = rest[length + 1:]
    return frames, buffer


@dataclass
class Baresip:
    user: str
    password: str
    workdir: Path
    domain: str = "127.0.0.1"
    port: int = 5060
    transport: str = "udp"
    answermode: str = "auto"
    regint: int = 60
    events: list[dict[str, Any]] = field(default_factory=list)
    proc: asyncio.subprocess.Process | None = None
    _n: int = field(default_factory=lambda: next(_instances))
    _writer: asyncio.StreamWriter | None = None
    _reader_task: asyncio.Task[None] | None = None
    _responses: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def sip_port(self) -> int:
        return 5090 + self._n

    @property
    def ctrl_port(self) -> int:
        return 4444 + self._n

    @property
    def folder(self) -> Path:
        return self.workdir / f"baresip-{self.user}-{self._n}"

    @property
    def log_path(self) -> Path:
        return self.folder / "baresip.log"

    def account_line(self) -> str:
        return (f"<sip:{self.user}@{self.domain}:{self.port};transport={self.transport}>;auth_user={self.user};"
                f"auth_pass={self.password};answermode={self.answermode};regint={self.regint};"
                "audio_codecs=PCMU,PCMA")

    async def start(self) -> Baresip:
        self.folder.mkdir(parents=True, exist_ok=True)
        rtp = 20000 + 20 * self._n
        (self.folder / "config").write_text(TEMPLATE.read_text().format(
            sip_port=self.sip_port, ctrl_port=self.ctrl_port, rtp_low=rtp, rtp_high=rtp + 19))
        (self.folder / "accounts").write_text("")    # the account comes through ctrl_tcp (register())
        (self.folder / "accounts").chmod(0o600)
        log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            "baresip", "-f", str(self.folder), "-s", stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while True:
            try:
                reader, self._writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
                break
            except OSError:
                if self.proc.returncode is not None or time.monotonic() > deadline:
                    raise AssertionError(f"baresip never opened ctrl_tcp:\n{self.log()}") from None
                await asyncio.sleep(0.05)
        self._reader_task = asyncio.create_task(self._read(reader))
        return self

    async def _read(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        while chunk := await reader.read(65536):
            frames, buffer = parse_netstrings(buffer + chunk)
            for frame in frames:
                if frame.get("response"):
                    future = self._responses.pop(str(frame.get("token")), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                elif frame.get("event"):
                    frame["_at"] = time.monotonic()
                    self.events.append(frame)
                    self._changed.set()

    async def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict[str, Any]:
        assert self._writer is not None
        token = f"{command}-{time.monotonic_ns()}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._responses[token] = future
        self._writer.write(netstring({"command": command, "params": params, "token": token}))
        await self._writer.drain()
        return await asyncio.wait_for(future, timeout * TIMEOUT_FACTOR)

    async def wait_event(self, kind: str, timeout: float = 10.0,
                         where: Callable[[dict[str, Any]], bool] = lambda e: True,
                         after: float = 0.0) -> dict[str, Any]:
        """The first ``kind`` event (seen at or after ``after``, a time.monotonic()) matching ``where``."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout * TIMEOUT_FACTOR
        while True:
            for event in self.events:
                if event.get("type") == kind and event["_at"] >= after and where(event):
                    return event
            left = end - loop.time()
            if left <= 0:
                kinds = ", ".join(f"{e.get('type')}({e.get('param', '')})" for e in self.events[-15:])
                raise AssertionError(f"baresip {self.user}: no {kind} within {timeout} s; events: {kinds}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    @property
    def aor(self) -> str:
        """As baresip names the account (``accountaor`` of its events, what ``uadel`` wants)."""
        return f"sip:{self.user}@{self.domain}:{self.port}"

    async def register(self) -> float:
        """Create the account (``uanew``): baresip sends REGISTER; returns when it was asked."""
        asked = time.monotonic()
        response = await self.command("uanew", self.account_line())
        assert response.get("ok"), response
        return asked

    async def unregister(self) -> float:
        """Delete the account (``uadel``): baresip unregisters (Expires: 0) but keeps running."""
        asked = time.monotonic()
        response = await self.command("uadel", self.aor)
        assert response.get("ok"), response
        return asked

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == kind]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def sip_requests_received(self, method: str) -> int:
        """How many ``method`` requests the SIP trace (``-s``) shows arriving (``INVITE``)."""
        lines = self.log().splitlines()
        arriving = f"-> 127.0.0.1:{self.sip_port}"
        return sum(1 for here, after in itertools.pairwise(lines)
                   if here.endswith(arriving) and after.startswith(f"{method} "))

    async def stop(self) -> int:
        """``quit`` (unregisters), then terminate if it lingers; returns the exit status."""
        if self.proc is None:
            return -1
        if self.proc.returncode is None and self._writer is not None:
            with contextlib.suppress(OSError, TimeoutError, AssertionError):
                self._writer.write(netstring({"command": "quit", "params": "", "token": "quit"}))
                await self._writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        if self._writer is not None:
            self._writer.close()
        return self.proc.returncode if self.proc.returncode is not None else -1
