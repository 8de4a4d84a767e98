"""The report per customer (``astreinte report customers``): what a hotline contract promises, by month.

For each known caller (``callers:``) and each local month: calls, answered, the time to a human (median,
p90, of the answered calls: ``domain/kpi.py``), messages left, abandoned. Calls of no customer are one
more line (``customer: null``). Pure: call rows in, a JSON-able document out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.domain import kpi
from astreinte.domain.callers import merged

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.callers import Customer


def build(config: Config, rows: Iterable[Mapping[str, Any]], start: datetime, end: datetime,
          customer: str | None = None, imported: Mapping[str, Customer] | None = None) -> dict[str, Any]:
    """``imported``: the customers of ``astreinte callers import`` (the configuration's win on an id)."""
    zone = config.timezone
    groups: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("tier") == "callout" or (customer is not None and row.get("customer") != customer):
            continue
        month = datetime.fromisoformat(str(row["started_at"])).astimezone(zone).strftime("%Y-%m")
        groups.setdefault((month, row.get("customer")), []).append(row)
    known = merged(config.callers, imported or {}).customers
    lines = []
    for (month, who), calls in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "\uffff")):
        result = kpi.compute(calls)
        person = known.get(who) if who is not None else None
        lines.append({"month": month, "customer": who, "name": person.name if person else None,
                      "site": person.site if person else None, "level": person.level if person else None,
                      "calls": result.calls, "answered": result.answered, "messages": result.voicemail,
                      "abandoned": result.abandoned,
                      "time_to_human": {"median": result.wait_median, "p90": result.wait_p90}})
    return {"from": start.astimezone(zone).isoformat(timespec="seconds"),
            "to": end.astimezone(zone).isoformat(timespec="seconds"), "timezone": str(zone), "customers": lines}


def text(document: Mapping[str, Any]) -> str:
    out = [f"{document['from']} -> {document['to']}",
           f"{'month':<8} {'customer':<32} {'calls':>5} {'answered':>8} {'messages':>8} {'median':>7} {'p90':>7}"]
    for line in document["customers"]:
        who = f"{line['name']} ({line['site']})" if line["site"] else line["name"] or "(not a customer)"
        wait = line["time_to_human"]
        out.append(f"{line['month']:<8} {who[:32]:<32} {line['calls']:>5} {line['answered']:>8} "
                   f"{line['messages']:>8} {_seconds(wait['median']):>7} {_seconds(wait['p90']):>7}")
    return "\n".join(out) + "\n"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"
