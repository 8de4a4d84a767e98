"""Small statistics for the benchmarks: nearest-rank percentiles and a summary row."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): p99 of 100 samples is the 99th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float], scale: float = 1.0) -> dict[str, Any]:
    """n, median, p95, p99, min, max (values multiplied by ``scale``, e.g. 1000 for ms)."""
    if not values:
        return {"n": 0, "median": None, "p95": None, "p99": None, "min": None, "max": None}
    return {"n": len(values),
            "median": round(statistics.median(values) * scale, 3),
            "p95": round(percentile(values, 95) * scale, 3),
            "p99": round(percentile(values, 99) * scale, 3),
            "min": round(min(values) * scale, 3),
            "max": round(max(values) * scale, 3)}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.2f}{unit}" if abs(value) < 100 else f"{value:.0f}{unit}"
