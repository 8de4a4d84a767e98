"""Every astreinte rule of French labour law over a period, in one list (``astreinte check legal``,
the statements): notice and fairness (``legal``), rest and working time (``worktime``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from astreinte.domain.legal import (
    Finding,
    LegalSettings,
    Notice,
    PersonTime,
    adopted,
    check_fairness,
    check_notice,
    check_requalification,
)
from astreinte.domain.timesplit import Calendar
from astreinte.domain.worktime import check_rest, check_working_time


def check_all(notices: Sequence[Notice], people: Sequence[PersonTime], settings: LegalSettings,
              calendar: Calendar, start: datetime, end: datetime,
              baseline: datetime | None = None) -> list[Finding]:
    """Every check over [start, end), sorted by time, person and rule; nothing before ``legal.since``
    (``baseline``: the first publication since then, see ``legal.announced_before_adoption``)."""
    since = adopted(settings, calendar)
    if since is not None:
        start = max(start, since)
    if end <= start:
        return []
    findings = check_notice(notices, settings, calendar, start, end, baseline)
    for person in people:
        findings += check_rest(person, settings, calendar, start, end)
        if not person.forfait_jours:
            findings += check_working_time(person, settings, calendar, start, end)
        findings += check_fairness(person, settings, calendar, start, end)
        findings += check_requalification(person, settings, calendar, start, end)
    findings.sort(key=lambda f: (f.start, f.person, f.rule, f.end))
    return findings
