"""Printable HTML for the monthly statement and the KPI report (self-contained: inline CSS and SVG).

The statement is meant for the employee: French labels with the English key in small print
would be nicer; for now labels are plain English, with the legal references spelled out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from astreinte.report import svg

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 13px; color: #222; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 2px solid #4e79a7; }
h3 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; margin: 4px 0 10px; min-width: 50%; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e8eef6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f4f4f4; }
.meta { color: #555; } .error { color: #b00020; } .warning { color: #a05a00; }
.person { page-break-after: always; } .person:last-child { page-break-after: auto; }
.sign { margin-top: 28px; display: flex; gap: 120px; }
@media print { body { margin: 10mm; } .chart { max-width: 100%; } }
"""

KIND_LABELS = {"weekday": "Weekday (day)", "night": "Night", "saturday": "Saturday", "sunday": "Sunday",
               "holiday": "Public holiday", "total": "Total",
               "week": "Full week", "weekend": "Weekend (Fri evening - Mon morning)",
               "weekdays": "Monday - Friday", "sunday_holiday": "Sunday or public holiday",
               "weekday_night": "Weekday night"}


def page(title: str, body: Iterable[str]) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = (),
          total: bool = False, css: str = "") -> str:
    out = [f'<table class="{css}"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
           "<tbody>"]
    rows = list(rows)
    for index, row in enumerate(rows):
        cls = ' class="total"' if total and index == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(
            f'<td class="n">{escape(str(v))}</td>' if n in numeric else f"<td>{escape(str(v))}</td>"
            for n, v in enumerate(row)) + "</tr>")
    if not rows:
        out.append(f'<tr><td colspan="{len(headers)}">none</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _short(iso: str) -> str:
    """``2026-11-10T22:00:00+01:00`` -> ``2026-11-10 22:00``."""
    return iso[:16].replace("T", " ")


def statement_html(document: Mapping[str, Any]) -> str:
    profile = document["profile"]
    currency = profile["currency"]
    year, month = (int(x) for x in document["month"].split("-"))
    body = []
    for person in document["people"]:
        hours = person["astreinte_hours"]
        part = [
            '<section class="person">',
            f"<h1>Astreinte statement — {escape(person['name'])} ({escape(person['person'])})</h1>",
            f'<p class="meta">Month {escape(document["month"])} · time zone {escape(document["timezone"])} · '
            f'public holidays {escape(document["holidays"])} · night {escape(document["night"])}<br>'
            f'Compensation: {escape(profile["title"])} ({escape(profile["source"])})<br>'
            "Statement required by Code du travail R3121-2; kept at least 3 years.</p>",
            svg.month_calendar(year, month, {day: [person["person"]] for day in person["on_call_days"]},
                               title=f"Days on call in {document['month']}"),
            "<h2>Astreinte hours by kind</h2>",
            table(("kind", "hours"), [(KIND_LABELS[k], hours[k]) for k in
                                      ("weekday", "night", "saturday", "sunday", "holiday", "total")],
                  numeric=(1,), total=True, css="hours"),
            "<h2>Astreinte periods</h2>",
            table(("period", "from", "to", f"amount ({currency})", "short notice", "or rest (h)"),
                  [(KIND_LABELS[p["kind"]], _short(p["start"]), _short(p["end"]), p["amount"],
                    "yes" if p["short_notice"] else "", p["rest_hours"]) for p in person["periods"]],
                  numeric=(3, 5), css="periods"),
        ]
        if person["blocks"]["count"]:
            part.append(f"<p>{person['blocks']['count']} complete block(s) of {person['blocks']['hours']} h of "
                        f"astreinte: {person['blocks']['amount']} {escape(currency)}</p>")
        part += [
            "<h2>Interventions</h2>",
            table(("from", "to", "where", "travel (min)", "hours", "source", "note"),
                  [(_short(i["start"]), _short(i["end"]), "on site" if i["on_site"] else "remote",
                    i["travel_minutes"], i["hours"], i["source"], i["note"]) for i in person["interventions"]],
                  numeric=(3, 4), css="interventions"),
            "<h3>Intervention hours and pay (travel included)</h3>",
            table(("kind", "hours", f"rate ({currency}/h)", f"amount ({currency})", "or rest (h)"),
                  [(KIND_LABELS[p["kind"]], p["hours"], p["rate"], p["amount"], p["rest_hours"])
                   for p in person["intervention_pay"]], numeric=(1, 2, 3, 4), css="pay"),
            "<h2>Compensation</h2>",
            table(("item", f"amount ({currency})"),
                  [("Astreinte periods", person["totals"]["periods"]),
                   ("Interventions", person["totals"]["interventions"]),
                   ("Total", person["totals"]["total"])], numeric=(1,), total=True, css="totals"),
            f'<p class="meta">Or, as rest instead of money: {escape(person["totals"]["rest_hours_instead"])} h.</p>',
            "<h2>Rest incidents and short-notice assignments</h2>",
            findings_table([*person["rest_incidents"], *person["short_notice"]]),
            '<div class="sign"><span>Employer</span><span>Employee</span></div>',
            "</section>",
        ]
        body.extend(part)
    if not document["people"]:
        body.append(f"<h1>Astreinte statement {escape(document['month'])}</h1><p>Nobody was on call.</p>")
    return page(f"Astreinte statement {document['month']}", body)


def findings_table(findings: Sequence[Mapping[str, Any]]) -> str:
    return table(("severity", "rule", "from", "to", "what", "article"),
                 [(f["severity"], f["rule"], _short(f["start"]), _short(f["end"]), f["message"], f["article"])
                  for f in findings], css="findings")


def kpi_html(report: Mapping[str, Any], calendars: Sequence[tuple[int, int, Mapping[int, Sequence[str]],
                                                                  Sequence[int]]]) -> str:
    kpi = report["kpi"]
    rate = kpi["answer_rate"]
    share = kpi["outside_service_share"]
    wait = kpi["time_to_human"]
    body = [
        f"<h1>On-call report {escape(report['from'][:10])} → {escape(report['to'][:10])}</h1>",
        f'<p class="meta">Team: {escape(report["team"] or "all")} · time zone {escape(report["timezone"])}</p>',
        "<h2>Calls</h2>",
        table(("indicator", "value"), [
            ("calls", kpi["calls"]), ("answered", kpi["answered"]),
            ("answer rate (in service)", "-" if rate is None else f"{rate:.1%}"),
            ("time to a human, median (s)", "-" if wait["median"] is None else wait["median"]),
            ("time to a human, p90 (s)", "-" if wait["p90"] is None else wait["p90"]),
            ("declines", kpi["declines"]), ("voicemails", kpi["voicemail"]), ("abandoned", kpi["abandoned"]),
            ("outside service", kpi["outside_service"]),
            ("outside-service share", "-" if share is None else f"{share:.1%}"), ("failed", kpi["failed"]),
        ], numeric=(1,), css="kpi"),
        "<h2>Level reached</h2>",
        table(("level", "answered calls"), sorted(kpi["level_reached"].items()), numeric=(1,), css="levels"),
        "<h2>Load per person</h2>",
        svg.bars([(x["person"], x["answered"]) for x in kpi["load"]], "Answered calls per person"),
        svg.bars([(x["person"], x["on_call_hours"]) for x in kpi["load"]], "Hours on call (in service)", " h"),
        table(("person", "answered", "talk (min)", "declined", "missed", "on call (h)"),
              [(x["person"], x["answered"], x["talk_minutes"], x["declined"], x["missed"], x["on_call_hours"])
               for x in kpi["load"]], numeric=(1, 2, 3, 4, 5), css="load"),
        "<h2>Time to answer</h2>",
        svg.columns([(b["up_to"], b["calls"]) for b in kpi["wait_histogram"]], "Answered calls by time to a human"),
        "<h2>Rota</h2>",
    ]
    for year, month, on_call, holidays in calendars:
        body.append(svg.month_calendar(year, month, on_call, holidays, title=f"On call, {year}-{month:02d}"))
    return page("On-call report", body)
