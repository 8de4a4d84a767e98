"""The daemon's long-lived objects are frozen out of the collector's passes, never its garbage."""
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from astreinte.runtime import heap


class Node:
    def __init__(self) -> None:
        self.me = self          # a cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()               # the rest of the suite runs as before


def test_garbage_is_collected_before_the_rest_is_frozen() -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    kept = Node()
    del garbage
    frozen = heap.settle()
    assert gone() is None                       # not frozen with the living objects
    assert frozen == gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())      # out of every generation's passes


def test_a_reload_frees_the_old_configurations_cycles() -> None:
    old = Node()
    gone = weakref.ref(old)
    heap.settle()
    del old                                     # the configuration a reload replaced, frozen at start
    gc.collect()
    assert gone() is not None                   # a frozen cycle is never collected...
    heap.refresh()
    assert gone() is None                       # ...until the reload thaws and collects
