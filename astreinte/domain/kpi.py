"""Call-handling indicators over a period, from call-log rows (pure).

Rows have the shape of ``Store.calls()``: ``outcome`` (answered, voicemail, abandoned,
outside_service, failed), ``answered_by``, ``wait_seconds`` (time to a human for answered
calls), ``talk_seconds`` and ``attempts`` (each with ``level``, ``person``, ``result``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WAIT_BUCKETS = (10, 20, 30, 45, 60, 90, 120, 180)   # upper bounds in seconds; then "more"


@dataclass(frozen=True)
class Load:
    person: str
    answered: int = 0
    talk_seconds: float = 0.0
    declined: int = 0
    missed: int = 0
    on_call_hours: float = 0.0


@dataclass(frozen=True)
class Kpi:
    calls: int
    answered: int
    voicemail: int
    abandoned: int
    outside_service: int
    failed: int
    declines: int
    wait_median: float | None
    wait_p90: float | None
    levels: Mapping[int, int]                  # level of the answering attempt -> calls
    wait_histogram: tuple[tuple[str, int], ...]
    load: tuple[Load, ...] = field(default=())

    @property
    def in_service(self) -> int:
        return self.calls - self.outside_service

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.in_service if self.in_service else None

    @property
    def outside_service_share(self) -> float | None:
        return self.outside_service / self.calls if self.calls else None

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls, "answered": self.answered, "voicemail": self.voicemail,
            "abandoned": self.abandoned, "outside_service": self.outside_service, "failed": self.failed,
            "declines": self.declines,
            "answer_rate": _round(self.answer_rate), "outside_service_share": _round(self.outside_service_share),
            "time_to_human": {"median": self.wait_median, "p90": self.wait_p90},
            "level_reached": {str(k): v for k, v in sorted(self.levels.items())},
            "wait_histogram": [{"up_to": label, "calls": n} for label, n in self.wait_histogram],
            "load": [{"person": x.person, "answered": x.answered, "talk_minutes": round(x.talk_seconds / 60, 1),
                      "declined": x.declined, "missed": x.missed, "on_call_hours": round(x.on_call_hours, 1)}
                     for x in self.load],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least ``fraction`` of values at or below)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def compute(rows: Iterable[Mapping[str, Any]], on_call_hours: Mapping[str, float] | None = None) -> Kpi:
    outcomes: Counter[str] = Counter()
    waits: list[float] = []
    levels: Counter[int] = Counter()
    answered_by: Counter[str] = Counter()
    talk: dict[str, float] = {}
    declined: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    total = 0
    for row in rows:
        total += 1
        outcome = str(row.get("outcome") or "")
        outcomes[outcome] += 1
        attempts = list(row.get("attempts") or [])
        for attempt in attempts:
            if attempt.get("result") == "declined":
                declined[str(attempt.get("person"))] += 1
            elif attempt.get("result") in ("no_answer", "busy", "unreachable"):
                missed[str(attempt.get("person"))] += 1
        if outcome == "answered" and row.get("answered_by"):
            person = str(row["answered_by"])
            answered_by[person] += 1
            talk[person] = talk.get(person, 0.0) + float(row.get("talk_seconds") or 0)
            if row.get("wait_seconds") is not None:
                waits.append(float(row["wait_seconds"]))
            level = next((int(a["level"]) for a in attempts if a.get("result") == "answered"), None)
            if level is not None:
                levels[level] += 1
    hours = dict(on_call_hours or {})
    people = sorted(set(answered_by) | set(declined) | set(missed) | set(hours))
    load = tuple(Load(p, answered_by[p], talk.get(p, 0.0), declined[p], missed[p], hours.get(p, 0.0)) for p in people)
    return Kpi(total, outcomes["answered"], outcomes["voicemail"], outcomes["abandoned"], outcomes["outside_service"],
               outcomes["failed"], sum(declined.values()), percentile(waits, 0.5), percentile(waits, 0.9),
               dict(levels), histogram(waits), load)


def histogram(waits: Iterable[float]) -> tuple[tuple[str, int], ...]:
    counts = [0] * (len(WAIT_BUCKETS) + 1)
    for wait in waits:
        index = next((n for n, bound in enumerate(WAIT_BUCKETS) if wait <= bound), len(WAIT_BUCKETS))
        counts[index] += 1
    labels = [f"{b}s" for b in WAIT_BUCKETS] + [f">{WAIT_BUCKETS[-1]}s"]
    return tuple(zip(labels, counts, strict=True))
