"""The callout scheduler, its driver and the PBX trace importer (astreinte/runtime/) against the shared fakes:
a real store on a file, the fake ARI through the real router, the fake AMI's AstDB. The lab proves the
same against a real Asterisk (tests/e2e/test_callout.py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from astreinte.adapters.store import Store
from astreinte.config import Config, PromptSettings
from astreinte.dialplan import TRACE_FAMILY
from astreinte.domain.calling import MessagePolicy
from astreinte.domain.calls.callout_line import CalloutTimings
from astreinte.runtime.callouts import CalloutService
from astreinte.runtime.pbx_import import PbxImporter
from astreinte.runtime.router import Router
from astreinte.runtime.services import Services
from astreinte.wire import ari_events as a
from lab.phones import TIMEOUT_FACTOR
from tests.helpers.calls import PARIS, PROMPTS, SATURDAY_NOON, example
from tests.helpers.fakes import FakeAmi, FakeAri, FakeStore, LoopClock, channel, no_message
from tests.helpers.timing import wait_until

POLICY = MessagePolicy(callout=True, every=5, rounds=2, escalate=True)


def configured(tmp_path: Path, policy: MessagePolicy = POLICY) -> Config:
    config = example()
    team = replace(config.teams["support"], messages=policy, hunt=replace(config.teams["support"].hunt,
                                                                          ring_timeout=0.5))
    prompts = PromptSettings(tmp_path / "sounds", "/lab/sounds")
    return replace(config, teams={"support": team}, asterisk=replace(config.asterisk, prompts=prompts))


def service(tmp_path: Path, ari: FakeAri, store: FakeStore, config: Config) -> tuple[CalloutService, Router]:
    live = Services(config, config.schedule(), PROMPTS, store=store)
    clock = LoopClock(SATURDAY_NOON)
    board = Router(ari, live, clock, no_message)
    return CalloutService(live, store, ari, clock, board, poll=0.05, timings=CalloutTimings(ring_margin=1)), board


def stored(store: FakeStore, number: int) -> dict[str, Any]:
    found = store.store.message(number)
    assert found is not None, f"message {number} is in the store"
    return found


def filed(store: FakeStore) -> int:
    number = store.store.add_message("1795000000.1", "support", "0611223344", SATURDAY_NOON - timedelta(minutes=1),
                                   12.0, "/spool/m.wav", {}, now=SATURDAY_NOON, number="1000",
                                   media="recording:m", callout_at=SATURDAY_NOON - timedelta(seconds=1))
    assert number is not None, "the store is up: the message is filed, not journaled"
    return number


async def test_a_round_rings_level_1_and_an_acknowledgement_elsewhere_cancels_it(tmp_path: Path) -> None:
    ari, store = FakeAri(), FakeStore(tmp_path / "a.db")
    callouts, board = service(tmp_path, ari, store, configured(tmp_path))
    number = filed(store)
    running = asyncio.create_task(callouts.run())
    try:
        (leg,) = await ari.asked_for("originate", timeout=10 * TIMEOUT_FACTOR)
        assert (leg.details["endpoint"], leg.details["app_args"]) == ("PJSIP/alice", f"leg,{leg.target[:-6]}")
        assert board.channels[leg.target] is callouts.rounds[number].driver, "the leg's events route to its round"
        assert stored(store, number)["state"] == "calling"
        with Store.open(store.path) as cli:                                   # the CLI: another connection
            cli.acknowledge(number, "bob", "cli", SATURDAY_NOON)
        await wait_until(lambda: leg.target in ari.targets("hangup"), 1.0, "the ringing leg hung up")
        await asyncio.sleep(0.2)
        assert number not in callouts.rounds and len(ari.targets("originate")) == 1
        (row,) = store.store.messages()
        assert (row["state"], row["callouts"][0]["reason"]) == ("acknowledged", "acknowledged_elsewhere")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_unanswered_rounds_escalate_every_seconds_then_the_message_expires(tmp_path: Path) -> None:
    ari, store = FakeAri(), FakeStore(tmp_path / "a.db")
    callouts, _ = service(tmp_path, ari, store, configured(tmp_path, replace(POLICY, every=0.3)))
    number = filed(store)
    running = asyncio.create_task(callouts.run())
    try:
        first, second = await ari.asked_for("originate", 2, timeout=10 * TIMEOUT_FACTOR)
        assert [first.details["endpoint"], second.details["endpoint"]] == ["PJSIP/alice", "PJSIP/dave"]
        await wait_until(lambda: stored(store, number)["state"] == "expired", 5, "the message expired")
        (row,) = store.store.messages()
        assert [(c["round"], [x["person"] for x in c["attempts"]]) for c in row["callouts"]] == \
            [(1, ["alice"]), (2, ["dave"])]
        assert [call["tier"] for call in store.store.calls()] == ["callout", "callout"]
        assert [h["state"] for h in row["history"]] == ["new", "calling", "expired"]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_round_the_daemon_was_making_when_it_stopped_is_made_again(tmp_path: Path) -> None:
    ari, store = FakeAri(), FakeStore(tmp_path / "a.db")
    config = configured(tmp_path)
    callouts, _ = service(tmp_path, ari, store, config)
    number = filed(store)
    running = asyncio.create_task(callouts.run())
    (leg,) = await ari.asked_for("originate", timeout=10 * TIMEOUT_FACTOR)
    running.cancel()                               # SIGTERM: the round is given up, its leg hung up
    await asyncio.gather(running, return_exceptions=True)
    assert leg.target in ari.targets("hangup")
    row = stored(store, number)
    assert (row["state"], row["rounds_done"], row["next_callout_at"] is not None) == ("calling", 0, True)
    ari = FakeAri()
    again, _ = service(tmp_path, ari, store.reopen(), config)
    running = asyncio.create_task(again.run())
    try:
        (leg,) = await ari.asked_for("originate", timeout=10 * TIMEOUT_FACTOR)
        assert leg.details["endpoint"] == "PJSIP/alice", "round 1 again"
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_answered_the_callee_hears_the_intro_rendered_for_this_message(tmp_path: Path) -> None:
    ari, store = FakeAri(), FakeStore(tmp_path / "a.db")
    callouts, board = service(tmp_path, ari, store, configured(tmp_path))
    filed(store)
    running = asyncio.create_task(callouts.run())
    try:
        (leg,) = await ari.asked_for("originate", timeout=10 * TIMEOUT_FACTOR)
        board.dispatch(a.StasisStart("StasisStart", None, "astreinte", channel(leg.target), ("leg", "x")))
        (play,) = await ari.asked_for("play")
        assert play.target == leg.target and play.details["media"].startswith("sound:/lab/sounds/callout-")
        intro = tmp_path / "sounds" / (play.details["media"].rsplit("/", 1)[1] + ".wav")
        assert intro.stat().st_size > 8000, "a few seconds of speech"
        board.dispatch(a.ChannelDestroyed("ChannelDestroyed", None, "astreinte", channel(leg.target), 16, "Normal"))
        await wait_until(lambda: not intro.exists(), 2, "the intro deleted")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_the_importer_brings_each_pbx_call_in_once_and_deletes_its_trace(tmp_path: Path) -> None:
    ami, store = FakeAmi(), FakeStore(tmp_path / "a.db")
    config = configured(tmp_path)
    live = Services(config, config.schedule(), PROMPTS, store=store)
    start = int(SATURDAY_NOON.timestamp())
    trace = {"start": str(start), "number": "1000", "caller": "0611223344",
             "a1": f"1!PJSIP/alice!NOANSWER!{start + 15}!15!0!",
             "recording": f"{start + 16}!/var/spool/asterisk/astreinte/1000-1795.3.wav", "tier": "voicemail",
             "end": str(start + 40)}
    for key, value in trace.items():
        ami.db[(TRACE_FAMILY, f"1795.3/{key}")] = value
    ami.db[(TRACE_FAMILY, "1795.4/start")] = str(start)          # a call still going on: no end yet
    importer = PbxImporter(ami, live, store, LoopClock(SATURDAY_NOON + timedelta(minutes=5)))
    assert await importer.once() == 1
    assert list(ami.tree(TRACE_FAMILY)) == ["1795.4/start"], "the imported trace is deleted, the live one kept"
    (call,) = store.store.calls()
    assert (call["id"], call["tier"], call["outcome"]) == ("1795.3", "voicemail", "voicemail")
    (message,) = store.store.messages()
    assert (message["source"], message["media"], message["next_callout_at"] is not None) == \
        ("pbx", "sound:/var/spool/asterisk/astreinte/1000-1795.3", True)
    for key, value in trace.items():              # killed after the commit, before the delete: written again
        ami.db[(TRACE_FAMILY, f"1795.3/{key}")] = value
    assert await importer.once() == 0
    assert len(store.store.calls()) == 1 and len(store.store.messages()) == 1
    assert list(ami.tree(TRACE_FAMILY)) == ["1795.4/start"]


async def starts_over(tmp_path: Path, config: Config, recorded: datetime, before: datetime, after: datetime
                      ) -> tuple[FakeAri, FakeStore, int, CalloutService]:
    """An expired message recorded at ``recorded``; the scheduler looks at ``before`` then ``after``."""
    ari, store = FakeAri(), FakeStore(tmp_path / "a.db")
    callouts, _ = service(tmp_path, ari, store, config)
    number = store.store.add_message("1794.1", "support", "0611223344", recorded, 20.0, "/m.wav", {}, now=recorded,
                                     number="1000", media="recording:m", callout_at=recorded)
    assert number is not None
    store.store.callout_finished(number, "c", reason="nobody_available", answered_by=None, rounds_done=2,
                                 next_at=None, now=recorded + timedelta(minutes=10))
    await callouts._changes(before)
    assert stored(store, number)["state"] == "expired"
    await callouts._changes(after)
    return ari, store, number, callouts


async def test_the_end_of_the_service_hours_calls_open_messages_out_at_opening(tmp_path: Path) -> None:
    config = configured(tmp_path, replace(POLICY, at_opening="PJSIP/reception"))
    opening = datetime(2026, 11, 10, 8, 30, tzinfo=PARIS)          # Tuesday: the night's service ends
    ari, store, number, callouts = await starts_over(tmp_path, config, opening - timedelta(hours=6),
                                                     opening - timedelta(minutes=1), opening + timedelta(minutes=1))
    row = stored(store, number)
    assert (row["state"], row["rounds_done"]) == ("calling", 0)
    await callouts._start_due(opening + timedelta(minutes=1))
    (leg,) = await ari.asked_for("originate")
    assert leg.details["endpoint"] == "PJSIP/reception"
    for going in list(callouts.rounds.values()):
        assert going.task is not None
        going.task.cancel()
        await asyncio.gather(going.task, return_exceptions=True)


async def test_a_hand_off_calls_the_ending_shifts_messages_out_to_the_incoming_person(tmp_path: Path) -> None:
    config = configured(tmp_path)
    config = replace(config, teams={"support": replace(config.teams["support"], service_hours=None)})
    handoff = datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)           # Monday: alice hands over to bob
    old = datetime(2026, 11, 1, 12, 0, tzinfo=PARIS)               # before alice's shift began
    ari, store, number, callouts = await starts_over(tmp_path, config, handoff - timedelta(hours=20),
                                                     handoff - timedelta(minutes=1), handoff + timedelta(seconds=1))
    assert stored(store, number)["state"] == "calling"
    stale = store.store.add_message("1793.1", "support", "", old, 5.0, None, {}, now=old, number="1000")
    assert stale is not None
    await callouts._start_due(handoff + timedelta(seconds=1))
    leg, *others = await ari.asked_for("originate")            # bob's phones, rung together
    assert leg.details["endpoint"] == "PJSIP/bob", "the incoming person"
    assert all("alice" not in other.details["endpoint"] for other in others)
    assert stored(store, stale)["state"] == "new" and stored(store, stale)["next_callout_at"] is None
    for going in list(callouts.rounds.values()):
        assert going.task is not None
        going.task.cancel()
        await asyncio.gather(going.task, return_exceptions=True)
