"""The FastAGI server against a fake Asterisk on a real socket (port 0): chain out, garbage survived."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from astreinte.adapters.agi import AgiServer
from astreinte.adapters.clock import fixed_clock
from astreinte.config.daemon import Listen
from astreinte.dialplan import Chain

CLOCK = fixed_clock(datetime(2026, 12, 24, 19, 0, tzinfo=UTC))
CHAIN = Chain("1000", "support", ("PJSIP/alice", "PJSIP/bob&PJSIP/+33611223344@trunk-out"), 20, 2, True, None)


def lookup(number: str, now: datetime) -> Chain | None:
    return CHAIN if number == "1000" else None


STATUS = "GET VARIABLE STASISSTATUS"


async def asterisk(port: int, extension: str, *, env: bytes | None = None, stasis: str = "") -> list[str]:
    """Play Asterisk: send the environment, answer 200 to every command, return the commands.

    ``stasis`` is the channel's STASISSTATUS (empty: Stasis() was not run, or the daemon handed the call back)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env if env is not None else (
        f"agi_network: yes\nagi_network_script: chain\nagi_request: agi://127.0.0.1/chain\n"
        f"agi_channel: PJSIP/trunk-1\nagi_uniqueid: 17.1\nagi_extension: {extension}\n\n").encode())
    await writer.drain()
    commands = []
    while line := await asyncio.wait_for(reader.readline(), 5):
        commands.append(line.decode().rstrip("\n"))
        if commands[-1] == STATUS:
            writer.write(f"200 result=1 ({stasis})\n".encode() if stasis else b"200 result=0\n")
        else:
            writer.write(b"200 result=1\n")
        await writer.drain()
    writer.close()
    return commands


async def started(served: list[str]) -> tuple[AgiServer, asyncio.Task[None]]:
    server = AgiServer(Listen("127.0.0.1", 0), lookup, clock=CLOCK, served=served.append)
    ready = asyncio.Event()
    task = asyncio.create_task(server.serve(ready))
    await asyncio.wait_for(ready.wait(), 5)
    return server, task


async def test_the_chain_is_set_levels_last() -> None:
    served: list[str] = []
    server, task = await started(served)
    try:
        assert server.port is not None
        commands = await asterisk(server.port, "1000")
    finally:
        task.cancel()
    assert commands[:7] == [
        'SET VARIABLE ASTREINTE_TEAM "support"', 'SET VARIABLE ASTREINTE_RING "20"',
        'SET VARIABLE ASTREINTE_ROUNDS "2"', 'SET VARIABLE ASTREINTE_CONFIRM ""',
        'SET VARIABLE ASTREINTE_CONFIRM_TIMEOUT "10"', 'SET VARIABLE ASTREINTE_DIAL_1 "PJSIP/alice"',
        'SET VARIABLE ASTREINTE_DIAL_2 "PJSIP/bob&PJSIP/+33611223344@trunk-out"']
    assert commands[7] == 'SET VARIABLE ASTREINTE_LEVELS "2"'
    assert commands[-1] == STATUS, "asked last, not to delay the call"
    assert served == ["chain"]


async def test_unknown_or_hostile_numbers_get_zero_levels() -> None:
    served: list[str] = []
    server, task = await started(served)
    try:
        assert server.port is not None
        assert await asterisk(server.port, "4242") == ['SET VARIABLE ASTREINTE_LEVELS "0"', STATUS]
        assert await asterisk(server.port, '1000" EXEC System id') == ['SET VARIABLE ASTREINTE_LEVELS "0"', STATUS]
    finally:
        task.cancel()
    assert served == ["unknown_number", "unknown_number"]


async def test_garbage_and_silence_cost_one_connection_not_the_server() -> None:
    served: list[str] = []
    server, task = await started(served)
    try:
        assert server.port is not None
        assert await asterisk(server.port, "", env=b"GET / HTTP/1.0\r\n\r\n") == []
        assert await asterisk(server.port, "", env=b"\x00" * 70000) == []
        _, silent = await asyncio.open_connection("127.0.0.1", server.port)   # says nothing: timed out later
        assert (await asterisk(server.port, "1000"))[-3] == 'SET VARIABLE ASTREINTE_LEVELS "2"'
        silent.close()
    finally:
        task.cancel()
    assert served.count("error") == 2 and "chain" in served


async def test_a_blocked_caller_is_refused_by_the_agi_tier_too() -> None:
    served: list[str] = []
    server = AgiServer(Listen("127.0.0.1", 0), lookup, clock=CLOCK, served=served.append,
                       blocked=lambda caller: caller == "0611223344")
    ready = asyncio.Event()
    task = asyncio.create_task(server.serve(ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        assert server.port is not None
        env = b"agi_network_script: chain\nagi_extension: 1000\nagi_callerid: 0611223344\n\n"
        assert await asterisk(server.port, "1000", env=env) == ['SET VARIABLE ASTREINTE_BLOCKED "1"', STATUS]
    finally:
        task.cancel()
    assert served == ["blocked"]


async def test_a_call_that_comes_because_stasis_failed_is_reported() -> None:
    """Stasis() failing while the daemon thinks it holds the app: the ARI client must connect again."""
    failed: list[str] = []
    server = AgiServer(Listen("127.0.0.1", 0), lookup, clock=CLOCK, stasis_failed=lambda: failed.append("now"))
    ready = asyncio.Event()
    task = asyncio.create_task(server.serve(ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        assert server.port is not None
        await asterisk(server.port, "1000")                        # the daemon handed it back: SUCCESS/unset
        await asterisk(server.port, "1000", stasis="SUCCESS")
        assert failed == []
        await asterisk(server.port, "1000", stasis="FAILED")
        await asterisk(server.port, "4242", stasis="FAILED")       # whatever the number
        assert failed == ["now", "now"]
    finally:
        task.cancel()


async def test_a_stopping_daemon_waits_for_the_calls_it_handed_back_to_reach_fastagi() -> None:
    # the daemon handed channel 17.1 to the dialplan as it stopped: FastAGI must stay up until that
    # call's request came and was answered, not close under it (its caller would lose tier 2)
    served: list[str] = []
    server, task = await started(served)
    try:
        assert server.port is not None
        waiting = asyncio.create_task(server.serve_those({"17.1"}, timeout=5))
        await asyncio.sleep(0.2)
        assert not waiting.done(), "stopped waiting before the handed-back call came"
        commands = await asterisk(server.port, "1000")
        assert await asyncio.wait_for(waiting, 5) == set(), "the call was served"
        assert served == ["chain"] and commands[-1] == STATUS
        # a call that never comes (its caller hung up) holds the stop no longer than the timeout
        assert await server.serve_those({"99.9"}, timeout=0.2) == {"99.9"}
    finally:
        task.cancel()
