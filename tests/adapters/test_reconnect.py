"""ARI reconnects with a jittered backoff: 0.1 s first, ×1.6 each time, at most 5 s (each ±20 %).

docs/operations.md promises it: a daemon whose ARI link drops retries at once (callers are refused
meanwhile), and an Asterisk that stays down is not hammered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

from astreinte.adapters.ari import Ari, backoff
from astreinte.config import AriSettings
from tests.helpers.timing import scaled


async def delays(count: int) -> list[float]:
    out: list[float] = []
    async for delay in backoff():
        out.append(delay)
        if len(out) == count:
            return out
    raise AssertionError("backoff() ended")


async def test_backoff_starts_at_a_tenth_of_a_second_and_levels_off_at_5_seconds() -> None:
    for _ in range(50):                                     # the jitter is random: many runs
        got = await delays(20)
        for n, delay in enumerate(got):
            nominal = min(0.1 * 1.6**n, 5.0)
            assert 0.8 * nominal <= delay <= 1.2 * nominal, (n, delay)
        assert 0.08 <= got[0] <= 0.12
        assert all(4.0 <= delay <= 6.0 for delay in got[9:]), "at most 5 s (±20 %), reached by the 10th retry"


async def test_the_ari_client_retries_at_once_then_slower() -> None:
    """A server that hangs up on every WebSocket handshake: the attempts come 0.1 s, 0.16 s, 0.26 s... apart."""
    loop = asyncio.get_running_loop()
    attempts: list[float] = []
    enough = asyncio.Event()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        now = loop.time()
        if not attempts or now - attempts[-1] > 0.04:       # aiohttp retries a GET once on a dropped connection
            attempts.append(now)
        if len(attempts) >= 6:
            enough.set()
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, Ari(AriSettings(f"http://127.0.0.1:{port}", "astreinte", "secret", "astreinte")) as ari:
        async def consume() -> None:
            async for _ in ari.events():
                raise AssertionError("no event can come from a server that hangs up")

        task = asyncio.create_task(consume())
        try:
            async with asyncio.timeout(scaled(10)):
                await enough.wait()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert len(attempts) >= 6, attempts
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    for n, gap in enumerate(gaps[:5]):
        nominal = 0.1 * 1.6**n
        assert 0.8 * nominal <= gap <= 1.2 * nominal + scaled(0.15), (n, gaps)
