"""What a stopped daemon left of its call log, put right at start (astreinte/runtime/recovery.py),
against a real store on a file and the recordings folder of the example configuration."""

from __future__ import annotations

import asyncio
import wave
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from astreinte.adapters.clock import fixed_clock
from astreinte.domain.calls.commands import FileMessage
from astreinte.domain.calls.record import CallRecord
from astreinte.runtime.recovery import Recovery
from tests.helpers.calls import example
from tests.helpers.fakes import FakeStore

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def row(store: FakeStore, n: int, *, bridged: bool = False) -> str:
    call = CallRecord(f"1796000000.{n}", T0 + timedelta(minutes=n), "1000", "0611223344", "support")
    if bridged:
        call.connected_at, call.answered_by = call.started_at + timedelta(seconds=6), "alice"
    store.store.begin_call(call)
    return call.id


def recording(folder: Path, call_id: str, seconds: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"astreinte-{call_id.replace('.', '-')}.wav"
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x01\x00" * int(8000 * seconds))
    return path


async def test_calls_left_in_progress_are_closed_and_a_recorded_message_is_filed(tmp_path: Path) -> None:
    config = example()
    config = replace(config, asterisk=replace(config.asterisk, recordings=tmp_path / "recording"))
    store = FakeStore(tmp_path / "astreinte.db")
    lost, talking, speaking = row(store, 1), row(store, 2, bridged=True), row(store, 3)
    audio = recording(tmp_path / "recording", speaking, 4.0)
    filed: list[FileMessage] = []

    async def desk(_config: object, message: FileMessage) -> dict[str, bool]:
        filed.append(message)
        store.store.add_message(message.call_id, message.team, message.caller, message.recorded_at,
                                message.duration, str(audio), {})
        return {}

    recovery = Recovery(store, config, desk, fixed_clock(T0 + timedelta(hours=1)), every=0.05, settle=0.01)
    task = asyncio.create_task(recovery.run())
    for _ in range(250):
        if len(recovery.closed) == 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    outcomes = {r["id"]: (r["outcome"], r["reason"], r["tier"]) for r in store.store.calls()}
    assert outcomes == {lost: ("failed", "daemon_restarted", "dialplan"),
                        talking: ("answered", "daemon_restarted", "stasis"),
                        speaking: ("voicemail", "daemon_restarted", "stasis")}
    [message] = filed
    assert (message.call_id, message.duration, message.name) == (speaking, 4.0, audio.stem)
    assert [m["call_id"] for m in store.store.messages()] == [speaking]
    assert "closed after a daemon restart" in store.store.call_events(lost)[-1]["detail"]
