"""Prometheus /metrics and JSON /status, and `astreinte status` reading them (fakes, free port)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from click.testing import CliRunner

from astreinte.adapters.agi import AgiServer
from astreinte.cli import main
from astreinte.config import load
from astreinte.config.daemon import Listen
from astreinte.runtime.router import Router
from astreinte.runtime.services import Services
from astreinte.runtime.status import Metrics, StatusServer
from astreinte.wire import ari_events as a
from tests.helpers.calls import PROMPTS, SATURDAY_NOON
from tests.helpers.fakes import FakeAmi, FakeAri, LoopClock, channel, no_message, stasis_start
from tests.helpers.timing import scaled

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
T0 = datetime(2026, 11, 7, 11, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def event(kind: type[a.Event], **fields: object) -> a.Event:
    return kind(kind.__name__, None, "astreinte", **fields)


async def test_metrics_and_status_follow_the_router(tmp_path: Path) -> None:
    config = load(EXAMPLE, environ={})
    port = free_port()
    ari, ami = FakeAri(), FakeAmi()
    ami.up = False
    router = Router(ari, Services(config, config.schedule(), PROMPTS), LoopClock(SATURDAY_NOON), no_message)
    agi = AgiServer(Listen("127.0.0.1", 0), lambda number, now: None, clock=lambda: T0)
    agi_task = asyncio.create_task(agi.serve())
    metrics = Metrics()
    server = StatusServer(Listen("127.0.0.1", port), metrics, router=router, ari=ari, ami=ami, agi=agi,
                          clock=lambda: T0)
    task = asyncio.create_task(server.serve())
    try:
        router.dispatch(stasis_start("c1", "1000"))                      # a call arrives on support
        async with aiohttp.ClientSession() as http:
            for _ in range(round(scaled(100))):             # up to 2 s (scaled), every 20 ms
                try:
                    async with http.get(f"http://127.0.0.1:{port}/status") as resp:
                        status = await resp.json()
                    if status["live_calls"] and status["links"]["agi"]:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.02)
            assert status["links"] == {"ari": True, "ami": False, "agi": True}
            assert [(c["id"], c["team"], c["caller"]) for c in status["live_calls"]] == [("c1", "support",
                                                                                         "0611223344")]
            assert {"team": "support", "level": 1, "layer": "primary", "person": "alice",
                    "until": "2026-11-09T09:00+01:00"} in status["on_call"]

            # alice answers during the greeting, presses 1; the greeting ends: bridged; then the caller leaves
            played = (await ari.asked_for("play"))[0]
            router.dispatch(event(a.PlaybackStarted, playback_id=played.details["playback"],
                                  target_uri="channel:c1", media_uri="sound:greeting"))
            leg = (await ari.asked_for("originate"))[0].target
            router.dispatch(event(a.StasisStart, channel=channel(leg), args=("leg", "c1")))
            await ari.asked_for("play", 2)
            router.dispatch(event(a.ChannelDtmfReceived, channel=channel(leg), digit="1", duration_ms=100))
            router.dispatch(event(a.PlaybackFinished, playback_id=played.details["playback"],
                                  target_uri="channel:c1", media_uri="sound:greeting", state="done"))
            await ari.asked_for("add to bridge")
            router.dispatch(event(a.StasisEnd, channel=channel("c1")))
            for _ in range(round(scaled(100))):             # up to 2 s (scaled), every 20 ms
                async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    text = await resp.text()
                if "astreinte_live_calls 0.0" in text:
                    break
                await asyncio.sleep(0.02)
        assert 'astreinte_calls_total{outcome="answered"} 1.0' in text
        assert 'astreinte_fallback_tier_total{tier="stasis"} 1.0' in text
        assert 'astreinte_hunt_seconds_bucket{le="2.0"} 1.0' in text
        assert 'astreinte_link_up{link="ami"} 0.0' in text and 'astreinte_link_up{link="ari"} 1.0' in text
        assert "astreinte_live_calls 0.0" in text

        path = tmp_path / "config.yaml"
        path.write_text(EXAMPLE.read_text(encoding="utf-8") + f"\ndaemon: {{metrics: {{port: {port}}}}}\n",
                        encoding="utf-8")
        result = await asyncio.to_thread(CliRunner().invoke, main, ["--config", str(path), "status"])
        assert result.exit_code == 0, result.output
        assert "links: ari up  ami DOWN  agi up" in result.output
        assert "support level 1 (primary): alice until 2026-11-09T09:00+01:00" in result.output
    finally:
        task.cancel()
        agi_task.cancel()
        await asyncio.gather(task, agi_task, return_exceptions=True)


def test_status_without_a_daemon_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + f"\ndaemon: {{metrics: {{port: {free_port()}}}}}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 1 and "the daemon does not answer" in result.output


def test_agi_answers_count_as_the_agi_tier() -> None:
    m = Metrics()
    m.agi_served("chain")
    m.agi_served("unknown_number")
    assert b'astreinte_fallback_tier_total{tier="agi"} 1.0' in m.exposition()
