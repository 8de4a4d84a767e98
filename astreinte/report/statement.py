"""The monthly statement (Code du travail R3121-2): per employee, astreinte hours by kind, each
intervention, the compensation under the configured profile, rest incidents and short-notice
assignments.

``build`` is pure and deterministic (no clock, sorted everything, amounts as strings to the
cent), so a closed month always renders to the same bytes; ``to_json`` / ``to_csv`` / (in
``report.html``) ``statement_html`` render it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from astreinte.domain.compensation import Intervention, Profile, compensate
from astreinte.domain.timesplit import KINDS, hours, split
from astreinte.report import facts

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule

REST_RULES = ("daily_rest", "weekly_rest", "working_days", "max_day", "max_week", "average_12_weeks")
NOTICE_RULES = ("notice", "unpublished")
CSV_COLUMNS = ("month", "person", "name", "section", "kind", "start", "end", "hours", "rate", "amount", "detail")


def month_bounds(config: Config, month: str) -> tuple[datetime, datetime]:
    """``2026-11`` -> local midnights of 1 November and 1 December."""
    year, number = (int(part) for part in month.split("-"))
    calendar = facts.calendar_of(config)
    first = datetime(year, number, 1).date()
    following = (first + timedelta(days=32)).replace(day=1)
    return calendar.local_midnight(first), calendar.local_midnight(following)


def build(config: Config, schedule: Schedule, profile: Profile, log: Sequence[facts.Published],
          interventions: Sequence[Intervention], month: str, person: str | None = None) -> dict[str, Any]:
    """The statement document of ``month`` (``YYYY-MM``) for one person or everyone on call."""
    start, end = month_bounds(config, month)
    calendar = facts.calendar_of(config)
    zone = config.timezone
    pieces = facts.shifts(config, schedule, start - facts.MARGIN, end + facts.MARGIN)
    stretches = facts.on_call(pieces)
    in_service = facts.astreinte(config, pieces, start, end)
    notices = facts.notices(pieces, log)
    found = facts.findings(config, schedule, log, interventions, start, end)

    def iso(moment: datetime) -> str:
        return moment.astimezone(zone).isoformat(timespec="seconds")

    wanted = [person] if person is not None else sorted(
        {p for p, spans in in_service.items() if spans} | {i.person for i in interventions
                                                           if i.end > start and i.start < end})
    people = []
    for person_id in wanted:
        mine = [i for i in interventions if i.person == person_id and i.end > start and i.start < end]
        mine.sort(key=lambda i: (i.start, i.end, i.source, i.ref))
        seconds = split(calendar, in_service.get(person_id, []))
        told = {n.start: n.published_at for n in notices if n.person == person_id and n.published_at}
        result = compensate(profile, calendar, stretches.get(person_id, []), (start, end),
                            sum(seconds.values()), mine, told)
        entry = config.people.get(person_id)
        by_kind: dict[str, str] = {kind: str(hours(seconds[kind])) for kind in KINDS}
        by_kind["total"] = str(hours(sum(seconds.values())))
        people.append({
            "person": person_id,
            "name": entry.name if entry else person_id,
            "language": config.language_of(person_id),
            "astreinte_hours": by_kind,
            "periods": [{"kind": p.kind, "start": iso(p.start), "end": iso(p.end), "amount": str(p.amount),
                         "short_notice": p.short_notice, "rest_hours": str(p.rest_hours)} for p in result.periods],
            "blocks": {"hours": profile.block_hours, "count": result.blocks, "amount": str(result.block_amount)},
            "interventions": [{"start": iso(i.start), "end": iso(i.end), "on_site": i.on_site,
                               "travel_minutes": i.travel_seconds // 60, "source": i.source, "ref": i.ref,
                               "note": i.note,
                               "hours": str(hours(round((i.working[1] - i.working[0]).total_seconds())))}
                              for i in mine],
            "intervention_pay": [{"kind": p.kind, "hours": str(hours(p.seconds)), "rate": str(p.rate),
                                  "amount": str(p.amount), "rest_hours": str(p.rest_hours)}
                                 for p in result.interventions],
            "totals": {"periods": str(result.periods_total), "interventions": str(result.interventions_total),
                       "total": str(result.total), "rest_hours_instead": str(result.rest_hours)},
            "rest_incidents": [f.to_json(calendar) for f in found
                               if f.person == person_id and f.rule in REST_RULES],
            "short_notice": [f.to_json(calendar) for f in found
                             if f.person == person_id and f.rule in NOTICE_RULES],
            "on_call_days": _days(config, stretches.get(person_id, []), start, end),
        })
    holidays = config.holidays.country or "none"
    if config.holidays.subdivision:
        holidays += f"-{config.holidays.subdivision}"
    return {
        "document": "astreinte monthly statement (Code du travail R3121-2)",
        "language": config.language,
        "month": month,
        "period": {"start": iso(start), "end": iso(end)},
        "timezone": str(zone),
        "holidays": holidays,
        "night": str(config.legal.night),
        "profile": {"name": profile.name, "title": profile.title, "source": profile.source,
                    "currency": profile.currency},
        "people": people,
    }


def _days(config: Config, spans: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[int]:
    """Days of the month (1..31) on which the person is on call at some time."""
    calendar = facts.calendar_of(config)
    days = []
    day = start.astimezone(config.timezone).date()
    while calendar.local_midnight(day) < end:
        lo, hi = calendar.local_midnight(day), calendar.local_midnight(day + timedelta(days=1))
        if any(s < hi and e > lo for s, e in spans):
            days.append(day.day)
        day += timedelta(days=1)
    return days


def page_hash(document: Mapping[str, Any], person: Mapping[str, Any]) -> str:
    """The SHA-256 printed at the foot of a person's page: of the page's facts (the month's heading
    and that person's entry) as canonical JSON, so a signed paper copy can be matched with the
    version kept in the database whatever the format it was rendered in."""
    page = {**{key: value for key, value in document.items() if key != "people"}, "person": person}
    text = json.dumps(page, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def page_hashes(document: Mapping[str, Any]) -> dict[str, str]:
    return {person["person"]: page_hash(document, person) for person in document["people"]}


def to_json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def to_csv(document: dict[str, Any]) -> bytes:
    """One line per item: hours by kind, periods, interventions, pay lines, totals, incidents."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    month = document["month"]
    for p in document["people"]:
        head = (month, p["person"], p["name"])
        for kind in (*KINDS, "total"):
            writer.writerow((*head, "astreinte_hours", kind, "", "", p["astreinte_hours"][kind], "", "", ""))
        for period in p["periods"]:
            writer.writerow((*head, "period", period["kind"], period["start"], period["end"], "", "",
                             period["amount"], "short notice" if period["short_notice"] else ""))
        if p["blocks"]["count"]:
            writer.writerow((*head, "blocks", f"{p['blocks']['hours']}h", "", "", "", p["blocks"]["count"],
                             p["blocks"]["amount"], ""))
        for item in p["interventions"]:
            detail = "; ".join(x for x in ("on site" if item["on_site"] else "remote",
                                           f"travel {item['travel_minutes']} min" if item["travel_minutes"] else "",
                                           item["source"], item["note"]) if x)
            writer.writerow((*head, "intervention", "", item["start"], item["end"], item["hours"], "", "", detail))
        for pay in p["intervention_pay"]:
            writer.writerow((*head, "intervention_pay", pay["kind"], "", "", pay["hours"], pay["rate"],
                             pay["amount"], ""))
        for key in ("periods", "interventions", "total"):
            writer.writerow((*head, "total", key, "", "", "", "", p["totals"][key], ""))
        for finding in (*p["rest_incidents"], *p["short_notice"]):
            writer.writerow((*head, "finding", finding["rule"], finding["start"], finding["end"], "", "", "",
                             f"{finding['severity']}: {finding['message']} ({finding['article']})"))
    return out.getvalue().encode()
