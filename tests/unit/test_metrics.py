"""Prometheus /metrics and JSON /status, and `astreinte status` reading them (fakes, free port)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from click.testing import CliRunner

from astreinte import metrics as metrics_module
from astreinte.adapters.store.calls import CallRecord
from astreinte.cli import main
from astreinte.config import load
from astreinte.config.daemon import Listen
from astreinte.domain.errors import LinkError
from astreinte.metrics import Metrics, StatusServer

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
T0 = datetime(2026, 11, 7, 11, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeAri:
    def __init__(self) -> None:
        self.up = True
        self.serving = True     # the app's events come to this connection

    async def ping(self) -> dict[str, Any]:
        if not self.up:
            raise LinkError("down")
        return {}


def session(call_id: str) -> SimpleNamespace:
    record = CallRecord(call_id, T0, did="1000", caller="0611223344", team="support")
    return SimpleNamespace(record=record, number="1000", started=T0, hunt=None, bridge_id=None)


async def test_metrics_and_status_follow_the_router(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(metrics_module, "WATCH_EVERY", 0.01)
    config = load(EXAMPLE, environ={})
    port = free_port()
    router = SimpleNamespace(sessions={}, accepting=True,
                             services=SimpleNamespace(config=config, schedule=config.schedule()))
    agi = SimpleNamespace(listening=True)
    metrics = Metrics()
    server = StatusServer(Listen("127.0.0.1", port), metrics, router=router, ari=FakeAri(),  # type: ignore[arg-type]
                          ami=SimpleNamespace(connected=False), agi=agi, clock=lambda: T0)  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    try:
        live = session("c1")
        router.sessions["c1"] = live
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/status") as resp:
                        status = await resp.json()
                    if status["live_calls"]:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.02)
            assert status["links"] == {"ari": True, "ami": False, "agi": True}
            assert [c["id"] for c in status["live_calls"]] == ["c1"]
            assert {"team": "support", "level": 1, "layer": "primary", "person": "alice",
                    "until": "2026-11-09T09:00+01:00"} in status["on_call"]

            live.record.outcome = "answered"                   # the call ends, answered after 12 s
            live.record.connected_at = T0 + timedelta(seconds=12)
            del router.sessions["c1"]
            await asyncio.sleep(0.1)
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
        assert 'astreinte_calls_total{outcome="answered"} 1.0' in text
        assert 'astreinte_fallback_tier_total{tier="stasis"} 1.0' in text
        assert 'astreinte_hunt_seconds_bucket{le="15.0"} 1.0' in text
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
        await asyncio.gather(task, return_exceptions=True)


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
