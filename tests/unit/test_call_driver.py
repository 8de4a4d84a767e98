"""The call driver and the router (astreinte/runtime/) against the shared fake ARI: the order of the
requests on the wire, the timers, the snapshot a call keeps across a reload, and the dialplan as the
way out when the runtime fails. The lab proves the same on a real Asterisk (tests/e2e/test_first_call.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from astreinte.adapters.ari import AriError, Connected, Disconnected
from astreinte.config import load
from astreinte.domain.calls.line import Timings
from astreinte.domain.calls.record import CallRecord
from astreinte.runtime.driver import CallDriver
from astreinte.runtime.router import Router
from astreinte.runtime.services import Services
from astreinte.wire import ari_events as a
from lab.phones import TIMEOUT_FACTOR
from tests.helpers.calls import DATA, PROMPTS, SATURDAY_NOON, example
from tests.helpers.fakes import FakeAri, FakeStore, LoopClock, channel, no_message, stasis_start
from tests.helpers.timing import stays, wait_until

CALLER = "1795000000.1"


def router(ari: FakeAri, store: FakeStore | None = None, live: Services | None = None) -> Router:
    config = example()
    live = live or Services(config, config.schedule(), PROMPTS, store=store)
    return Router(ari, live, LoopClock(SATURDAY_NOON), no_message)


async def arrive(router: Router, ari: FakeAri, call: str = CALLER, number: str = "1000") -> CallDriver:
    router.dispatch(stasis_start(call, number))
    await asyncio.sleep(0)
    return router.calls[call]


async def ended(router: Router, call: str = CALLER) -> None:
    task = router.tasks.get(call)
    if task is not None:
        async with asyncio.timeout(5 * TIMEOUT_FACTOR):
            await asyncio.wait([task])


def playback_started(ari: FakeAri, media: str) -> a.PlaybackStarted:
    played = next(x for x in ari.asked if x.what == "play" and x.details["media"] == media)
    return a.PlaybackStarted("PlaybackStarted", None, "astreinte", played.details["playback"],
                             f"channel:{played.target}", media)


def hung_up(channel_id: str) -> a.StasisEnd:
    return a.StasisEnd("StasisEnd", None, "astreinte", channel(channel_id))


async def test_the_greeting_waits_for_the_answer_and_the_phones_for_the_greeting() -> None:
    ari = FakeAri()
    ari.delays["answer"] = 0.05
    calls = router(ari)
    await arrive(calls, ari)
    await ari.asked_for("play")
    assert ari.what() == ["answer", "set", "answer done", "play"], \
        "the lease moved past the greeting's end travels while the answer does; the greeting waits for the answer"
    assert [x.details for x in ari.asked if x.what == "set"] == [{"name": "TIMEOUT(absolute)", "value": "14"}], \
        "the lease moved past the greeting's end (10 s for a sound Asterisk owns); no renewal on the way"
    await stays(lambda: "originate" not in ari.what(), 0.1, "no phone rings before the greeting started")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    [first] = await ari.asked_for("originate")
    assert (first.details["endpoint"], first.details["app_args"], first.details["originator"]) == (
        "PJSIP/alice", f"leg,{CALLER}", CALLER)
    assert calls.channels[first.target] is calls.calls[CALLER], "the leg's events route to its call"
    calls.dispatch(hung_up(CALLER))
    await ended(calls)
    assert ari.targets("hangup") == [first.target]
    assert calls.channels == {}


async def test_a_greeting_that_never_starts_holds_the_phones_no_longer_than_its_wait() -> None:
    ari = FakeAri()
    calls = router(ari)
    driver = await arrive(calls, ari)
    driver.flow.line = replace(driver.flow.line, timings=Timings(greeting_start=0.2))
    loop = asyncio.get_running_loop()
    begun = loop.time()
    await ari.asked_for("originate", timeout=2 * TIMEOUT_FACTOR)
    assert loop.time() - begun >= 0.2, "the phones waited for the greeting"
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


@pytest.mark.parametrize("answer_fails", [False, True], ids=["answered", "answer refused: channel gone"])
async def test_a_caller_gone_while_asterisk_answers_gets_no_greeting_and_no_phone(answer_fails: bool) -> None:
    ari = FakeAri()
    ari.delays["answer"] = 0.1
    if answer_fails:
        from astreinte.adapters.ari import AriError
        ari.fail["answer"] = AriError("POST", f"/channels/{CALLER}/answer", 404, '{"message":"Channel not found"}')
    calls = router(ari)
    driver = await arrive(calls, ari)
    calls.dispatch(hung_up(CALLER))
    await ended(calls)
    assert "originate" not in ari.what() and "play" not in ari.what(), ari.what()
    assert driver.flow.record.outcome == "abandoned"
    assert "caller hung up before the first ring" in [text for _, _, text in driver.flow.steps]


async def test_the_call_is_logged_at_arrival_and_at_its_end(tmp_path: Path) -> None:
    ari, store = FakeAri(), FakeStore(tmp_path / "astreinte.db")
    calls = router(ari, store)
    await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    await ari.asked_for("originate")
    await wait_until(lambda: len(store.store.calls()) == 1, 2, "the call's first row in the call log")
    [row] = store.store.calls()
    assert (row["outcome"], row["team"], row["caller"]) == ("in_progress", "support", "0611223344")
    calls.dispatch(hung_up(CALLER))
    await ended(calls)
    [row] = store.store.calls()
    assert row["outcome"] == "abandoned" and [x["person"] for x in row["attempts"]] == ["alice"]
    assert "ringing alice (level 1) on PJSIP/alice" in [x["detail"] for x in store.store.call_events(CALLER)]


async def test_a_reload_mid_call_changes_nothing_for_the_live_call_and_everything_for_the_next() -> None:
    ari = FakeAri()
    config = example()
    live = Services(config, config.schedule(), PROMPTS)
    calls = router(ari, live=live)
    await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    await ari.asked_for("originate")
    # the reload: bob replaces alice at level 1, and a new greeting
    team = config.teams["support"]
    layer = replace(team.layers[0], rotation=replace(team.layers[0].rotation, members=("bob",)))
    edited = replace(config, teams={"support": replace(team, layers=(layer, *team.layers[1:]))}, overrides=())
    live.swap(edited, edited.schedule(), replace(PROMPTS, greetings={"support": "sound:new-greeting"}))
    leg = ari.targets("originate")[0]
    calls.dispatch(a.ChannelDestroyed("ChannelDestroyed", None, "astreinte", channel(leg), 17, "User busy"))
    [_, second] = await ari.asked_for("originate", 2)
    assert second.details["endpoint"] == "PJSIP/dave", "the live call keeps the chain it started with"
    await arrive(calls, ari, call="1795000000.2")
    await ari.asked_for("play", 2)
    assert [x.details["media"] for x in ari.asked if x.what == "play"] == ["sound:greeting", "sound:new-greeting"]
    calls.dispatch(playback_started(ari, "sound:new-greeting"))
    third = (await ari.asked_for("originate", 3))[2]         # then bob's mobile, in the same turn
    assert third.details["endpoint"] == "PJSIP/bob", "the next call sees the new rota"
    for call in (CALLER, "1795000000.2"):
        calls.dispatch(hung_up(call))
        await ended(calls, call)


async def test_an_error_in_the_runtime_hands_the_caller_to_the_dialplan() -> None:
    ari = FakeAri()
    ari.fail["play"] = RuntimeError("a bug")                 # not a link error: the driver itself fails
    calls = router(ari)
    driver = await arrive(calls, ari)
    await ended(calls)
    assert ari.what()[-2:] == ["set", "continue"]
    assert ari.asked[-1].details == {"context": "astreinte-fallback", "extension": "1000"}
    record: CallRecord = driver.flow.record
    assert (record.outcome, record.reason, record.tier) == ("failed", "error", "dialplan")


async def test_while_draining_a_new_call_goes_straight_to_the_dialplan() -> None:
    ari = FakeAri()
    calls = router(ari)
    calls.accepting = False
    calls.dispatch(stasis_start(CALLER, "1000"))
    await ari.asked_for("continue")
    assert CALLER not in calls.calls
    assert ari.asked[-1].details == {"context": "astreinte-fallback", "extension": "1000"}


async def test_a_phone_leg_of_a_call_that_is_over_is_hung_up() -> None:
    ari = FakeAri()
    calls = router(ari)
    calls.dispatch(stasis_start("1795000000.9-L1", "leg", "1795000000.9"))
    assert (await ari.asked_for("hangup"))[0].target == "1795000000.9-L1"


async def test_ringall_sends_every_phone_before_asterisk_answered_for_any(tmp_path: Path) -> None:
    """One originate after another, each phone would ring only once Asterisk had answered for the one
    before (a few milliseconds each on a loaded PBX); the same for the hangups when the caller leaves."""
    text = (DATA / "config.example.yaml").read_text().replace("strategy: linear ", "strategy: ringall", 1)
    (tmp_path / "config.yaml").write_text(text)
    config = load(tmp_path / "config.yaml", environ={})
    ari = FakeAri()
    ari.delays["originate"] = ari.delays["hangup"] = 0.5
    calls = Router(ari, Services(config, config.schedule(), PROMPTS), LoopClock(SATURDAY_NOON), no_message)
    await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    legs = await ari.asked_for("originate", 2, timeout=0.3)
    assert {leg.details["endpoint"] for leg in legs} == {"PJSIP/alice", "PJSIP/dave"}, "both levels at once"
    await asyncio.sleep(0.6)
    calls.dispatch(hung_up(CALLER))
    hangups = await ari.asked_for("hangup", 2, timeout=0.3)
    assert {x.target for x in hangups} == {leg.target for leg in legs}
    await ended(calls)


async def test_behind_an_answer_kept_in_order_the_lease_and_greeting_are_asked_at_once() -> None:
    # the real ARI client queues a channel's requests behind its answer in flight (one connection,
    # adapters/ari_http.py): the lease and the greeting are then asked without waiting for the answer
    ari = FakeAri()
    ari.lanes, ari.delays["answer"] = True, 0.2
    calls = router(ari)
    await arrive(calls, ari)
    await ari.asked_for("play", timeout=0.15)
    assert ari.what() == ["answer", "set", "play"], "asked in this order, while the answer is in flight"
    await wait_until(lambda: "answer done" in ari.what(), 1, "the answer done")
    await stays(lambda: "originate" not in ari.what(), 0.1, "no phone rings before the greeting started")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    await ari.asked_for("originate")
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_the_greeting_waits_for_its_lease_sent_beside_the_answer() -> None:
    # the lease moved past the greeting travels with the answer; if it lands after the answer, the
    # greeting still waits for it (Asterisk would apply it after the greeting, the 3 s lease running out)
    ari = FakeAri()
    ari.delays["answer"], ari.delays["set"] = 0.02, 0.2
    landed: list[str] = []
    set_variable = ari.set_variable

    async def set_and_note(channel_id: str, name: str, value: str) -> None:
        await set_variable(channel_id, name, value)
        landed.append(value)

    ari.set_variable = set_and_note         # type: ignore[method-assign]
    calls = router(ari)
    await arrive(calls, ari)
    await ari.asked_for("answer")
    await ari.asked_for("set")
    assert "answer done" not in ari.what(), "the lease is sent before the answer is done"
    await ari.asked_for("play", timeout=2)
    assert landed == ["14"], "the greeting was asked for before its lease landed"
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_the_steps_of_one_moment_are_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    # what an admin greps for is there (the phone rung, the team, the chain), in one record, not a dozen
    ari = FakeAri()
    calls = router(ari)
    with caplog.at_level("INFO", logger="astreinte.call"):
        await arrive(calls, ari)
        await ari.asked_for("play")
        calls.dispatch(playback_started(ari, "sound:greeting"))
        await ari.asked_for("originate")
        await wait_until(lambda: any("ringing alice" in r.getMessage() for r in caplog.records), 2, "the step line")
    (start,) = [r.getMessage() for r in caplog.records if "ringing alice" in r.getMessage()]
    steps = start.removeprefix(f"call {CALLER}: ").split(" | ")
    assert steps[0] == "ringing alice (level 1) on PJSIP/alice"
    assert any(step.startswith("arrived on 1000 from ") for step in steps), steps
    assert "level 1 (primary): alice, phones PJSIP/alice" in steps, steps
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_a_phone_going_offline_is_skipped_by_the_live_hunt_ringing_it() -> None:
    ari = FakeAri()
    calls = router(ari)
    await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    [alice] = await ari.asked_for("originate")
    calls.dispatch(a.PeerStatusChange("PeerStatusChange", None, "astreinte", "PJSIP", "alice", "offline",
                                      "Unreachable"))
    [_, dave] = await ari.asked_for("originate", 2)
    assert dave.details["endpoint"] == "PJSIP/dave" and alice.target in ari.targets("hangup")
    assert calls.presence.offline() == frozenset({"PJSIP/alice"})
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_a_lease_renewal_stuck_behind_a_prompt_never_holds_the_call_up() -> None:
    """Asterisk applies a variable on the channel's thread, after its playback: the request may hang."""
    ari = FakeAri()
    ari.delays["set"] = 3.0
    calls = router(ari)
    await arrive(calls, ari)
    await ari.asked_for("play", timeout=2.0)              # not held by the renewal in flight
    calls.dispatch(playback_started(ari, "sound:greeting"))
    await ari.asked_for("originate", timeout=1.0)
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_a_channels_leases_reach_asterisk_in_the_order_the_flow_gave_them() -> None:
    """Two requests in flight may land the other way round: the renewal (4 s) after the lease moved past
    the greeting (14 s) would hand the caller to the dialplan in the middle of the greeting. (A caller
    read 1.6 s late is renewed at once, beside the answer.)"""
    ari = FakeAri()
    ari.delays["set"] = 0.3
    calls = router(ari)
    late = stasis_start(CALLER, "1000")
    calls.dispatch(replace(late, channel=replace(late.channel, created=SATURDAY_NOON - timedelta(seconds=1.6))))
    await ari.asked_for("set")
    await stays(lambda: ari.what().count("set") == 1, 0.2, "the second lease waits for the first's answer")
    await ari.asked_for("play", timeout=2.0)
    assert [x.details["value"] for x in ari.asked if x.what == "set"] == ["4", "14"]
    calls.dispatch(hung_up(CALLER))
    await ended(calls)


