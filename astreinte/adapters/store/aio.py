"""The store for the daemon: every call runs in one dedicated thread (sqlite3 connections are per-thread).

    store = await AsyncStore.open(path)
    publication = await store.run(lambda s: s.publish(config, now, source="daemon start"))
    await store.log_row(lambda s: s.finish_call(record, steps))     # joined with its neighbours

The call log's rows (two a call: its arrival, its end) are what a burst writes most. Each job costs a
trip to the store's thread and back, and each write its own transaction; so the rows asked for
within ``WINDOW`` of each other go together, one trip and one commit. Order is kept: a job of
``run`` first sends the rows waiting before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from astreinte.adapters.store import Store, calls

T = TypeVar("T")
Row = Callable[[Store], None]
WINDOW = 0.1            # seconds a call log row may wait for others (a crash loses at most these)

log = logging.getLogger("astreinte.store")


class AsyncStore:
    def __init__(self, executor: ThreadPoolExecutor, store: Store) -> None:
        self._executor = executor
        self._store = store
        self._rows: list[tuple[Row, asyncio.Future[None]]] = []
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    async def open(cls, path: Path) -> AsyncStore:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="astreinte-sqlite")
        store = await asyncio.get_running_loop().run_in_executor(executor, lambda: Store.open(path, journal=True))
        return cls(executor, store)         # (the call log's rows commit without an fsync: calls.relaxed)

    async def run(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` in the store's thread (one writer, in order)."""
        self._send()
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, self._store)

    async def log_row(self, fn: Row) -> None:
        """Run ``fn(store)``, a call log row (``begin_call``, ``finish_call``), with the other rows asked
        for within ``WINDOW``: in one transaction, unless it fails; then each alone, as ``run`` would."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._rows.append((fn, done))
        if self._timer is None:
            self._timer = loop.call_later(WINDOW, self._send)
        await done

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        sent = asyncio.get_running_loop().run_in_executor(self._executor, self._write, [fn for fn, _ in rows])

        def settle(future: asyncio.Future[list[BaseException | None]]) -> None:
            failures = future.result() if not future.cancelled() and future.exception() is None \
                else [future.exception() or asyncio.CancelledError()] * len(rows)
            for (_, done), failure in zip(rows, failures, strict=True):
                if done.done():
                    continue
                if failure is None:
                    done.set_result(None)
                else:
                    done.set_exception(failure)

        sent.add_done_callback(settle)

    def _write(self, rows: list[Row]) -> list[BaseException | None]:
        """In the store's thread: the rows in one transaction, or, if that fails, each in its own."""
        journal = self._store.journal
        if len(rows) > 1 and (journal is None or not journal.used):     # (a journal in use: SQLite is failing)
            try:
                with calls.batch(self._store.db):
                    for fn in rows:
                        fn(self._store)
                return [None] * len(rows)
            except Exception as exc:
                log.warning("%d call log rows could not be written together (%s): writing each alone",
                            len(rows), exc)
        failures: list[BaseException | None] = []
        for fn in rows:
            try:
                fn(self._store)
                failures.append(None)
            except Exception as exc:
                failures.append(exc)
        return failures

    async def close(self) -> None:
        await self.run(lambda s: s.close())
        self._executor.shutdown(wait=True)
