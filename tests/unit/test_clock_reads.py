"""Time is an input: nothing in the package or the tests reads the wall clock but the one clock provider.

Ruff bans the same calls in the package (pyproject.toml, TID251); this test covers the tests too,
where ruff's rule is off for other reasons (``asyncio.wait_for``). A test that needs the daemon's
"now" (the lab's e2e tests: Asterisk runs on the real clock) asks ``system_clock()`` for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLOCK = REPO / "astreinte" / "adapters" / "clock.py"

# (object, attribute) pairs that read the wall clock
READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
         ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime")}


def clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
            if (name, node.func.attr) in READS:
                found.append((node.lineno, f"{name}.{node.func.attr}()"))
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [(node.lineno, f"from time import {a.name}") for a in node.names if ("time", a.name) in READS]
    return found


def test_the_finder_sees_every_form() -> None:
    source = ("import datetime, time\nfrom datetime import date\nfrom time import time as now\n"
              "datetime.datetime.now()\ndate.today()\ntime.time()\n")
    assert [line for line, _ in clock_reads(source)] == [3, 4, 5, 6]
    assert clock_reads("loop.time()\ntime.monotonic()\nclock()\n") == []


@pytest.mark.parametrize("folder", ["astreinte", "tests"])
def test_no_clock_read_outside_the_clock_provider(folder: str) -> None:
    offenders = [f"{path.relative_to(REPO)}:{line}: {what}"
                 for path in sorted((REPO / folder).rglob("*.py")) if path != CLOCK
                 for line, what in clock_reads(path.read_text(encoding="utf-8"))]
    assert offenders == [], "read the injected clock instead (astreinte.adapters.clock):\n" + "\n".join(offenders)


def test_the_clock_provider_reads_the_clock_once() -> None:
    assert [what for _, what in clock_reads(CLOCK.read_text(encoding="utf-8"))] == ["datetime.now()"]
