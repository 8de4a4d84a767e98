"""Issue 5's proof: whatever breaks, the caller still reaches a human, against the real lab.

Each test breaks one thing for real: ``kill -9`` of the daemon mid-hunt, the daemon
down, only its ARI link down, Asterisk restarted under it, AMI down, SIGTERM during a
call, wrong ARI credentials. The dialplan is the shipped ``extensions_astreinte.conf``
(Stasis -> FastAGI -> AstDB -> voicemail); its NOTICE lines in Asterisk's console log
say which tier served each call.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from astreinte.adapters.clock import system_clock
from astreinte.cli.status import fetch_status
from lab import phones
from lab.observer import Observer, channel_name
from tests.helpers.daemon import REPO, lab_config
from tests.helpers.lab import PORT, TierLog
from tests.helpers.lab import plain_team as team
from tests.helpers.timing import scaled, wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]


async def test_kill9_mid_hunt_the_caller_still_reaches_the_on_call_phone(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5101", "alice"))
    log = TierLog(lab)
    first = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=3000, calls=2)
    caller = await phones.call("5101", tmp_path, hold_ms=16000)
    await observer.wait_for(lambda s: s.type == "ChannelCreated" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=15, what="the hunt ringing alice")
    await first.wait_for_line("ringing alice")
    assert first.proc is not None
    first.proc.kill()                                  # kill -9 in the middle of the hunt
    assert await first.proc.wait() == -signal.SIGKILL
    await asyncio.sleep(1.0)                           # what systemd does: Restart=always, RestartSec=1
    second = await daemon(config)
    await second.wait_for_line("was left in the app: handing it to the dialplan fallback")
    await second.wait_for_line("FastAGI: call")
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(40) == 0, alice.output
    assert len(alice.received("INVITE")) == 2, "alice: rung by the hunt, then by the fallback after the kill"
    assert log.calls("5101") == [["stasis", "agi", "agi rings level 1 PJSIP/alice"]]
    dials = [s for s in observer.of_type("Dial") if s.event.get("dialstatus") == "ANSWER"
             and (s.event.get("peer") or {}).get("name", "").startswith("PJSIP/alice-")]
    assert dials, "the fallback's Dial() never connected alice"


async def test_call_while_the_daemon_is_down_reaches_the_on_call_person_through_astdb(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5102", "bob", "alice"))
    log = TierLog(lab)
    process = await daemon(config)
    await process.wait_for_line("AstDB: wrote")
    assert await process.stop() == 0
    generation = lab.cli("database get astreinte 5102/current").split(":", 1)[-1].strip()
    shown = lab.cli(f"database show astreinte/5102/{generation}")
    assert f"/astreinte/5102/{generation}/s1/dial1" in shown and "PJSIP/bob" in shown and "PJSIP/alice" in shown, shown
    bob = await phones.phone("bob", PORT["bob"], "busy", tmp_path)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5102", tmp_path, hold_ms=3000)
    assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0 and await bob.done(30) == 0
    assert log.calls("5102") == [["stasis", "agi", "astdb (FastAGI FAILURE)", "astdb rings level 1 PJSIP/bob",
                                  "astdb rings level 2 PJSIP/alice"]]


async def test_a_hand_off_while_the_daemon_is_down_is_followed_by_the_astdb_tier(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    """bob stands in for alice until a few seconds from now; the daemon stops before that.
    The call after the hand-off must reach alice, not the last chain the daemon saw."""
    handoff = system_clock().replace(microsecond=0) + timedelta(seconds=scaled(6))
    overrides = (f"overrides:\n  - {{team: support, layer: level1, person: bob, from: \"2026-01-01T00:00:00+00:00\","
                 f" to: \"{handoff.isoformat()}\"}}")
    config = lab_config(lab, tmp_path, team("5113", "alice"), extra=overrides)
    log = TierLog(lab)
    process = await daemon(config)
    await process.wait_for_line("AstDB: wrote")
    assert await process.stop() == 0
    await asyncio.sleep((handoff - system_clock()).total_seconds() + 0.5)     # the hand-off instant comes
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    bob = await phones.phone("bob", PORT["bob"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5113", tmp_path, hold_ms=2000)
    assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0
    await bob.stop()
    assert not bob.received("INVITE"), "the stand-in's time was over"
    assert log.calls("5113") == [["stasis", "agi", "astdb (FastAGI FAILURE)", "astdb rings level 1 PJSIP/alice"]]


def refused_with_cause_21(observer: Observer, caller: str) -> bool:
    """The caller's channel ended with Q.850 cause 21 (call rejected), as the dialplan's Hangup(21) says."""
    ended = [s for s in observer.of_type("ChannelDestroyed") if channel_name(s).startswith("PJSIP/trunk-")
             and (s.event["channel"].get("caller") or {}).get("number") == caller]
    return bool(ended) and all(s.event["cause"] == 21 for s in ended)


async def test_a_blocked_caller_stays_refused_while_the_daemon_is_down(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5114", "alice"), extra='blocklist: ["0699999999"]')
    log = TierLog(lab)
    process = await daemon(config)
    await process.wait_for_line("AstDB: wrote")
    assert await process.stop() == 0
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5114", tmp_path, caller="0699999999", hold_ms=2000)
    assert await caller.done(30) != 0, "the call should be rejected"
    await observer.wait_for(lambda _: refused_with_cause_21(observer, "0699999999"), timeout=10,
                            what="the blocked caller's channel ending with cause 21")
    other = await phones.call("5114", tmp_path, caller="0611223344", hold_ms=2000)
    assert await other.done(30) == 0, "anyone else still gets through"
    assert await alice.done(30) == 0
    assert log.calls("5114") == [["stasis", "agi", "astdb (FastAGI FAILURE)", "astdb: caller blocked"],
                                 ["stasis", "agi", "astdb (FastAGI FAILURE)", "astdb rings level 1 PJSIP/alice"]]


async def test_call_while_only_the_ari_link_is_down_is_served_by_fastagi(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5103", "alice"))
    text = config.read_text().replace('url: "http://127.0.0.1:8088"', 'url: "http://127.0.0.1:8099"')
    config.write_text(text)                        # ARI unreachable; AMI and the FastAGI server are up
    log = TierLog(lab)
    process = await daemon(config, ready="FastAGI listening")
    await process.wait_for_line("ARI unavailable")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5103", tmp_path, hold_ms=3000)
    assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0
    await process.wait_for_line("FastAGI: call")
    assert log.calls("5103") == [["stasis", "agi", "agi rings level 1 PJSIP/alice"]]


async def test_a_blocked_caller_stays_refused_when_fastagi_serves(lab: Any, daemon: Any, observer: Observer,
                                                                 tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5112", "alice"), extra='blocklist: ["0699999999"]')
    config.write_text(config.read_text().replace('url: "http://127.0.0.1:8088"', 'url: "http://127.0.0.1:8099"'))
    log = TierLog(lab)
    process = await daemon(config, ready="FastAGI listening")
    caller = await phones.call("5112", tmp_path, caller="0699999999", hold_ms=3000)
    assert await caller.done(30) != 0, "the call should be rejected"
    await observer.wait_for(lambda _: refused_with_cause_21(observer, "0699999999"), timeout=10,
                            what="the blocked caller's channel ending with cause 21")
    await process.wait_for_line("caller blocked, refused")
    assert log.calls("5112") == [["stasis", "agi", "agi: caller blocked"]]


async def test_asterisk_restarted_under_the_daemon_next_call_is_hunted_normally(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5104", "alice"))
    process = await daemon(config)
    pid = process.proc.pid if process.proc else None
    lab.cli("core restart now")
    await wait_until(lambda: process.count("ready: taking calls") >= 2, 40, "the daemon to reconnect")
    await wait_until(lambda: process.count("AMI connected") >= 2, 20, "AMI to reconnect")
    async with Observer() as watch:
        alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
        caller = await phones.call("5104", tmp_path, hold_ms=8000)
        await watch.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                             and channel_name(s).startswith("PJSIP/alice-"), timeout=20, what="alice bridged")
        assert await caller.done(30) == 0, caller.output
        assert await alice.done(30) == 0
    await process.wait_for_line("bridged with alice")
    assert process.proc is not None and process.proc.returncode is None and process.proc.pid == pid


class Gate:
    """A TCP forwarder that can be opened later: AMI 'down' until ``open()``."""

    def __init__(self, listen: int, target: int) -> None:
        self.listen, self.target = listen, target
        self.server: asyncio.Server | None = None

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.listen)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def test_ami_down_hunting_still_works_and_astdb_is_written_when_it_returns(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5105", "alice"))
    config.write_text(config.read_text().replace("port: 5038", "port: 5039"))
    lab.cli("database deltree astreinte/5105")
    gate = Gate(5039, 5038)
    process = await daemon(config)
    await process.wait_for_line("AMI unavailable")
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5105", tmp_path, hold_ms=7000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=20, what="alice bridged while AMI is down")
    assert await caller.done(30) == 0 and await alice.done(30) == 0
    await process.wait_for_line("finished: answered by alice")
    assert "5105" not in lab.cli("database show astreinte/5105")
    try:
        await gate.open()                                   # AMI comes back
        await process.wait_for_line("AMI connected", timeout=20)
        await process.wait_for_line("(AMI login)", timeout=10)
        generation = lab.cli("database get astreinte 5105/current").split(":", 1)[-1].strip()
        assert "PJSIP/alice" in lab.cli(f"database get astreinte 5105/{generation}/s1/dial1")
    finally:
        await process.stop()
        await gate.close()


async def test_sigterm_during_a_call_lets_it_complete_and_exits_0(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5106", "alice"))
    process = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5106", tmp_path, hold_ms=10000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=20, what="alice bridged")
    status = await asyncio.to_thread(fetch_status, "127.0.0.1", 9464)     # what `astreinte status` reads
    assert status["links"] == {"ari": True, "ami": True, "agi": True}, status
    assert [call["number"] for call in status["live_calls"]] == ["5106"] and status["live_calls"][0]["bridged"]
    assert process.proc is not None
    process.proc.send_signal(signal.SIGTERM)
    await process.wait_for_line("stopping: no new calls; 1 live call(s)")
    assert await caller.done(30) == 0, caller.output
    assert await alice.done(30) == 0
    assert await process.exited(30) == 0, process.log()
    lines = process.lines
    stop_at = next(i for i, line in enumerate(lines) if "stopping: no new calls" in line)
    assert any("finished: answered by alice" in line for line in lines[stop_at:]), process.log()
    assert any("astreinte stopped" in line for line in lines[stop_at:])


async def test_metrics_count_calls_by_outcome_and_tier(lab: Any, daemon: Any, observer: Observer,
                                                       tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5109", "alice"))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5109", tmp_path, hold_ms=7000)
    assert await caller.done(30) == 0 and await alice.done(30) == 0

    def scrape() -> str:
        with urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=3) as resp:
            return str(resp.read().decode())

    await wait_until(lambda: 'astreinte_calls_total{outcome="answered"} 1.0' in scrape(), 10, "the call counted")
    text = scrape()
    assert 'astreinte_fallback_tier_total{tier="stasis"} 1.0' in text
    assert 'astreinte_link_up{link="ari"} 1.0' in text and 'astreinte_link_up{link="agi"} 1.0' in text
    assert "astreinte_hunt_seconds_count 1.0" in text


async def test_wrong_ari_credentials_are_fatal_with_a_clear_message(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5107", "alice"))
    config.write_text(config.read_text().replace("password: secret, app", "password: wrong, app"))
    process = await daemon(config, ready=None)
    assert await process.exited(20) == 2, "README and docs/operations.md: exit status 2 on a fatal link error"
    assert any("refused user 'astreinte'" in line and "ERROR" in line for line in process.lines), process.log()
    assert not any("Traceback" in line for line in process.lines), process.log()


async def test_dialplan_write_reload_through_ami(lab: Any, tmp_path: Path) -> None:
    """`dialplan write --reload` replaces the running dialplan: a variant (calls capped at 3 h instead of 2 h)
    is what `dialplan show` lists afterwards. The shipped file is put back (and reloaded) at the end."""
    config = lab_config(lab, tmp_path, team("5108", "alice"))
    target = lab.etc_dir / "extensions_astreinte.conf"
    shipped = target.read_text()
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astreinte", "--config", str(config), "dialplan", "write", "-o", str(tmp_path / "x.conf"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO)
    await check.communicate()
    assert (tmp_path / "x.conf").read_text() == shipped, "the lab ships what `dialplan write` generates"
    assert "TIMEOUT(absolute)=7200" in lab.cli("dialplan show astreinte-stasis")
    with config.open("a") as extra:
        extra.write("daemon: {max_call_duration: 3h}\n")
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astreinte", "--config", str(config), "dialplan", "write", "-o", str(target),
            "--reload", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO)
        out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode()
        assert "dialplan reloaded" in out.decode()
        assert "TIMEOUT(absolute)=10800" in target.read_text()
        shown = lab.cli("dialplan show astreinte-stasis")
        assert "TIMEOUT(absolute)=10800" in shown and "TIMEOUT(absolute)=7200" not in shown, shown
    finally:
        target.write_text(shipped)
        lab.cli("dialplan reload")
    assert "TIMEOUT(absolute)=7200" in lab.cli("dialplan show astreinte-stasis")


async def test_kill9_during_a_conversation_the_call_goes_on_and_ends_cleanly(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team("5110", "alice"))
    first = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "answer", tmp_path, ring_ms=300)
    caller = await phones.call("5110", tmp_path, hold_ms=14000)
    await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith("PJSIP/alice-"),
                            timeout=20, what="alice bridged")
    # killed once the conversation holds its lease (ASTREINTE_LEASE=last, a few ms after the bridge): a
    # death inside those milliseconds costs the conversation, not the caller (tests/e2e/test_lease.py)
    await observer.wait_for(lambda s: s.type == "ChannelVarset" and channel_name(s).startswith("PJSIP/trunk-")
                            and s.event.get("variable") == "ASTREINTE_LEASE", timeout=5, what="the lease extended")
    assert first.proc is not None
    first.proc.kill()
    await first.proc.wait()
    await asyncio.sleep(1.0)                           # what systemd does: Restart=always, RestartSec=1
    second = await daemon(config)
    await second.wait_for_line("adopting bridge")
    assert not any("handing it to the dialplan" in line for line in second.lines), "a conversation is left alone"
    assert await caller.done(40) == 0, caller.output
    assert await alice.done(20) == 0, "alice's phone never got BYE after the caller left: " + alice.output
    await second.wait_for_line("one side hung up, ending the call")
    assert len(alice.received("INVITE")) == 1


async def test_with_no_chain_anywhere_the_caller_leaves_a_message(lab: Any, tmp_path: Path) -> None:
    lab_config(lab, tmp_path, team("5111", "alice"))      # the dialplan takes 5111; no daemon ever ran
    lab.cli("database deltree astreinte/5111")            # no AstDB chain for this number
    argv = ["sipp", "127.0.0.1:5060", "-sf", str(phones.SCENARIOS / "caller_uac_rtp.xml"), "-i", "127.0.0.1",
            "-p", "5070", "-mp", "17900", "-s", "5111", "-key", "caller", "0611223344", "-m", "1",
            "-recv_timeout", "10000"]
    log = TierLog(lab)
    caller = await phones.Sipp("caller-5111", argv, tmp_path).start()     # speaks 7 s, hangs up after 10 s
    assert await caller.done(30) == 0, caller.output
    assert log.calls("5111") == [["stasis", "agi", "astdb (FastAGI FAILURE)", "voicemail"]]
    folder = lab.root / "var/spool/asterisk/astreinte"
    recordings = sorted(folder.glob("5111-*.wav")) if folder.exists() else []
    assert recordings and recordings[-1].stat().st_size > 1000, "Record() left no message"
