"""Printable HTML: the page and table helpers, and the KPI report (self-contained: inline CSS and
SVG), in the reader's language. The monthly statement is ``report.statement_html``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from astreinte.i18n import DEFAULT_LANGUAGE, texts
from astreinte.report import svg


def tag(name: str, text: str, css: str = "") -> str:
    """``<name class="css">text</name>``, the text escaped."""
    attribute = f' class="{css}"' if css else ""
    return f"<{name}{attribute}>{escape(text)}</{name}>"

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 13px; color: #222; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 2px solid #4e79a7; }
h3 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; margin: 4px 0 10px; min-width: 50%; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e8eef6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f4f4f4; }
.meta { color: #555; }
@page { size: A4; margin: 10mm; }
@media print { body { margin: 0; } .chart { max-width: 100%; height: auto; } }
"""


def page(title: str, body: Iterable[str], *, lang: str = DEFAULT_LANGUAGE, style: str = STYLE) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}'
            f"</title><style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = (),
          total: bool = False, css: str = "", empty: str = "none") -> str:
    out = [f'<table class="{css}"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
           "<tbody>"]
    rows, numeric = list(rows), frozenset(numeric)
    for index, row in enumerate(rows):
        cls = ' class="total"' if total and index == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(
            f'<td class="n">{escape(str(v))}</td>' if n in numeric else f"<td>{escape(str(v))}</td>"
            for n, v in enumerate(row)) + "</tr>")
    if not rows:
        out.append(f'<tr><td colspan="{len(headers)}">{escape(empty)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def kpi_html(report: Mapping[str, Any], calendars: Sequence[tuple[int, int, Mapping[int, Sequence[str]],
                                                                  Sequence[int]]],
             lang: str = DEFAULT_LANGUAGE) -> str:
    tr = texts(lang)
    _ = tr.gettext
    kpi = report["kpi"]
    rate = kpi["answer_rate"]
    share = kpi["outside_service_share"]
    wait = kpi["time_to_human"]

    def percent(value: float | None) -> str:
        return "-" if value is None else tr.number(value * 100, 1) + " %"

    def seconds(value: float | None) -> str:
        return "-" if value is None else tr.number(value, 1)

    title = _("On-call report from %(start)s to %(end)s") % {"start": report["from"][:10], "end": report["to"][:10]}
    body = [
        f"<h1>{escape(title)}</h1>",
        '<p class="meta">' + escape(_("Team: %(team)s · time zone %(zone)s") % {
            "team": report["team"] or _("all"), "zone": report["timezone"]}) + "</p>",
        tag("h2", _("Calls")),
        table((_("indicator"), _("value")), [
            (_("calls"), kpi["calls"]), (_("answered"), kpi["answered"]),
            (_("answer rate (in service)"), percent(rate)),
            (_("time to a human, median (s)"), seconds(wait["median"])),
            (_("time to a human, 90th percentile (s)"), seconds(wait["p90"])),
            (_("declines"), kpi["declines"]), (_("voicemails"), kpi["voicemail"]),
            (_("abandoned"), kpi["abandoned"]), (_("outside service"), kpi["outside_service"]),
            (_("outside-service share"), percent(share)), (_("failed"), kpi["failed"]),
            *_message_rows(report.get("messages") or {}, _),
        ], numeric=(1,), css="kpi", empty=_("none")),
        tag("h2", _("Level reached")),
        table((_("level"), _("answered calls")), sorted(kpi["level_reached"].items()), numeric=(1,), css="levels",
              empty=_("none")),
        tag("h2", _("Load per person")),
        svg.bars([(x["person"], x["answered"]) for x in kpi["load"]], _("Answered calls per person")),
        svg.bars([(x["person"], x["on_call_hours"]) for x in kpi["load"]], _("Hours on call (in service)"), " h"),
        table((_("person"), _("answered"), _("talk (min)"), _("declined"), _("missed"), _("on call (h)")),
              [(x["person"], x["answered"], tr.number(x["talk_minutes"], 1), x["declined"], x["missed"],
                tr.number(x["on_call_hours"], 1)) for x in kpi["load"]], numeric=(1, 2, 3, 4, 5), css="load",
              empty=_("none")),
        tag("h2", _("Time to answer")),
        svg.columns([(b["up_to"], b["calls"]) for b in kpi["wait_histogram"]], _("Answered calls by time to a human")),
        tag("h2", _("Rota")),
    ]
    for year, month, on_call, holidays in calendars:
        body.append(svg.month_calendar(year, month, on_call, holidays,
                                       title=_("On call, %(month)s") % {"month": tr.month(year, month)},
                                       day_labels=tr.weekdays()))
    return page(_("On-call report"), body, lang=lang)


def _message_rows(messages: Mapping[str, Any], _: Callable[[str], str]) -> list[tuple[str, Any]]:
    """Messages left, acknowledged, and the expired ones flagged by number (nobody acknowledged them)."""
    if not messages:
        return []
    expired = messages.get("expired", 0)
    flagged = f"{expired} ⚠ " + ", ".join(f"#{n}" for n in messages.get("expired_ids", [])) if expired else 0
    return [(_("messages left"), messages.get("left", 0)),
            (_("messages acknowledged"), messages.get("acknowledged", 0)),
            (_("messages expired (never acknowledged)"), flagged)]
