"""The legal checks on hand-made cases: each fault found (rule, person, instants, article), and
the same data without the faults gives no finding."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.holidays import HolidayCalendar, HolidaySettings
from astreinte.domain.compliance import check_all
from astreinte.domain.hours import HoursRule, WeekHours, Window
from astreinte.domain.legal import Finding, LegalSettings, Notice, PersonTime, check_notice
from astreinte.domain.timesplit import Calendar, covered

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(PARIS, HolidayCalendar(HolidaySettings("FR")))
WORK = WeekHours((HoursRule("weekdays", (Window.parse("08:00-12:00"), Window.parse("13:00-17:00"))),))
START, END = datetime(2026, 11, 16, tzinfo=PARIS), datetime(2026, 11, 23, tzinfo=PARIS)
SHIFT = (datetime(2026, 11, 16, 9, tzinfo=PARIS), datetime(2026, 11, 23, 9, tzinfo=PARIS))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def alice(*interventions: tuple[str, str], leave: tuple[tuple[date, date], ...] = ()) -> PersonTime:
    work = covered(CAL, WORK, START - timedelta(weeks=12), END + timedelta(days=7), holidays_off=True)
    return PersonTime("alice", astreinte=(SHIFT,), work=tuple(work),
                      interventions=tuple((at(a), at(b)) for a, b in interventions), leave=leave)


def notice(published: str | None, reason: str = "") -> Notice:
    return Notice("alice", "support", "primary", *SHIFT, at(published) if published else None, reason)


def run(notices: list[Notice], people: list[PersonTime], settings: LegalSettings | None = None) -> list[Finding]:
    return check_all(notices, people, settings or LegalSettings(), CAL, START, END)


def test_a_rota_published_ten_days_ahead_and_a_short_night_are_flagged() -> None:
    findings = run([notice("2026-11-06T09:00")], [alice(("2026-11-17T02:00", "2026-11-17T03:00"))])
    assert [(f.rule, f.severity, f.person, f.start, f.end, f.article) for f in findings] == [
        ("notice", "error", "alice", SHIFT[0], SHIFT[1], "Code du travail L3121-12 2°, R3121-3"),
        ("daily_rest", "error", "alice", at("2026-11-17T03:00"), at("2026-11-17T08:00"),
         "Code du travail L3131-1, L3121-10"),
    ]
    assert "10.0 days ahead, 15 required" in findings[0].message
    assert "5 h of rest, 11 h owed (rest before the intervention: 9 h)" in findings[1].message
    assert findings[1].to_json(CAL)["start"] == "2026-11-17T03:00:00+01:00"


def test_the_same_data_without_the_faults_gives_no_finding() -> None:
    assert run([notice("2026-10-30T09:00")], [alice(("2026-11-17T19:00", "2026-11-17T20:00"))]) == []


def test_eleven_hours_taken_before_the_intervention_clear_daily_rest() -> None:
    # Friday: work ends 17:00; intervention Saturday 05:00-06:00 (12 h later); no work until Monday.
    assert run([notice("2026-10-30T09:00")], [alice(("2026-11-21T05:00", "2026-11-21T06:00"))]) == []


@pytest.mark.parametrize(("published", "reason", "expected"), [
    ("2026-11-14T10:00", "sick colleague", ("notice", "warning")),      # 1 jour franc, exceptional
    ("2026-11-15T10:00", "sick colleague", ("notice", "error")),        # no jour franc
    ("2026-11-14T10:00", "", ("notice", "error")),                       # no reason
    (None, "", ("unpublished", "error")),
])
def test_notice_exceptions(published: str | None, reason: str, expected: tuple[str, str]) -> None:
    (finding,) = check_notice([notice(published, reason)], LegalSettings(), CAL, START, END)
    assert (finding.rule, finding.severity) == expected


def test_notice_days_is_a_setting() -> None:
    """Published 17 days ahead: enough for the default 15 days and for 17, not for 18 or 21."""
    published = [notice("2026-10-30T09:00")]
    assert check_notice(published, LegalSettings(), CAL, START, END) == []
    assert check_notice(published, LegalSettings(notice_days=17), CAL, START, END) == []
    for days in (18, 21):
        (finding,) = check_notice(published, LegalSettings(notice_days=days), CAL, START, END)
        assert (finding.rule, finding.severity, finding.person, finding.start) == ("notice", "error", "alice", SHIFT[0])
        assert f"17.0 days ahead, {days} required (no exceptional reason given)" in finding.message


def test_weekly_rest_days_worked_and_maxima() -> None:
    # Interventions every day including the weekend, long ones: no 35 h rest, 7 days with work.
    days = [(f"2026-11-{d}T18:00", f"2026-11-{d}T21:00") for d in range(16, 21)]
    days += [("2026-11-21T10:00", "2026-11-21T12:00"), ("2026-11-22T20:00", "2026-11-22T22:00")]
    rules = {(f.rule, f.severity) for f in run([notice("2026-10-30T09:00")], [alice(*days)])}
    assert rules == {("weekly_rest", "error"), ("working_days", "error"), ("max_day", "warning"),
                     ("max_week", "warning")}
    forfait = PersonTime(**{**alice(*days).__dict__, "forfait_jours": True})
    names = {f.rule for f in run([notice("2026-10-30T09:00")], [forfait])}
    assert names == {"weekly_rest", "working_days"}          # forfait-jours: rest rules only (L3121-62)


def test_fairness_limits() -> None:
    person = PersonTime("dave", astreinte=((at("2026-11-02T09:00"), at("2026-11-23T00:00")),),
                        leave=((date(2026, 11, 23), date(2026, 11, 27)),))
    settings = LegalSettings(max_consecutive_weeks=1, max_24h_periods_per_month=8)
    findings = check_all([], [person], settings, CAL, datetime(2026, 11, 1, tzinfo=PARIS),
                         datetime(2026, 12, 1, tzinfo=PARIS))
    assert [(f.rule, f.severity, f.start.astimezone(PARIS).date().isoformat()) for f in findings] == [
        ("periods_per_month", "warning", "2026-11-01"),
        ("consecutive_weeks", "warning", "2026-11-02"),
        ("leave", "warning", "2026-11-21"),
        ("leave", "warning", "2026-11-22"),
    ]
    during = PersonTime("dave", astreinte=((at("2026-11-24T18:00"), at("2026-11-25T08:30")),),
                        leave=((date(2026, 11, 23), date(2026, 11, 27)),))
    (finding,) = check_all([], [during], settings, CAL, START, datetime(2026, 12, 1, tzinfo=PARIS))
    assert (finding.rule, finding.severity) == ("leave", "error")


def test_requalification_risk_is_a_warning() -> None:
    calls = [(f"2026-11-17T{h:02d}:00", f"2026-11-17T{h:02d}:20") for h in (1, 2, 3)]
    person = PersonTime("alice", interventions=tuple((at(a), at(b)) for a, b in calls))
    settings = LegalSettings(max_interventions_per_night=2, daily_rest=0)
    (finding,) = [f for f in check_all([], [person], settings, CAL, START, END) if f.rule == "requalification"]
    assert (finding.severity, finding.start, finding.end) == ("warning", at("2026-11-16T21:00"), at("2026-11-17T06:00"))
    assert "C-344/19" in finding.article


# Adoption (legal.since): alice's shift of Monday 16 November 09:00, astreinte adopted on 10 November.
ADOPTED = LegalSettings(since=date(2026, 11, 10))


@pytest.mark.parametrize(("published", "baseline", "rules"), [
    (None, None, []),                                         # adopted, nothing loaded yet: the paper rota
    ("2026-11-10T10:00", "2026-11-10T10:00", []),             # the baseline load: told on paper before
    ("2026-11-05T10:00", "2026-11-10T10:00", []),             # loaded before the adoption: same
    ("2026-11-12T10:00", "2026-11-10T10:00", ["notice"]),     # a change published after the baseline
    (None, "2026-11-10T10:00", ["unpublished"]),              # the baseline did not hold it: never told
], ids=["not-loaded", "baseline", "before-adoption", "later-change", "missing-from-baseline"])
def test_the_rota_held_at_the_adoption_counts_as_told(published: str | None, baseline: str | None,
                                                      rules: list[str]) -> None:
    found = check_notice([notice(published)], ADOPTED, CAL, START, END, at(baseline) if baseline else None)
    assert [f.rule for f in found] == rules


def test_nothing_before_the_adoption_is_checked() -> None:
    late = LegalSettings(since=date(2026, 11, 30))                 # adopted after the checked week
    assert run([notice(None)], [alice(("2026-11-18T02:00", "2026-11-18T03:00"))], late) == []
    assert {f.rule for f in run([notice(None)], [alice(("2026-11-18T02:00", "2026-11-18T03:00"))])} == {
        "unpublished", "daily_rest"}, "the same data without legal.since"
