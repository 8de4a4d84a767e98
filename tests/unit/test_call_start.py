"""The start of a call (astreinte/call_start.py) against a recording stand-in for ARI: what is asked, in which order.

The lab tests prove the order on the wire (tests/e2e/test_first_call.py); these pin the rule the
session follows: the greeting waits for the answer, the first phones for the greeting's
PlaybackStarted, and a greeting that never reports starting holds them at most
GREETING_START_WAIT.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from astreinte import call_start
from astreinte.adapters.ari import AriError
from astreinte.call import CallSession
from astreinte.config import load
from astreinte.prompts import PromptBook
from astreinte.services import Services
from astreinte.wire import ari_events as a

DATA = Path(__file__).parent.parent / "data"
SATURDAY_NOON = datetime(2026, 11, 7, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))   # support in service: alice


class RecordingAri:
    """Answers every request at once (the answer after ``answer_delay``) and writes down what was asked."""

    def __init__(self, answer_delay: float = 0.0, answer_fails: bool = False) -> None:
        self.asked: list[tuple[str, str]] = []
        self.answer_delay = answer_delay
        self.answer_fails = answer_fails
        self.originated = asyncio.Event()

    async def answer(self, channel_id: str) -> None:
        self.asked.append(("answer sent", channel_id))
        await asyncio.sleep(self.answer_delay)
        if self.answer_fails:     # what ARI says when the channel is already gone
            raise AriError("POST", f"/channels/{channel_id}/answer", 404, '{"message":"Channel not found"}')
        self.asked.append(("answer done", channel_id))

    async def play(self, channel_id: str, media: str, playback_id: str, lang: str | None = None) -> None:
        self.asked.append(("play", playback_id))

    async def originate(self, channel_id: str, endpoint: str, **_: Any) -> None:
        self.asked.append(("originate", endpoint))
        self.originated.set()

    async def hangup(self, channel_id: str, reason: str | None = None) -> bool:
        self.asked.append(("hangup", channel_id))
        return True

    async def ring(self, channel_id: str) -> None:
        self.asked.append(("ring", channel_id))

    async def ring_stop(self, channel_id: str) -> None:
        self.asked.append(("ring stop", channel_id))

    async def stop_playback(self, playback_id: str) -> bool:
        return True

    async def destroy_bridge(self, bridge_id: str) -> None:
        return None

    def what(self) -> list[str]:
        return [kind for kind, _ in self.asked]


async def arrive(ari: RecordingAri) -> tuple[CallSession, asyncio.Task[None]]:
    config = load(DATA / "config.example.yaml", environ={})
    prompts = PromptBook(greetings={"support": "sound:greeting"}, confirmations={}, voicemails={}, menus={},
                         please_hold="sound:hold", nobody="sound:nobody", unknown_number="sound:unknown",
                         blocked="sound:blocked")
    services = Services(ari, config, config.schedule(), prompts, clock=lambda: SATURDAY_NOON)  # type: ignore[arg-type]
    caller = a.Channel("1795000000.1", "PJSIP/trunk-00000001", "Ring", "", "", "1000", "from-trunk")
    session = CallSession(services, caller, "1000", lambda channel, owner: None)
    task = asyncio.get_running_loop().create_task(session.run())
    return session, task


async def settle(seconds: float = 0.02) -> None:
    await asyncio.sleep(seconds)


async def hang_up(session: CallSession, task: asyncio.Task[None]) -> None:
    session.feed(a.StasisEnd("StasisEnd", None, "astreinte", session.caller))
    await asyncio.wait_for(task, 5)


async def test_the_phone_is_rung_once_the_greeting_started_never_before() -> None:
    ari = RecordingAri(answer_delay=0.05)
    session, task = await arrive(ari)
    await settle(0.1)
    assert ari.what() == ["answer sent", "answer done", "play"], "the greeting waits for the answer"
    greeting = ari.asked[-1][1]
    await settle(0.1)
    assert "originate" not in ari.what(), "no phone rings before the greeting started"
    session.feed(a.PlaybackStarted("PlaybackStarted", None, "astreinte", greeting, f"channel:{session.id}",
                                     "sound:greeting"))
    await settle()
    assert ari.what()[3:] == ["originate"] and ari.asked[3][1] == "PJSIP/alice"
    await hang_up(session, task)


async def test_a_greeting_that_never_reports_starting_holds_the_phones_at_most_the_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(call_start, "GREETING_START_WAIT", 0.2)
    ari = RecordingAri()
    session, task = await arrive(ari)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(ari.originated.wait(), 2)
    assert 0.15 < loop.time() - started < 0.5
    await hang_up(session, task)


async def test_a_caller_gone_during_the_greeting_ends_the_call_at_once() -> None:
    ari = RecordingAri()
    session, task = await arrive(ari)
    await settle()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await hang_up(session, task)
    assert loop.time() - started < 0.2, "the session waited for a greeting nobody hears"
    assert session.record.outcome == "abandoned"


@pytest.mark.parametrize("answer_fails", [False, True], ids=["answered", "answer refused: channel gone"])
async def test_a_caller_gone_before_the_first_ring_rings_nobody(answer_fails: bool) -> None:
    """Hanging up while Asterisk answers: no greeting, no phone rung even for a few milliseconds."""
    ari = RecordingAri(answer_delay=0.1, answer_fails=answer_fails)
    session, task = await arrive(ari)
    await settle()
    await hang_up(session, task)
    assert "originate" not in ari.what() and "play" not in ari.what(), ari.what()
    assert session.record.outcome == "abandoned"
    assert any("caller hung up before the first ring" in text for _at, _kind, text in session.steps)
