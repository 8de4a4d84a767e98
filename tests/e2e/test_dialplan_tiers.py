"""The generated dialplan's own decisions, against the lab Asterisk: calls beyond
`daemon.max_concurrent_calls` skip Stasis (`ASTREINTE_REASON=too-many-calls`), and the `astdb` tier
dials the chain of the moment from segments stored days ahead (docs/operations.md).

The second test runs the daemon under faketime two days in the past: what it stores in AstDB is then
"ahead", and the call, placed now with the daemon gone, must reach who is on call now, not who was
two days ago. Numbers 1701-1799 are this file's.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer
from tests.helpers.ci import missing
from tests.helpers.daemon import REPO, cli, lab_config
from tests.helpers.lab import PORT, TierLog, bridged, team

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def write_dialplan(lab: Any, config: Path) -> str:
    """`astreinte dialplan write --reload` into the lab; returns the file it replaced (to put back)."""
    target = lab.etc_dir / "extensions_astreinte.conf"
    shipped = str(target.read_text())
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astreinte", "--config", str(config), "dialplan", "write", "-o", str(target),
        "--reload", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO)
    out, _ = await proc.communicate()
    assert proc.returncode == 0 and "dialplan reloaded" in out.decode(), out.decode()
    return shipped


async def test_calls_beyond_max_concurrent_calls_skip_stasis(lab: Any, daemon: Any, observer: Observer,
                                                             tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), numbers='["1701"]'), extra="daemon: {max_concurrent_calls: 1}")
    shipped = await write_dialplan(lab, config)
    try:
        log = TierLog(lab)
        await daemon(config)
        alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300, calls=2)
        first = await phones.call("1701", tmp_path, hold_ms=8000, name="first")
        await bridged(observer, "alice")                           # the daemon's call, in progress
        second = await phones.call("1701", tmp_path, hold_ms=3000, port=5072, name="second")
        assert await second.done(30) == 0, second.output
        assert await first.done(30) == 0 and await alice.done(30) == 0
        assert log.calls("1701") == [["stasis"], ["agi", "agi rings level 1 PJSIP/alice"]]
        assert "astreinte fallback for 1701: too-many-calls" in log.text()
    finally:
        (lab.etc_dir / "extensions_astreinte.conf").write_text(shipped)
        lab.cli("dialplan reload")


ROTA = """
support:
  numbers: ["1702"]
  greeting: "Astreinte de test."
  hunt: {strategy: linear, ring_timeout: 10s, rounds: 1, confirm: false, on_no_answer: hangup}
  layers:
    - name: daily
      rotation: {members: [alice, bob, carol], every: 1 day, handoff: "09:00", start: 2026-01-05}
"""


async def on_call(config: Path) -> str:
    shown = json.loads((await cli(config, "who", "--team", "support", "--json")).stdout)
    (team_view,) = shown["teams"]
    return str(team_view["chain"][0]["person"])


async def test_the_astdb_tier_dials_the_chain_of_the_moment_stored_days_ahead(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    libraries = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not libraries:
        missing("libfaketime", "make deb (apt-get install faketime)")
    two_days_ago = {"LD_PRELOAD": str(libraries[0]), "FAKETIME": "-2d", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    config = lab_config(lab, tmp_path, ROTA)
    log = TierLog(lab)
    # the library in the daemon's own process (the faketime command would stand between it and its signals)
    past = await daemon(config, env=two_days_ago)
    await past.wait_for_line("AstDB: wrote")
    assert await past.stop() == 0
    generation = lab.cli("database get astreinte 1702/current").split(":", 1)[-1].strip()
    assert int(lab.cli(f"database get astreinte 1702/{generation}/segments").split(":", 1)[-1]) >= 3
    stored_first = lab.cli(f"database get astreinte 1702/{generation}/s1/dial1").split(":", 1)[-1].strip()
    then_person = stored_first.removeprefix("PJSIP/")               # on call when the daemon wrote (2 days ago)
    now_person = await on_call(config)
    assert then_person != now_person, "two days apart, the daily rota has someone else on call"
    callee = await phones.phone(now_person, PORT[now_person], "answer", tmp_path, ring_ms=300)
    other = await phones.phone(then_person, PORT[then_person], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("1702", tmp_path, hold_ms=2000)
    assert await caller.done(30) == 0, caller.output
    assert await callee.done(30) == 0
    await other.stop()
    assert not other.received("INVITE"), f"{then_person} was on call two days ago, not now"
    assert log.calls("1702")[-1] == ["stasis", "agi", "astdb (FastAGI FAILURE)",
                                     f"astdb rings level 1 PJSIP/{now_person}"]