async def test_channel_not_in_stasis_ends_the_call_without_touching_the_caller() -> None:
    """422: the dialplan took the caller back (the lease lapsed while we were frozen)."""
    ari = FakeAri()
    calls = router(ari)
    driver = await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    [leg] = await ari.asked_for("originate")
    ari.fail["set"] = AriError("POST", f"/channels/{CALLER}/variable", 422,
                               '{"message":"Channel not in Stasis application"}')
    await ended(calls)
    assert ari.targets("hangup") == [leg.target], "the ringing phone stops; the caller is not hung up"
    assert driver.flow.finished and driver.flow.caller_gone and len(ari.targets("originate")) == 1


async def test_a_call_whose_channels_ended_while_ari_was_down_ends_and_frees_its_callee() -> None:
    """Events sent while disconnected are lost: after a reconnect, each live call is checked (chaos run)."""
    ari = FakeAri()
    calls = router(ari)
    serving = asyncio.create_task(calls.serve())
    ari.push(Connected(1))
    await ari.asked_for("endpoints")                  # the first connection's resync is over
    await asyncio.sleep(0.01)
    driver = await arrive(calls, ari)
    await ari.asked_for("play")
    calls.dispatch(playback_started(ari, "sound:greeting"))
    await ari.asked_for("originate")
    ari.push(Disconnected("link cut"))
    ari.push(Connected(2))                            # the caller and the leg are gone: GET /channels/... -> 404
    await ended(calls)
    assert driver.flow.finished and driver.flow.caller_gone and calls.channels == {}
    ari.push(None)
    await serving
