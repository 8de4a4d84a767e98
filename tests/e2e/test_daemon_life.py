"""The daemon's life as README and docs/operations.md tell it, against the lab: SIGTERM hands new calls
and calls past `shutdown_grace` to the dialplan and exits 0; `metrics.port: 0`
serves nothing; a call handed back counts as `tier="dialplan"`; the `agi` tier follows the CLI's overrides
while ARI is down; AstDB is written again after Asterisk restarts.

The daemon is a subprocess, read from the outside: its log, its exit status, what Asterisk logged and
stored, what the phones saw. Numbers 1601-1699 are this file's.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.clock import system_clock
from lab import phones
from tests.helpers.daemon import call_log, cli, lab_config
from tests.helpers.lab import PORT, TierLog, team
from tests.helpers.timing import wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

ARI_DOWN = ('url: "http://127.0.0.1:8088"', 'url: "http://127.0.0.1:8099"')


async def test_sigterm_hands_new_calls_and_calls_past_the_grace_to_the_dialplan(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), ring="6s", numbers='["1601"]'),
                        extra="daemon: {shutdown_grace: 3s}")
    log = TierLog(lab)
    process = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path, calls=3)
    first = await phones.call("1601", tmp_path, hold_ms=20000, name="first")      # answered by the daemon
    await process.wait_for_line("ringing alice")
    mark = process.mark
    process.signal(signal.SIGTERM)
    await process.wait_for_line("stopping: no new calls; 1 live call(s)", since=mark)
    second = await phones.call("1601", tmp_path, hold_ms=3000, port=5072, name="second")
    await process.wait_for_line("arrived while draining: dialplan fallback", since=mark)
    # the first call is still hunting when the 3 s of grace are over (alice rings 6 s): handed back too
    await process.wait_for_line("handed to the dialplan fallback (daemon stopping)", since=mark, timeout=15)
    assert await process.exited(30) == 0, process.log()
    assert await first.done(60) == 0, first.output
    assert await second.done(60) == 0, second.output
    assert await alice.done(30) == 0
    assert len(alice.received("INVITE")) == 3, "alice: the daemon's hunt, then the fallback for each call"
    calls = log.calls("1601")
    assert len(calls) == 2, calls
    for tiers in calls:
        assert tiers[:2] == ["stasis", "agi"] and any(t.endswith("rings level 1 PJSIP/alice") for t in tiers), calls
    assert "astreinte fallback for 1601: daemon stopping" in log.text()


def refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


async def test_metrics_port_0_serves_nothing(lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1603"]'), extra="daemon: {metrics: {port: 0}}")
    await daemon(config)
    assert refused(9464), "the default metrics port answers although metrics.port is 0"
    status = await cli(config, "status", check=False)
    assert status.returncode == 1 and "daemon.metrics.port is 0: the status endpoint is disabled" in status.stderr


def scrape() -> str:
    with urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=3) as resp:
        return str(resp.read().decode())


async def test_a_call_handed_back_to_the_dialplan_counts_as_tier_dialplan(lab: Any, daemon: Any,
                                                                         tmp_path: Path) -> None:
    # The PBX still sends 1699 (its dialplan was written when a team had it), the configuration no
    # longer has it: the user forgot `astreinte dialplan write` after removing the number.
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1604", "1699"]'))
    config.write_text(config.read_text().replace('["1604", "1699"]', '["1604"]'))
    log = TierLog(lab)
    process = await daemon(config)
    caller = await phones.call("1699", tmp_path, hold_ms=6000)           # no team has 1699 any more
    await process.wait_for_line("arrived on unknown number 1699")
    assert await caller.done(30) == 0, caller.output
    assert log.calls("1699")[0][:2] == ["stasis", "agi"], "handed to the dialplan's fallback"
    (row,) = await call_log(config)
    assert (row["outcome"], row["reason"]) == ("failed", "unknown_number")
    await wait_until(lambda: 'astreinte_calls_total{outcome="failed"} 1.0' in scrape(), 10, "the call counted")
    text = scrape()
    assert 'astreinte_fallback_tier_total{tier="dialplan"} 1.0' in text, text


async def test_the_agi_tier_follows_the_cli_overrides_while_ari_is_down(lab: Any, daemon: Any,
                                                                        tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1605"]'))
    config.write_text(config.read_text().replace(*ARI_DOWN))
    log = TierLog(lab)
    process = await daemon(config, ready="FastAGI listening")
    await process.wait_for_line("ARI unavailable")
    now = system_clock().astimezone(ZoneInfo("Europe/Paris"))
    mark = process.mark
    await cli(config, "override", "add", "-t", "support", "-p", "bob", "--reason", "alice is ill",
              "--from", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "--to", (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await process.wait_for_line("overrides changed", since=mark)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1605", tmp_path, hold_ms=3000)
    assert await caller.done(30) == 0, caller.output
    assert await bob.done(30) == 0
    assert log.calls("1605") == [["stasis", "agi", "agi rings level 1 PJSIP/bob"]]


async def test_astdb_is_written_again_after_asterisk_restarts(lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1606"]'))
    process = await daemon(config)
    await process.wait_for_line("AstDB: wrote")
    lab.cli("database deltree astreinte/1606")
    assert "1606" not in lab.cli("database show astreinte/1606")
    mark = process.mark
    lab.cli("core restart now")
    await process.wait_for_line("AMI connected", since=mark, timeout=40)
    await process.wait_for_line("AstDB: wrote", since=mark, timeout=20)
    generation = lab.cli("database get astreinte 1606/current").split(":", 1)[-1].strip()
    assert generation in ("a", "b"), generation
    assert "PJSIP/alice" in lab.cli(f"database get astreinte 1606/{generation}/s1/dial1")
    await process.wait_for_line("ready: taking calls", since=mark, timeout=40)   # ARI back too


async def test_status_json_is_the_daemon_view(lab: Any, daemon: Any, tmp_path: Path) -> None:
    """`astreinte status --json` prints the daemon's /status (README): its links and who is on call."""
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1607"]'))
    await daemon(config)
    seen: list[dict[str, Any]] = []

    async def links_up() -> bool:
        seen.append(json.loads((await cli(config, "status", "--json")).stdout))
        return bool(seen[-1]["links"] == {"ari": True, "ami": True, "agi": True})

    for _ in range(20):                     # the daemon refreshes its links every few seconds
        if await links_up():
            break
        await asyncio.sleep(0.5)
    status = seen[-1]
    assert status["links"] == {"ari": True, "ami": True, "agi": True}, status
    assert [(c["team"], c["person"]) for c in status["on_call"]] == [("support", "alice")]
