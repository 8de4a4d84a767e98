"""A week's statement checked by hand, to the cent, under the shipped public-sector profile.

Bob is on call from Monday 9 November 2026 09:00 to Monday 16 November 09:00 (Europe/Paris),
in the example team whose service hours are weekday nights 18:00-08:30, weekends and public
holidays all day. Wednesday 11 November is a public holiday.

In-service astreinte hours, by kind (night 21:00-06:00; holiday > Sunday > night > Saturday):

=========  ==========================================================  =====
weekday    Mon 18-21, Tue 06-08:30 + 18-21, Thu 06-08:30 + 18-21,      19.5
           Fri 06-08:30 + 18-21
night      Mon 21-24, Tue 00-06 + 21-24, Thu 00-06 + 21-24,             39
           Fri 00-06 + 21-24, Sat 00-06 + 21-24
holiday    Wed 00-24                                                    24
saturday   Sat 06-21                                                    15
sunday     Sun 00-24 (Mon 16 00:00-09:00 is outside service hours)      24
=========  ==========================================================  =====

Compensation (arrêté of 3 Nov 2015): one full week 149.48; interventions: Tue 22:00-23:30
(1.5 h night x 24 = 36.00), Sat 10:00-10:45 (0.75 h Saturday x 20 = 15.00), Wed 14:00-15:20 on
site with 30 min of travel (13:45-15:35, 1 h 50 holiday x 32 = 58.666… -> 58.67). Total 259.15.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from astreinte.adapters.holidays import HolidayCalendar, HolidaySettings
from astreinte.config.legal import load_profile, shipped_profiles
from astreinte.domain.compensation import Intervention, Profile, combine, compensate, jours_francs, period_units
from astreinte.domain.hours import HoursRule, WeekHours, Window
from astreinte.domain.timesplit import Calendar, covered, hours, intersect, split

PARIS = ZoneInfo("Europe/Paris")
H = 3600
SERVICE = WeekHours((HoursRule("weekdays", (Window.parse("18:00-08:30"),)),
                     HoursRule("weekends", (Window.parse("all-day"),)),
                     HoursRule("holidays", (Window.parse("all-day"),))))
CAL = Calendar(PARIS, HolidayCalendar(HolidaySettings("FR")))
NOVEMBER = (datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


WEEK = [(at("2026-11-09T09:00"), at("2026-11-16T09:00"))]
INTERVENTIONS = [
    Intervention("bob", at("2026-11-10T22:00"), at("2026-11-10T23:30")),
    Intervention("bob", at("2026-11-14T10:00"), at("2026-11-14T10:45")),
    Intervention("bob", at("2026-11-11T14:00"), at("2026-11-11T15:20"), on_site=True, travel_seconds=1800),
]


def test_astreinte_hours_by_kind() -> None:
    astreinte = intersect(WEEK, covered(CAL, SERVICE, WEEK[0][0], WEEK[0][1]))
    totals = split(CAL, astreinte)
    assert {k: hours(v) for k, v in totals.items()} == {
        "weekday": Decimal("19.50"), "night": Decimal("39.00"), "holiday": Decimal("24.00"),
        "saturday": Decimal("15.00"), "sunday": Decimal("24.00")}
    assert sum(totals.values()) == 121.5 * H


def test_the_week_under_the_interior_profile_to_the_cent() -> None:
    profile = load_profile("fr-interieur-2015")
    result = compensate(profile, CAL, WEEK, NOVEMBER, 0, INTERVENTIONS)
    assert [(p.kind, p.amount) for p in result.periods] == [("week", Decimal("149.48"))]
    assert [(i.kind, i.seconds, i.rate, i.amount) for i in result.interventions] == [
        ("night", 5400, Decimal("24.00"), Decimal("36.00")),
        ("saturday", 2700, Decimal("20.00"), Decimal("15.00")),
        ("holiday", 6600, Decimal("32.00"), Decimal("58.67")),
    ]
    assert result.total == Decimal("259.15")
    # Rest instead of money: 12 h for the week; interventions 1.5 x 1.5 + 0.75 x 1.25 + 1.8333 x 2.
    assert [i.rest_hours for i in result.interventions] == [Decimal("2.25"), Decimal("0.94"), Decimal("3.67")]
    assert result.rest_hours == Decimal("18.86")


def test_shorter_periods_and_their_combinations() -> None:
    # Friday 13 Nov 18:00 -> Monday 16 Nov 08:30: weekend. Mon 16 18:00 -> Fri 20 08:30: weekdays.
    stretches = [(at("2026-11-13T18:00"), at("2026-11-16T08:30")), (at("2026-11-16T18:00"), at("2026-11-20T08:30"))]
    priced = load_profile("fr-interieur-2015").periods
    units = combine(period_units(CAL, stretches), priced)
    assert [(kind, start.astimezone(PARIS).strftime("%a %d %H:%M")) for kind, start, _ in units] == [
        ("weekend", "Fri 13 21:00"), ("weekdays", "Mon 16 21:00")]
    result = compensate(load_profile("fr-interieur-2015"), CAL, stretches, NOVEMBER, 0, [])
    assert result.total == Decimal("109.28") + Decimal("45.00")
    # Without combinations: 2 weekday nights (10.05), one Saturday (34.85), one holiday (43.38).
    single = [(at("2026-11-10T18:00"), at("2026-11-12T08:30")), (at("2026-11-14T09:00"), at("2026-11-14T20:00"))]
    result = compensate(load_profile("fr-interieur-2015"), CAL, single, NOVEMBER, 0, [])
    assert [(p.kind, p.amount) for p in result.periods] == [
        ("weekday_night", Decimal("10.05")), ("sunday_holiday", Decimal("43.38")), ("saturday", Decimal("34.85"))]


def test_short_notice_uplift_of_the_territorial_profile() -> None:
    profile = load_profile("fr-territoriale-technique-2015")
    published = at("2026-10-30T12:00")          # 9 jours francs before 9 November
    assert jours_francs(published, WEEK[0][0], CAL) == 9
    result = compensate(profile, CAL, WEEK, NOVEMBER, 0, [], {WEEK[0][0]: published})
    assert [(p.kind, p.amount, p.short_notice) for p in result.periods] == [("week", Decimal("238.80"), True)]
    on_time = compensate(profile, CAL, WEEK, NOVEMBER, 0, [], {WEEK[0][0]: at("2026-10-20T12:00")})
    assert on_time.total == Decimal("159.20")


def test_the_private_example_prices_blocks_of_twelve_hours() -> None:
    profile = load_profile("fr-prive-exemple")
    result = compensate(profile, CAL, WEEK, NOVEMBER, int(121.5 * H), INTERVENTIONS[:1])
    assert (result.blocks, result.block_amount) == (10, Decimal("300.00"))
    assert result.total == Decimal("300.00") + Decimal("46.88")      # 1.5 h x 31.25 = 46.875


def test_a_period_belongs_to_the_month_it_starts_in() -> None:
    straddling = [(at("2026-11-30T09:00"), at("2026-12-07T09:00"))]
    profile = load_profile("fr-interieur-2015")
    assert compensate(profile, CAL, straddling, NOVEMBER, 0, []).total == Decimal("149.48")
    december = (NOVEMBER[1], datetime(2027, 1, 1, tzinfo=PARIS))
    assert compensate(profile, CAL, straddling, december, 0, []).total == Decimal(0)


def test_shipped_profiles() -> None:
    assert shipped_profiles() == ["fr-interieur-2015", "fr-prive-exemple", "fr-territoriale-technique-2015"]
    for name in shipped_profiles():
        assert isinstance(load_profile(name), Profile)


def test_easter_2027_with_dst_in_moselle_and_elsewhere() -> None:
    """Thu 25 March 2027 18:00 -> Mon 29 March 08:30: Good Friday (26, Moselle only), the spring
    DST change on Sunday 28 (23 h), Easter Monday (29, everywhere). 85.5 real hours.

    Elsewhere: Thu night 10.05 + weekend (Fri night, Sat, Sun) 109.28 + Easter Monday 43.38 = 162.71;
    hours: weekday 3 + 15, night 3 + 6 + 3 + 6 + 3, Saturday 15, Sunday 23, holiday 8.5.
    Moselle: Good Friday is a holiday, no weekend combination: 10.05 + 43.38 + 34.85 + 43.38 + 43.38
    = 175.04; hours: weekday 3, night 3 + 6 + 3, holiday 24 + 8.5, Saturday 15, Sunday 23.
    An intervention Sat 23:00 -> Sun 04:00 (local) lasts 4 h: 1 h night (24) + 3 h Sunday (32) = 120.00.
    """
    stretch = [(at("2027-03-25T18:00"), at("2027-03-29T08:30"))]
    march = (datetime(2027, 3, 1, tzinfo=PARIS), datetime(2027, 4, 1, tzinfo=PARIS))
    night_call = [Intervention("bob", at("2027-03-27T23:00"), at("2027-03-28T04:00"))]
    profile = load_profile("fr-interieur-2015")
    cases = {
        None: ({"weekday": 18, "night": 21, "saturday": 15, "sunday": 23, "holiday": Decimal("8.5")},
               ["weekday_night", "weekend", "sunday_holiday"], Decimal("162.71")),
        "57": ({"weekday": 3, "night": 12, "saturday": 15, "sunday": 23, "holiday": Decimal("32.5")},
               ["weekday_night", "sunday_holiday", "saturday", "sunday_holiday", "sunday_holiday"],
               Decimal("175.04")),
    }
    for subdivision, (by_kind, periods, amount) in cases.items():
        calendar = Calendar(PARIS, HolidayCalendar(HolidaySettings("FR", subdivision)))
        assert {k: hours(v) for k, v in split(calendar, stretch).items()} == {
            k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in by_kind.items()}
        result = compensate(profile, calendar, stretch, march, 0, night_call)
        assert [p.kind for p in result.periods] == periods
        assert result.periods_total == amount
        assert [(i.kind, i.seconds, i.amount) for i in result.interventions] == [
            ("night", 3600, Decimal("24.00")), ("sunday", 3 * 3600, Decimal("96.00"))]
        assert result.total == amount + Decimal("120.00")
