"""The daemon's store joins the call log rows of neighbouring calls into one transaction
(``AsyncStore.log_row``), against real SQLite files: nothing lost, nothing out of order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from astreinte.adapters.store import Store
from astreinte.adapters.store.aio import AsyncStore
from tests.adapters.test_journal import T0, full, record, replace_outcome, room


def begin(n: int) -> Callable[[Store], None]:
    return lambda s: s.begin_call(replace_outcome(record(n), "in_progress"))


def finish(n: int, detail: str) -> Callable[[Store], None]:
    return lambda s: s.finish_call(record(n), [(T0, "step", detail)])


async def opened(tmp_path: Path) -> tuple[AsyncStore, list[str]]:
    store = await AsyncStore.open(tmp_path / "astreinte.db")
    statements: list[str] = []
    await store.run(lambda s: s.db.conn.set_trace_callback(statements.append))
    return store, statements


async def test_rows_of_a_burst_share_one_commit_and_all_land(tmp_path: Path) -> None:
    store, statements = await opened(tmp_path)
    try:
        await asyncio.gather(*(store.log_row(begin(n)) for n in range(10)))
        await asyncio.gather(*(store.log_row(finish(n, f"call {n}")) for n in range(10)))
        rows = await store.run(lambda s: s.calls())
        events = await store.run(lambda s: s.call_events(record(7).id))
    finally:
        await store.close()
    assert len(rows) == 10 and {r["outcome"] for r in rows} == {"answered"}
    assert [r["attempts"][0]["person"] for r in rows] == ["alice"] * 10
    assert [e["detail"] for e in events] == ["call 7"]
    assert statements.count("COMMIT") == 2, statements       # ten arrivals, then ten ends: two transactions


async def test_a_job_asked_after_a_waiting_row_sees_it(tmp_path: Path) -> None:
    store, _ = await opened(tmp_path)
    try:
        writing = asyncio.ensure_future(store.log_row(lambda s: s.finish_call(record(1))))
        await asyncio.sleep(0)                           # the row waits for neighbours...
        rows = await store.run(lambda s: s.calls())      # ...but a later job goes after it
        await writing
    finally:
        await store.close()
    assert [r["id"] for r in rows] == [record(1).id]


async def test_a_failing_row_fails_alone_and_its_neighbours_are_written(tmp_path: Path) -> None:
    store, _ = await opened(tmp_path)

    def broken(s: Store) -> None:
        raise ValueError("a row that cannot be written")

    try:
        results = await asyncio.gather(store.log_row(lambda s: s.finish_call(record(1))), store.log_row(broken),
                                       store.log_row(lambda s: s.finish_call(record(2))), return_exceptions=True)
        rows = await store.run(lambda s: s.calls())
    finally:
        await store.close()
    assert results[0] is None and results[2] is None and isinstance(results[1], ValueError)
    assert [r["id"] for r in rows] == [record(1).id, record(2).id]


async def test_rows_a_full_disk_refuses_together_are_journaled_one_by_one_and_replayed(tmp_path: Path) -> None:
    store, _ = await opened(tmp_path)
    try:
        await store.run(full)
        await asyncio.gather(*(store.log_row(finish(n, "bridged with alice " + "x" * 200)) for n in range(40)))
        kept = await store.run(lambda s: s.journal.entries() if s.journal else [])
        await store.run(room)
        replayed = await store.run(lambda s: s.replay_journal())
        rows = await store.run(lambda s: s.calls())
    finally:
        await store.close()
    assert kept and replayed == len(kept)
    assert sorted(r["id"] for r in rows) == sorted(record(n).id for n in range(40)), "no call lost"
