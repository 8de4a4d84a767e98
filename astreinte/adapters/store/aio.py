"""The store for the daemon: every call runs in one dedicated thread (sqlite3 connections are per-thread).

    store = await AsyncStore.open(path)
    publication = await store.run(lambda s: s.publish(config, now, source="daemon start"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from astreinte.adapters.store import Store

T = TypeVar("T")


class AsyncStore:
    def __init__(self, executor: ThreadPoolExecutor, store: Store) -> None:
        self._executor = executor
        self._store = store

    @classmethod
    async def open(cls, path: Path) -> AsyncStore:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="astreinte-sqlite")
        store = await asyncio.get_running_loop().run_in_executor(executor, lambda: Store.open(path, journal=True))
        return cls(executor, store)         # (the call log's rows commit without an fsync: calls.relaxed)

    async def run(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` in the store's thread (one writer, in order)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, self._store)

    async def close(self) -> None:
        await self.run(lambda s: s.close())
        self._executor.shutdown(wait=True)
