"""Issue 15, items 3 and 5 against the real lab: AMI refused is reported and retried, never fatal; the
daemon speaks systemd's notify protocol, and a frozen one is killed by the watchdog and restarted.

The watchdog test runs the daemon under ``lab/supervisor.py``, which does what systemd does with the
settings of contrib/astreinte.service (this machine has no systemd as PID 1): a real NOTIFY_SOCKET
datagram socket, WATCHDOG_USEC, Restart=always.
"""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from astreinte.cli.status import fetch_status
from lab import phones
from lab.observer import Observer, channel_name
from lab.phones import TIMEOUT_FACTOR
from lab.supervisor import Supervisor
from tests.helpers.daemon import lab_config
from tests.helpers.lab import PORT
from tests.helpers.lab import plain_team as team
from tests.helpers.timing import wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

LATE_USER = """
[astreinte-late]
secret = late
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call,log,verbose,agent,user,config,dtmf,reporting,cdr,dialplan
write = system,call,agent,user,config,command,reporting,originate
"""


class Webhook:
    """A real HTTP endpoint for the daemon's notifications (what a chat webhook receives)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> Webhook:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        self.port = int(server.sockets[0].getsockname()[1])
        return self

    async def _hook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.Response(status=204)

    def kinds(self) -> list[str]:
        return [str(notice.get("kind")) for notice in self.received]


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = await Webhook().start()
    yield hook
    assert hook.runner is not None
    await hook.runner.cleanup()


def scrape() -> str:
    with urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=3) as resp:
        return str(resp.read().decode())


async def test_a_wrong_ami_secret_is_reported_and_retried_while_calls_are_hunted(
        lab: Any, run_daemon: Any, observer: Observer, webhook: Webhook, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5301", "alice"),
                        extra=f'notifications:\n  webhook: {{url: "http://127.0.0.1:{webhook.port}/hook"}}')
    config.write_text(config.read_text().replace("username: astreinte, secret: secret",
                                                 "username: astreinte-late, secret: late"))
    manager = lab.etc_dir / "manager.conf"
    shipped = manager.read_text()
    try:
        daemon = await run_daemon(config)             # ready: it did not exit 2
        refused = await daemon.wait_for_line("refused user 'astreinte-late'")
        assert "ERROR" in refused and "late" not in refused.split("user")[0]
        alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
        call = await phones.call("5301", tmp_path, hold_ms=3000)
        await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                                and channel_name(s).startswith("PJSIP/alice-"), timeout=20, what="alice bridged")
        assert await call.done(30) == 0 and await alice.done(30) == 0
        status = await asyncio.to_thread(fetch_status, "127.0.0.1", 9464)
        assert status["links"]["ami"] is False and "refused user 'astreinte-late'" in status["problems"]["ami"]
        text = await asyncio.to_thread(scrape)
        assert 'astreinte_link_refused{link="ami"} 1.0' in text and 'astreinte_link_up{link="ami"} 0.0' in text
        await wait_until(lambda: "link_down" in webhook.kinds(), 45, "the notice that AMI is unavailable")
        notice = webhook.received[webhook.kinds().index("link_down")]
        assert "refused user 'astreinte-late'" in str(notice["problem"]) and "AstDB" in str(notice["text"])
        manager.write_text(shipped + LATE_USER)      # the admin fixes manager.conf: no restart needed
        lab.cli("manager reload")
        await daemon.wait_for_line("AMI connected", timeout=30)
        await daemon.wait_for_line("AstDB: wrote", timeout=10)
        await wait_until(lambda: "link_up" in webhook.kinds(), 10, "the notice that AMI is back")
        status = await asyncio.to_thread(fetch_status, "127.0.0.1", 9464)
        assert status["links"]["ami"] is True and status["problems"] == {}
        assert daemon.proc is not None and daemon.proc.returncode is None
    finally:
        manager.write_text(shipped)
        lab.cli("manager reload")


async def test_the_daemon_speaks_systemds_notify_protocol_and_a_frozen_one_is_restarted(
        lab: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5302", "alice"))
    async with Supervisor(config, tmp_path) as systemd:
        assert systemd.watchdog == 10, "as contrib/astreinte.service says"
        assert systemd.heard("READY=1") and any("STATUS=taking calls" in n[2] for n in systemd.notes)
        first = systemd.proc
        assert first is not None
        await wait_until(lambda: len(systemd.heard("WATCHDOG=1")) >= 2, 12, "two heartbeats")
        beats = [at for at, _, _ in systemd.heard("WATCHDOG=1")]
        assert 4.0 <= beats[1] - beats[0] <= 6.0 * TIMEOUT_FACTOR, "a heartbeat every half WatchdogSec"
        first.send_signal(signal.SIGSTOP)               # frozen: no heartbeat any more
        await wait_until(lambda: systemd.starts == 2, 30, "the watchdog to kill and restart it")
        assert systemd.watchdog_kills == 1
        await systemd.wait_ready()
        assert any("ready: taking calls" in line for line in systemd.lines[-40:])
        alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
        async with Observer() as observer:
            call = await phones.call("5302", tmp_path, hold_ms=3000)
            await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                                    and channel_name(s).startswith("PJSIP/alice-"), timeout=20,
                                    what="alice bridged by the restarted daemon")
        assert await call.done(30) == 0 and await alice.done(30) == 0
        second = systemd.proc
        assert second is not None
        second.send_signal(signal.SIGTERM)
        await wait_until(lambda: any(pid == second.pid for _, pid, m in systemd.heard("STOPPING=1")), 10,
                         "STOPPING=1 from the daemon that drains")
    print(json.dumps(systemd.notes[-6:]))
