"""The targets of issue 18 and whether a run met them: pure functions over a run's figures.

A time-to-a-human cell is met when astreinte's median is at most its target, and beats a native
system when astreinte's median is below that system's in the same run. A cell with no figure
(every call of the cell failed) is neither met nor beaten: ``None``, shown as "no figure".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NATIVE = ("FollowMe", "FollowMe d", "Dial + U()")


@dataclass(frozen=True)
class Cell:
    """One time-to-a-human cell: who answers, after which first level, and its target (s)."""

    name: str
    kind: str           # "1": a softphone answers (no confirmation), "2": a mobile, which presses 1
    step: str           # "0": the first level answers, "5": it stays silent 5 s, the second answers
    target_s: float


CELLS = (
    Cell("softphone answers (confirm: external)", "1", "0", 2.2),
    Cell("mobile presses 1 three s after answering", "2", "0", 5.2),
    Cell("first level silent 5 s, a softphone answers", "1", "5", 7.2),
    Cell("first level silent 5 s, a mobile presses 1", "2", "5", 10.2),
)


def at_most(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target


def beats(ours: float | None, theirs: float | None) -> bool | None:
    """astreinte faster than a native system; None when either has no figure."""
    if ours is None or theirs is None:
        return None
    return ours < theirs


def cell_verdict(row: Mapping[str, Any], target: float, natives: Sequence[str] = NATIVE) -> dict[str, Any]:
    """``row``: system name -> {"median": s | None, ...}. Met, and which natives are beaten."""
    ours = (row.get("astreinte") or {}).get("median")
    beaten = {name: beats(ours, (row.get(name) or {}).get("median")) for name in natives}
    known = [b for b in beaten.values() if b is not None]
    return {"target_s": target, "median_s": ours, "met": at_most(ours, target), "beats": beaten,
            "beats_all": (all(known) if len(known) == len(beaten) else None)}


def yes_no(value: bool | None) -> str:
    return "no figure" if value is None else ("yes" if value else "**no**")


def summary_rows(results: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, measured, target, met) for every issue-18 target a run has figures for."""
    rows: list[tuple[str, str, str, str]] = []
    for name, cell in ((results.get("human") or {}).get("cells") or {}).items():
        v = cell["verdict"]
        median = v["median_s"]
        rows.append((f"time to a human: {name}", "–" if median is None else f"{median:.2f} s median",
                     f"≤ {v['target_s']:.1f} s, beats every native", f"{yes_no(v['met'])}; beats all: "
                     f"{yes_no(v['beats_all'])}"))
    share = (results.get("overhead") or {}).get("daemon_share") or {}
    own = share.get("own_ms") or {}
    if own.get("n"):
        rows.append(("daemon's own share, StasisStart → first originate written", _p(own),
                     "p50 ≤ 1 ms, p99 ≤ 3 ms",
                     yes_no(own["median"] <= 1.0 and own["p99"] <= 3.0)))
    burst = results.get("burst") or {}
    per_call = (burst.get("cpu_ms_per_call") or {}).get("daemon")
    if per_call is not None:
        rows.append(("burst: daemon CPU per call (3 legs)", f"{per_call:.2f} ms", "≤ 4.85 ms (half of 9.7)",
                     yes_no(per_call <= 4.85)))
    base = results.get("baseline") or {}
    if base.get("ratio") is not None:
        rows.append((f"burst: daemon CPU per call ÷ the baseline's ({base['baseline']}), same run",
                     f"{base['ratio']:.2f} ({base['current_ms']:.2f} / {base['baseline_ms']:.2f} ms)", "≤ 0.5",
                     yes_no(base["ratio"] <= 0.5)))
    elif base.get("skipped"):
        rows.append(("burst: daemon CPU per call ÷ the baseline's", "not measured", "≤ 0.5", base["skipped"]))
    cli = (results.get("cli") or {}).get("rows") or {}
    for key, label in (("who_json", "`astreinte who --json`"), ("who", "`astreinte who`")):
        if key in cli:
            ratio = cli[key]["ratio"]
            rows.append((f"{label} ÷ `python -c 'import click, yaml, sqlite3'`", f"{ratio:.2f}×", "≤ 2×",
                         yes_no(ratio <= 2.0) if key == "who_json" else "(no target)"))
    return rows


def _p(row: Mapping[str, Any]) -> str:
    return f"p50 {row['median']:.2f} / p99 {row['p99']:.2f} ms (n {row['n']})"
