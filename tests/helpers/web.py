"""A real ``astreinte web`` process on a real database, for the integration tests of the console.

    server = WebServer.start(tmp_path, now="2026-11-04T10:00")   # the example rota, published, and accounts
    status, headers, body = server.http("GET", "/")             # a plain HTTP client, no redirect followed
    server.cli("who", "--json", now="2026-11-11T20:00")          # the CLI on the same configuration

    async with console_client(config_path, now) as client: ...   # the same console in-process (aiohttp)
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
ASTREINTE = Path(sys.executable).with_name("astreinte")
FACTOR = float(os.environ.get("ASTREINTE_TEST_TIMEOUT_FACTOR", "1"))
START_TIMEOUT = 20 * FACTOR
PASSWORDS = {"bob": "bob-password-1", "carol": "carol-password-1", "chef": "chef-password-1",
             "alice": "alice-password-1"}
ENV = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}


@contextlib.asynccontextmanager
async def console_client(config: Path, now: datetime) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The console of ``config`` at ``now``, served on a real socket of 127.0.0.1, and a client for it."""
    from astreinte.adapters.clock import fixed_clock
    from astreinte.web.app import build
    from astreinte.web.console import Console

    console = await Console.open(config, fixed_clock(now))
    server = TestServer(build(console), host="127.0.0.1", port=0)
    client: TestClient[web.Request, web.Application] = TestClient(server)
    await client.start_server()
    console.port = server.port
    try:
        yield client
    finally:
        await client.close()
        await console.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WebServer:
    folder: Path
    config: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(default_factory=Path)

    @classmethod
    def start(cls, folder: Path, *, now: str, web_block: str = "", users: bool = True) -> WebServer:
        config = folder / "config.yaml"
        shutil.copy(EXAMPLE, config)
        port = free_port()
        block = web_block or f"web:\n  listen: {{host: 127.0.0.1, port: {port}}}\n"
        config.write_text(config.read_text(encoding="utf-8") + "\n" + block.replace("PORT", str(port)),
                          encoding="utf-8")
        server = cls(folder, config, port, log=folder / "web.log")
        server.cli("rota", "load", now="2026-10-01T09:00")
        if users:
            server.cli("web", "user", "add", "bob", "--role", "employee", "--person", "bob", "--password-stdin",
                       stdin=PASSWORDS["bob"])
            server.cli("web", "user", "add", "carol", "--role", "employee", "--person", "carol", "--password-stdin",
                       stdin=PASSWORDS["carol"])
            server.cli("web", "user", "add", "chef", "--role", "manager", "--password-stdin", stdin=PASSWORDS["chef"])
        server.run(now)
        return server

    def env(self) -> dict[str, str]:
        return {**os.environ, **ENV, "ASTREINTE_CACHE": str(self.folder / "cache.sqlite")}

    def cli(self, *args: str, now: str | None = None, stdin: str | None = None, check: bool = True) -> str:
        command = [str(ASTREINTE), "--config", str(self.config), *(["--now", now] if now else []), *args]
        done = subprocess.run(command, input=(stdin + "\n") if stdin is not None else None, capture_output=True,
                              text=True, env=self.env(), timeout=60 * FACTOR)
        if check:
            assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def run(self, now: str) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(ASTREINTE), "--config", str(self.config), "--now", now, "web", "--log-level", "DEBUG"],
                stdout=out, stderr=subprocess.STDOUT, env=self.env(), start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"astreinte web exited {self.process.returncode}: {self.log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise AssertionError(f"astreinte web did not listen within {START_TIMEOUT:.0f} s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10 * FACTOR)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def http(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: str | None = None,
             source: str | None = None, host: str | None = None) -> tuple[int, dict[str, str], str]:
        """One request (no redirect followed): status, headers (lower-case names), body."""
        connection = http.client.HTTPConnection(host or self.host, self.port, timeout=30 * FACTOR,
                                                source_address=(source, 0) if source else None)
        try:
            sent = dict(headers or {})
            if body is not None:
                sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            got: dict[str, str] = {}
            for name, value in response.getheaders():
                got[name.lower()] = f"{got[name.lower()]}\n{value}" if name.lower() in got else value
            return response.status, got, response.read().decode()
        finally:
            connection.close()


class Client:
    """A signed-in HTTP user of a ``WebServer``: its cookies and the CSRF token of its pages."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, got, text = self.server.http(method, path, headers=sent, body=body)
        for line in got.get("set-cookie", "").splitlines():
            name, _, value = line.partition(";")[0].partition("=")
            if name.strip().startswith("astreinte"):
                self.cookies[name.strip()] = value.strip().strip('"')
        return status, got, text

    def post(self, path: str, fields: dict[str, str], csrf_from: str = "/") -> tuple[int, dict[str, str], str]:
        """A form as the page at ``csrf_from`` would send it (with its CSRF token)."""
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode({"csrf": self.csrf(csrf_from), **fields}))

    def csrf(self, path: str = "/") -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status, text[:300])
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, login: str, password: str | None = None) -> None:
        token = self.csrf("/login")
        status, headers, text = self.request("POST", "/login", f"csrf={token}&login={login}&password="
                                             f"{password or PASSWORDS[login]}&next=/")
        assert status == 303 and headers.get("location") == "/", (status, text[:300])
