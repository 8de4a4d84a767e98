"""The KPI report document (calls, answer rate, time to a human, load) and the rota calendars
shown beside it. Pure: call rows and the schedule in, a JSON-able document out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from astreinte.domain import kpi
from astreinte.report import facts

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule

MonthCalendar = tuple[int, int, Mapping[int, Sequence[str]], Sequence[int]]


def build(config: Config, schedule: Schedule, rows: Iterable[Mapping[str, Any]], start: datetime, end: datetime,
          team: str | None = None, messages: Iterable[Mapping[str, Any]] = ()
          ) -> tuple[dict[str, Any], list[MonthCalendar]]:
    teams = [team] if team else list(config.teams)
    pieces = [s for t in teams for s in schedule.shifts(t, start, end)]
    in_service = facts.astreinte(config, pieces, start, end)
    hours = {person: sum((e - s).total_seconds() for s, e in spans) / 3600 for person, spans in in_service.items()}
    calls = [r for r in rows if (team is None or r.get("team") == team) and r.get("tier") != "callout"]
    result = kpi.compute(calls, hours)      # callouts are the daemon calling out, not calls to the line
    zone = config.timezone
    document = {"from": start.astimezone(zone).isoformat(timespec="seconds"),
                "to": end.astimezone(zone).isoformat(timespec="seconds"),
                "team": team, "timezone": str(zone), "kpi": result.to_json(),
                "messages": message_states([m for m in messages if team is None or m.get("team") == team]),
                "customers": by_customer(calls)}
    return document, calendars(config, pieces, start, end)


def by_customer(calls: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Calls per known caller (``callers:``; ``astreinte report customers`` has the detail)."""
    counts: dict[str, int] = {}
    for row in calls:
        if row.get("customer"):
            counts[str(row["customer"])] = counts.get(str(row["customer"]), 0) + 1
    return dict(sorted(counts.items()))


def message_states(messages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The messages left in the period by state; the expired ones (nobody acknowledged them) by number."""
    rows = list(messages)
    counts = {state: sum(1 for m in rows if m.get("state") == state)
              for state in ("new", "calling", "heard", "acknowledged", "expired")}
    return {"left": len(rows), **counts, "expired_ids": [m["id"] for m in rows if m.get("state") == "expired"]}


def calendars(config: Config, pieces: Sequence[Any], start: datetime, end: datetime) -> list[MonthCalendar]:
    """Per month of [start, end): day -> first-level holders that day, and the public holidays."""
    calendar = facts.calendar_of(config)
    first_level = [s for s in pieces if s.level == 1]
    result: list[MonthCalendar] = []
    day = start.astimezone(config.timezone).date()
    current: dict[int, list[str]] = {}
    holidays: list[int] = []
    month = (day.year, day.month)
    while calendar.local_midnight(day) < end:
        if (day.year, day.month) != month:
            result.append((*month, current, holidays))
            current, holidays, month = {}, [], (day.year, day.month)
        lo, hi = calendar.local_midnight(day), calendar.local_midnight(day + timedelta(days=1))
        people = sorted({s.person.id for s in first_level if s.start < hi and s.end > lo},
                        key=lambda p: min(s.start for s in first_level if s.person.id == p and s.end > lo))
        if people:
            current[day.day] = people
        if calendar.is_holiday(day):
            holidays.append(day.day)
        day += timedelta(days=1)
    result.append((*month, current, holidays))
    return result


def text(document: Mapping[str, Any]) -> str:
    k = document["kpi"]
    rate = "-" if k["answer_rate"] is None else f"{k['answer_rate']:.1%}"
    share = "-" if k["outside_service_share"] is None else f"{k['outside_service_share']:.1%}"
    lines = [
        f"{document['from']} -> {document['to']}  team: {document['team'] or 'all'}",
        f"calls {k['calls']}  answered {k['answered']}  answer rate {rate}  outside service {k['outside_service']} "
        f"({share})",
        f"time to a human: median {k['time_to_human']['median']} s, p90 {k['time_to_human']['p90']} s",
        f"declines {k['declines']}  voicemails {k['voicemail']}  abandoned {k['abandoned']}  failed {k['failed']}",
        _messages_line(document.get("messages") or {}),
        "level reached: " + (", ".join(f"L{lv}: {n}" for lv, n in k["level_reached"].items()) or "-"),
        "load per person:",
    ]
    for x in k["load"]:
        lines.append(f"  {x['person']:<12} answered {x['answered']:>4}  talk {x['talk_minutes']:>7} min  "
                     f"declined {x['declined']:>3}  missed {x['missed']:>3}  on call {x['on_call_hours']:>6} h")
    return "\n".join(lines) + "\n"


def _messages_line(m: Mapping[str, Any]) -> str:
    expired = m.get("expired", 0)
    flag = f"  EXPIRED (never acknowledged): {expired} ({', '.join(f'#{n}' for n in m.get('expired_ids', []))})" \
        if expired else "  expired 0"
    return f"messages {m.get('left', 0)}  acknowledged {m.get('acknowledged', 0)}{flag}"
