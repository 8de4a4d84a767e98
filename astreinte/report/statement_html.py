"""The monthly statement as a printable HTML page per employee: A4, in their language (French by
default), headed in the words of the law (*relevé mensuel des heures d'astreinte et des
interventions*, R3121-2), signed by both sides, with the page's hash at its foot.

Each employee's section fills one A4 page (``@page { size: A4 }``, a page break after each);
dates never wrap (``white-space: nowrap``); amounts and hours are formatted the reader's way
(``149,48 €``, ``24,00``). The hash at the foot is ``statement.page_hash``: the one
``astreinte report statements list`` shows for the version kept in the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from astreinte.i18n import Texts, texts
from astreinte.report import svg
from astreinte.report.html import page, table, tag
from astreinte.report.statement import page_hash

STYLE = """
@page { size: A4; margin: 11mm 12mm 10mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.6pt; color: #111; margin: 0; }
section.person { break-after: page; display: flex; flex-direction: column; min-height: 272mm; }
section.person:last-of-type { break-after: auto; }
h1 { font-size: 13pt; margin: 0 0 1mm; text-transform: uppercase; letter-spacing: 0.02em; }
h2 { font-size: 9.6pt; margin: 2.6mm 0 1mm; border-bottom: 1px solid #333; }
p { margin: 0.8mm 0; } .law { font-size: 7.6pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 0.6mm 0 1mm; }
th, td { border: 1px solid #999; padding: 0.5mm 1.4mm; text-align: left; vertical-align: top; }
th { background: #eceff3; font-weight: bold; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td, th { white-space: nowrap; } td.wrap { white-space: normal; }
tr.total td { font-weight: bold; background: #f3f3f3; }
dl.who { display: grid; grid-template-columns: max-content auto max-content auto; gap: 0.4mm 3mm; margin: 1.5mm 0; }
dl.who dt { font-weight: bold; } dl.who dd { margin: 0; }
.chart.calendar { width: 100%; height: auto; max-height: 40mm; margin: 0; }
table.hours th, table.totals th { text-align: right; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 8mm; margin-top: 3mm; break-inside: avoid; }
.sign div { border: 1px solid #555; padding: 1.5mm 2mm; min-height: 30mm; }
.sign p.line { border-bottom: 1px dotted #555; min-height: 5.5mm; margin: 1mm 0; }
footer { margin-top: auto; padding-top: 2mm; border-top: 1px solid #999; font-size: 7pt; color: #333; }
footer code { font-size: 7pt; }
@media screen { body { margin: 16px auto; max-width: 210mm; } section.person { min-height: 0; margin-bottom: 12mm; } }
"""


KINDS = ("weekday", "night", "saturday", "sunday", "holiday", "total")


def kind_labels(tr: Texts) -> dict[str, str]:
    _ = tr.gettext
    return {"weekday": _("Weekday (daytime)"), "night": _("Night"), "saturday": _("Saturday"),
            "sunday": _("Sunday"), "holiday": _("Public holiday"), "total": _("Total"),
            "week": _("Full week"), "weekend": _("Weekend (Friday evening to Monday morning)"),
            "weekdays": _("Monday to Friday"), "sunday_holiday": _("Sunday or public holiday"),
            "weekday_night": _("Weekday night")}


def rule_labels(tr: Texts) -> dict[str, str]:
    _ = tr.gettext
    return {"notice": _("Notice of the schedule"), "unpublished": _("On-call time never published"),
            "daily_rest": _("Daily rest"), "weekly_rest": _("Weekly rest"),
            "working_days": _("Working days in the week"), "max_day": _("Maximum working time per day"),
            "max_week": _("Maximum working time per week"), "average_12_weeks": _("Average over 12 weeks"),
            "consecutive_weeks": _("Consecutive on-call weeks"), "periods_per_month": _("24-hour periods per month"),
            "leave": _("On call and leave"), "requalification": _("Risk of requalification as working time")}


def statement_html(document: Mapping[str, Any]) -> str:
    """Every employee's page; in the document's language when nobody was on call."""
    sections = [_person(document, person) for person in document["people"]]
    tr = texts(document.get("language", "fr"))
    _ = tr.gettext
    year, month = (int(x) for x in document["month"].split("-"))
    title = _("Monthly statement of on-call hours and interventions") + " — " + tr.month(year, month)
    if not sections:
        sections = [f"<section><h1>{escape(title)}</h1><p>"
                    + escape(_("Nobody was on call this month.")) + "</p></section>"]
    return page(title, sections, lang=document.get("language", "fr"), style=STYLE)


def _when(tr: Texts, iso: str, zone: ZoneInfo) -> str:
    return tr.table_instant(datetime.fromisoformat(iso), zone)


def _person(document: Mapping[str, Any], person: Mapping[str, Any]) -> str:
    tr = texts(person.get("language") or document.get("language", "fr"))
    _ = tr.gettext
    zone = ZoneInfo(document["timezone"])
    profile = document["profile"]
    currency = profile["currency"]
    kinds, rules = kind_labels(tr), rule_labels(tr)
    year, month = (int(x) for x in document["month"].split("-"))
    start = datetime.fromisoformat(document["period"]["start"])
    last = datetime.fromisoformat(document["period"]["end"]).astimezone(zone).date() - timedelta(days=1)

    def money(amount: str) -> str:
        return tr.money(amount, currency)

    def hours(value: str) -> str:
        return tr.number(value)

    hours_by_kind = person["astreinte_hours"]
    sources = {"call": _("call"), "manual": _("declared"), "phone": _("by phone")}
    where = {True: _("on site"), False: _("remote")}
    yes = _("yes")
    part = [
        '<section class="person">',
        tag("h1", _("Monthly statement of on-call hours and interventions")),
        '<p class="law">' + escape(_(
            "Given to the employee under article R3121-2 of the Code du travail (astreinte hours of the month "
            "and the matching compensation); kept at least three years (articles D3171-16 and L3245-1).")) + "</p>",
        '<dl class="who">',
        tag("dt", _("Employee")), tag("dd", f"{person['name']} ({person['person']})"),
        tag("dt", _("Month")), tag("dd", tr.month(year, month)),
        tag("dt", _("Period")), tag("dd", _("from %(first)s to %(last)s") % {
            "first": tr.day(start.astimezone(zone).date()), "last": tr.day(last)}),
        tag("dt", _("Compensation")), tag("dd", profile["title"]),
        tag("dt", _("Time zone")), tag("dd", document["timezone"]),
        tag("dt", _("Night")), tag("dd", document["night"] + " · " + _("public holidays: %(calendar)s") % {
            "calendar": document["holidays"]}),
        "</dl>",
        tag("h2", _("Days on call")),
        svg.month_calendar(year, month, {day: [person["person"]] for day in person["on_call_days"]},
                           day_labels=tr.weekdays(), cell_h=24),
        tag("h2", _("On-call hours by kind of time")),
        table([kinds[k] for k in KINDS], [[hours(hours_by_kind[k]) for k in KINDS]],
              numeric=range(len(KINDS)), css="hours"),
        tag("h2", _("On-call periods and their compensation")),
        table((_("period"), _("from"), _("to"), _("amount"), _("short notice"), _("or rest (h)")),
              [(kinds[p["kind"]], _when(tr, p["start"], zone), _when(tr, p["end"], zone), money(p["amount"]),
                yes if p["short_notice"] else "", hours(p["rest_hours"])) for p in person["periods"]],
              numeric=(3, 5), css="periods", empty=_("none")),
    ]
    if person["blocks"]["count"]:
        part.append("<p>" + escape(tr.ngettext(
            "%(count)d complete block of %(hours)d h of on-call time: %(amount)s",
            "%(count)d complete blocks of %(hours)d h of on-call time: %(amount)s", person["blocks"]["count"]) % {
            "count": person["blocks"]["count"], "hours": person["blocks"]["hours"],
            "amount": money(person["blocks"]["amount"])}) + "</p>")
    part += [
        tag("h2", _("Interventions (working time, travel included)")),
        table((_("from"), _("to"), _("where"), _("travel (min)"), _("hours"), _("source"), _("note")),
              [(_when(tr, i["start"], zone), _when(tr, i["end"], zone), where[bool(i["on_site"])],
                i["travel_minutes"], hours(i["hours"]), sources.get(i["source"], i["source"]), i["note"])
               for i in person["interventions"]], numeric=(3, 4), css="interventions", empty=_("none")),
        table((_("kind"), _("hours"), _("rate per hour"), _("amount"), _("or rest (h)")),
              [(kinds[p["kind"]], hours(p["hours"]), money(p["rate"]), money(p["amount"]), hours(p["rest_hours"]))
               for p in person["intervention_pay"]], numeric=(1, 2, 3, 4), css="pay", empty=_("none")),
        tag("h2", _("Compensation owed")),
        table((_("On-call periods"), _("Interventions"), _("Total"), _("or, as rest instead of money (h)")),
              [(money(person["totals"]["periods"]), money(person["totals"]["interventions"]),
                money(person["totals"]["total"]), hours(person["totals"]["rest_hours_instead"]))],
              numeric=(0, 1, 2, 3), total=True, css="totals"),
        tag("h2", _("Rest not taken and changes at short notice")),
        findings_table(tr, [*person["rest_incidents"], *person["short_notice"]], rules, zone),
        _signatures(tr, person["name"]),
        "<footer>" + escape(_("Statement of %(month)s, %(name)s. SHA-256 of this page:") % {
            "month": tr.month(year, month), "name": person["name"]}) + f" <code>{page_hash(document, person)}</code>"
        + "<br>" + escape(_("The version kept by astreinte: astreinte report statements list --month %(month)s.")
                          % {"month": document["month"]}) + "</footer>",
        "</section>",
    ]
    return "\n".join(part)


def findings_table(tr: Texts, findings: Sequence[Mapping[str, Any]], rules: Mapping[str, str],
                   zone: ZoneInfo) -> str:
    _ = tr.gettext
    severity = {"error": _("error"), "warning": _("warning")}
    return table((_("finding"), _("from"), _("to"), _("severity"), _("article")),
                 [(rules.get(f["rule"], f["rule"]), _when(tr, f["start"], zone), _when(tr, f["end"], zone),
                   severity.get(f["severity"], f["severity"]), f["article"]) for f in findings],
                 css="findings", empty=_("none"))


def _signatures(tr: Texts, name: str) -> str:
    _ = tr.gettext

    def box(title: str, first_line: str) -> str:
        return ("<div>" + tag("strong", title) + tag("p", first_line, "line") + tag("p", _("Date:"), "line")
                + tag("p", _("Signature:")) + "</div>")

    return ('<div class="sign">' + box(_("The employer"), _("Name and position:"))
            + box(_("The employee"), _("Name:") + " " + name) + "</div>")

