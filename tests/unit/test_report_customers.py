"""The report per customer (``astreinte report customers``): calls, answered, time to a human, messages,
by customer and local month; and the KPI report's count of calls per customer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from astreinte.config import load
from astreinte.report import customers, kpi
from tests.helpers.calls import PARIS

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()
DIRECTORY = """
callers:
  biogaz-stlo: {name: Biogaz de la Vallée, site: Saint-Lô, numbers: ["02 33 00 11 22"], level: premium}
"""


def row(started: str, outcome: str, wait: float | None, customer: str | None = "biogaz-stlo",
        tier: str = "stasis") -> dict[str, Any]:
    return {"started_at": started, "outcome": outcome, "wait_seconds": wait, "customer": customer, "tier": tier,
            "answered_by": "alice" if outcome == "answered" else None, "talk_seconds": 60.0, "attempts": [],
            "team": "support"}


ROWS = [row("2026-11-03T10:00:00+00:00", "answered", 8.0), row("2026-11-04T10:00:00+00:00", "answered", 20.0),
        row("2026-11-05T10:00:00+00:00", "voicemail", None), row("2026-11-30T23:30:00+00:00", "answered", 5.0),
        row("2026-11-06T10:00:00+00:00", "answered", 3.0, customer=None),
        row("2026-11-07T10:00:00+00:00", "answered", 1.0, tier="callout")]


def test_per_customer_and_local_month(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE + DIRECTORY)
    config = load(path, environ={})
    start, end = datetime(2026, 11, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS)
    document = customers.build(config, ROWS, start, end)
    lines = [(x["month"], x["customer"], x["calls"], x["answered"], x["messages"], x["time_to_human"]["median"],
              x["time_to_human"]["p90"]) for x in document["customers"]]
    assert lines == [("2026-11", "biogaz-stlo", 3, 2, 1, 8.0, 20.0),
                     ("2026-11", None, 1, 1, 0, 3.0, 3.0),
                     ("2026-12", "biogaz-stlo", 1, 1, 0, 5.0, 5.0)], "23:30 UTC on 30 Nov is December in Paris"
    assert document["customers"][0]["name"] == "Biogaz de la Vallée" and document["customers"][0]["level"] == "premium"
    text = customers.text(document)
    assert "Biogaz de la Vallée (Saint-Lô)" in text and "(not a customer)" in text
    only = customers.build(config, ROWS, start, end, "biogaz-stlo")
    assert {x["customer"] for x in only["customers"]} == {"biogaz-stlo"}


def test_the_kpi_report_counts_the_calls_of_each_customer() -> None:
    assert kpi.by_customer(ROWS) == {"biogaz-stlo": 5}
