"""Rapports: the monthly statements kept in the database (``astreinte report statement``), exactly
as kept, and the KPI report of a month (``astreinte report kpi --format html``).

An employee sees the statements of their own person only; a manager every statement and the KPI
report (it shows everyone's load).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from astreinte.web.console import CONSOLE
from astreinte.web.render import render
from astreinte.web.security import manager, signed_in

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.accounts import User
    from astreinte.adapters.store.statements import StoredStatement
    from astreinte.domain.rota import Override

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")
TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}


def visible(user: User, item: StoredStatement) -> bool:
    return user.manager or (user.person is not None and item.person == user.person)


async def reports(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    user = signed_in(request)
    kept = [item for item in await console.store.run(lambda s: s.statements()) if visible(user, item)]
    kept.sort(key=lambda item: (item.month, item.id), reverse=True)
    today = console.now().date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render(request, "reports.html", kept=kept, last_month=last_month, teams=list(console.current.teams))


async def statement(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    user = signed_in(request)
    text = request.match_info["number"]
    if not text.isdigit() or len(text) > 9:
        raise web.HTTPNotFound()
    found = await console.store.run(lambda s: s.statement(int(text)))
    if found is None or not visible(user, found):
        raise web.HTTPNotFound(text="404 Not Found: no such statement\n")
    name = f"releve-{found.month}-{found.person if found.person != '*' else 'tous'}.{found.format}"
    disposition = "inline" if request.query.get("view") and found.format == "html" else "attachment"
    return web.Response(body=found.content, headers={
        "Content-Type": TYPES.get(found.format, "application/octet-stream"),
        "Content-Disposition": f'{disposition}; filename="{name}"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        "X-Statement-SHA256": found.content_hash})


async def kpi(request: web.Request) -> web.StreamResponse:
    from astreinte.report import kpi as builder
    from astreinte.report.html import kpi_html

    manager(request)
    console = request.app[CONSOLE]
    config = console.config()
    found = MONTH.match(request.query.get("month", ""))
    if found is None:
        raise web.HTTPBadRequest(text="400 Bad Request: month=YYYY-MM\n")
    team = request.query.get("team") or None
    if team is not None and team not in config.teams:
        raise web.HTTPBadRequest(text="400 Bad Request: unknown team\n")
    year, month = int(found.group(1)), int(found.group(2))
    zone = config.timezone
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime.combine((date(year, month, 28) + timedelta(days=4)).replace(day=1), time(), tzinfo=zone)

    def read(store: Store) -> tuple[list[dict[str, Any]], tuple[Override, ...]]:
        rows = [r for r in store.calls(start) if datetime.fromisoformat(r["started_at"]) < end]
        return rows, store.overrides()

    rows, overrides = await console.store.run(read)
    document, calendars = builder.build(config, config.schedule(overrides), rows, start, end, team)
    body = kpi_html(document, calendars, config.language)
    disposition = "attachment" if request.query.get("download") else "inline"
    return web.Response(text=body, content_type="text/html", charset="utf-8", headers={
        "Content-Disposition": f'{disposition}; filename="kpi-{year}-{month:02d}.html"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"})
